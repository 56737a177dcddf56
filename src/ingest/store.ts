/**
 * CommunityEvents → store, idempotent on the platform's own ids: applying the same event twice
 * leaves the database as it was after the first time, and reports `fresh: false` so features do
 * not act twice. Statements are prepared once: ingest is the hot path (every message of a guild).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { prepareMessageInsert } from '../db/hotPath.js';
import { channels, guilds, members, messages, reactions } from '../db/schema.js';
import type { CommunityEvent } from '../events.js';
import { storedTermsOf } from '../text/tokenize.js';
import { erasedMembers } from './erased.js';

/** What ingest needs to know about a guild's rules for a message; cached by the caller. */
export interface IngestPolicy {
  storeMessageText: boolean;
}

const p = sql.placeholder;

export type EventApplier = (event: CommunityEvent, policy: IngestPolicy) => boolean;

export function createEventApplier(db: Db): EventApplier {
  const upsertGuild = db
    .insert(guilds)
    .values({ id: p('guildId'), platform: p('platform'), name: p('name'), createdAt: p('at'), updatedAt: p('at') })
    .onConflictDoUpdate({
      target: guilds.id,
      set: { name: sql`excluded.name`, updatedAt: sql`excluded.updated_at` },
      setWhere: sql`${guilds.name} IS DISTINCT FROM excluded.name`,
    })
    .prepare();

  const ensureGuild = db
    .insert(guilds)
    .values({ id: p('guildId'), platform: p('platform'), name: p('guildId'), createdAt: p('at'), updatedAt: p('at') })
    .onConflictDoNothing()
    .prepare();

  const memberJoined = db
    .insert(members)
    .values({
      guildId: p('guildId'),
      memberId: p('memberId'),
      username: p('username'),
      displayName: p('displayName'),
      bot: p('bot'),
      moderator: p('moderator'),
      roles: p('roles'),
      joinedAt: p('at'),
      updatedAt: p('at'),
    })
    .onConflictDoUpdate({
      target: [members.guildId, members.memberId],
      set: {
        username: sql`excluded.username`,
        displayName: sql`excluded.display_name`,
        bot: sql`excluded.bot`,
        moderator: sql`excluded.moderator`,
        roles: sql`excluded.roles`,
        joinedAt: sql`excluded.joined_at`,
        leftAt: sql`NULL`,
        updatedAt: sql`excluded.updated_at`,
      },
      // A join we already know (same or older) changes nothing: replays are no-ops. A stub row made
      // from a message (joined_at NULL) or a rejoin after leaving takes the new join.
      setWhere: sql`${members.joinedAt} IS NULL OR ${members.leftAt} IS NOT NULL AND ${members.leftAt} <= excluded.joined_at`,
    })
    .prepare();

  const memberLeft = db
    .update(members)
    .set({ leftAt: sql`${p('at')}`, updatedAt: sql`${p('at')}` })
    .where(
      and(
        eq(members.guildId, p('guildId')),
        eq(members.memberId, p('memberId')),
        sql`${members.leftAt} IS NULL AND (${members.joinedAt} IS NULL OR ${members.joinedAt} <= ${p('at')})`,
      ),
    )
    .prepare();

  const memberUpdated = db
    .insert(members)
    .values({
      guildId: p('guildId'),
      memberId: p('memberId'),
      username: p('username'),
      displayName: p('displayName'),
      moderator: p('moderator'),
      roles: p('roles'),
      updatedAt: p('at'),
    })
    .onConflictDoUpdate({
      target: [members.guildId, members.memberId],
      set: {
        username: sql`excluded.username`,
        displayName: sql`excluded.display_name`,
        moderator: sql`excluded.moderator`,
        roles: sql`excluded.roles`,
        updatedAt: sql`excluded.updated_at`,
      },
      setWhere: sql`(${members.username} IS DISTINCT FROM excluded.username OR ${members.displayName} IS DISTINCT FROM excluded.display_name OR ${members.moderator} IS DISTINCT FROM excluded.moderator OR ${members.roles} IS DISTINCT FROM excluded.roles) AND ${members.updatedAt} <= excluded.updated_at`,
    })
    .prepare();

  const memberStub = db
    .insert(members)
    .values({
      guildId: p('guildId'),
      memberId: p('memberId'),
      username: p('username'),
      displayName: p('username'),
      bot: p('bot'),
      updatedAt: p('at'),
    })
    .onConflictDoNothing()
    .prepare();

  const upsertChannel = db
    .insert(channels)
    .values({
      guildId: p('guildId'),
      channelId: p('channelId'),
      name: p('name'),
      kind: p('kind'),
      parentId: p('parentId'),
      topic: p('topic'),
      ownerId: p('ownerId'),
      tags: p('tags'),
      archived: p('archived'),
      createdAt: p('createdAt'),
      updatedAt: p('at'),
    })
    .onConflictDoUpdate({
      target: [channels.guildId, channels.channelId],
      set: {
        name: sql`excluded.name`,
        kind: sql`excluded.kind`,
        parentId: sql`excluded.parent_id`,
        topic: sql`excluded.topic`,
        ownerId: sql`coalesce(excluded.owner_id, ${channels.ownerId})`,
        tags: sql`excluded.tags`,
        archived: sql`excluded.archived`,
        updatedAt: sql`excluded.updated_at`,
      },
      setWhere: sql`${channels.updatedAt} <= excluded.updated_at AND (${channels.name} IS DISTINCT FROM excluded.name OR ${channels.kind} IS DISTINCT FROM excluded.kind OR ${channels.parentId} IS DISTINCT FROM excluded.parent_id OR ${channels.topic} IS DISTINCT FROM excluded.topic OR ${channels.tags} IS DISTINCT FROM excluded.tags OR ${channels.archived} IS DISTINCT FROM excluded.archived)`,
    })
    .prepare();

  const parentOf = db
    .select({ kind: channels.kind, parentId: channels.parentId })
    .from(channels)
    .where(and(eq(channels.guildId, p('guildId')), eq(channels.channelId, p('channelId'))))
    .prepare();

  /** Messages stored before their thread was known carry the thread as parent: fix them up. */
  const reparentMessages = db
    .update(messages)
    .set({ parentChannelId: sql`${p('parentId')}` })
    .where(
      and(
        eq(messages.guildId, p('guildId')),
        eq(messages.channelId, p('threadId')),
        eq(messages.parentChannelId, p('threadId')),
      ),
    )
    .prepare();

  const authorProfilingOff = db
    .select({ off: members.profilingOff })
    .from(messages)
    .innerJoin(members, and(eq(members.guildId, messages.guildId), eq(members.memberId, messages.authorId)))
    .where(and(eq(messages.guildId, p('guildId')), eq(messages.messageId, p('messageId'))))
    .prepare();

  const insertMessage = prepareMessageInsert(db);
  const erasedSet = erasedMembers(db);

  const updateMessage = db
    .update(messages)
    .set({ terms: sql`${p('terms')}`, content: sql`${p('content')}`, editedAt: sql`${p('at')}` })
    .where(
      and(
        eq(messages.guildId, p('guildId')),
        eq(messages.messageId, p('messageId')),
        sql`${messages.deletedAt} IS NULL AND (${messages.editedAt} IS NULL OR ${messages.editedAt} < ${p('at')})`,
      ),
    )
    .prepare();

  const deleteMessage = db
    .update(messages)
    .set({ deletedAt: sql`${p('at')}`, terms: '', content: null })
    .where(
      and(
        eq(messages.guildId, p('guildId')),
        eq(messages.messageId, p('messageId')),
        sql`${messages.deletedAt} IS NULL`,
      ),
    )
    .prepare();

  const addReaction = db
    .insert(reactions)
    .values({
      guildId: p('guildId'),
      messageId: p('messageId'),
      memberId: p('memberId'),
      emoji: p('emoji'),
      createdAt: p('at'),
    })
    .onConflictDoNothing()
    .prepare();

  const removeReaction = db
    .delete(reactions)
    .where(
      and(
        eq(reactions.guildId, p('guildId')),
        eq(reactions.messageId, p('messageId')),
        eq(reactions.memberId, p('memberId')),
        eq(reactions.emoji, p('emoji')),
        sql`${reactions.createdAt} <= ${p('at')}`,
      ),
    )
    .prepare();

  const changed = (r: { changes: number }) => r.changes > 0;

  // Hot-path caches of facts that never change once true (a guild exists; a thread's parent), so
  // most messages cost one lookup and one insert. Rebuilt from the database after a restart.
  const knownGuilds = new Set<string>();
  const knownMembers = new Set<string>();
  const parents = new Map<string, string>();
  const ensureGuildOnce = (g: { guildId: string; platform: string; at: number }) => {
    if (knownGuilds.has(g.guildId)) return;
    ensureGuild.run(g);
    knownGuilds.add(g.guildId);
  };
  const parentChannel = (guildId: string, channelId: string): string => {
    const key = `${guildId}/${channelId}`;
    const cached = parents.get(key);
    if (cached) return cached;
    const channel = parentOf.get({ guildId, channelId });
    // Unknown yet counts as its own parent; a later thread/channel event for it drops this entry.
    const parent = channel?.kind === 'thread' && channel.parentId ? channel.parentId : channelId;
    if (parents.size > 100_000) parents.clear();
    parents.set(key, parent);
    return parent;
  };

  const storedName = db
    .select({ name: channels.name })
    .from(channels)
    .where(and(eq(channels.guildId, p('guildId')), eq(channels.channelId, p('channelId'))))
    .prepare();
  /**
   * A title erased with its owner's data stays erased (a backfill or a rename would bring it back); a
   * question the member opens after erasing has its title (helpers must be able to read what is asked).
   */
  const titleOf = (guildId: string, threadId: string, ownerId: string | null, name: string) =>
    ownerId !== null && erasedSet.has(guildId, ownerId) && storedName.get({ guildId, channelId: threadId })?.name === ''
      ? ''
      : name;

  /** An erased member's names are not stored again (a rename, a backfill or a replay would bring them back). */
  const namesOf = (guildId: string, memberId: string, username: string, displayName: string) =>
    erasedSet.has(guildId, memberId) ? { username: '', displayName: '' } : { username, displayName };

  return (event, policy) => {
    const g = { guildId: event.guildId, platform: event.platform, at: event.at };
    switch (event.kind) {
      case 'guild.upserted':
        return changed(upsertGuild.run({ ...g, name: event.name }));
      case 'member.joined':
        ensureGuildOnce(g);
        return changed(
          memberJoined.run({
            ...g,
            memberId: event.memberId,
            ...namesOf(event.guildId, event.memberId, event.username, event.displayName),
            bot: event.bot ? 1 : 0,
            moderator: event.moderator ? 1 : 0,
            roles: event.roles,
          }),
        );
      case 'member.left':
        return changed(memberLeft.run({ ...g, memberId: event.memberId }));
      case 'member.updated':
        ensureGuildOnce(g);
        return changed(
          memberUpdated.run({
            ...g,
            memberId: event.memberId,
            ...namesOf(event.guildId, event.memberId, event.username, event.displayName),
            moderator: event.moderator ? 1 : 0,
            roles: event.roles,
          }),
        );
      case 'channel.upserted':
        ensureGuildOnce(g);
        parents.delete(`${event.guildId}/${event.channelId}`);
        return changed(
          upsertChannel.run({
            ...g,
            channelId: event.channelId,
            name: event.name,
            kind: event.channelKind,
            parentId: event.parentId,
            topic: event.topic,
            ownerId: null,
            tags: [],
            archived: 0,
            createdAt: event.at,
          }),
        );
      case 'thread.upserted':
        ensureGuildOnce(g);
        parents.delete(`${event.guildId}/${event.threadId}`);
        reparentMessages.run({ guildId: event.guildId, threadId: event.threadId, parentId: event.parentId });
        return changed(
          upsertChannel.run({
            ...g,
            channelId: event.threadId,
            name: titleOf(event.guildId, event.threadId, event.ownerId, event.name),
            kind: 'thread',
            parentId: event.parentId,
            topic: null,
            ownerId: event.ownerId,
            tags: event.tags,
            archived: event.archived ? 1 : 0,
            createdAt: event.createdAt,
          }),
        );
      case 'message.created': {
        ensureGuildOnce(g);
        // Members are never deleted, so "this member has a row" stays true once seen.
        const memberKey = `${event.guildId}/${event.authorId}`;
        if (!knownMembers.has(memberKey)) {
          memberStub.run({
            ...g,
            memberId: event.authorId,
            username: namesOf(event.guildId, event.authorId, event.authorName, event.authorName).username,
            bot: event.authorIsBot ? 1 : 0,
          });
          if (knownMembers.size > 200_000) knownMembers.clear();
          knownMembers.add(memberKey);
        }
        const parentChannelId = parentChannel(event.guildId, event.channelId);
        const erased = erasedSet.has(event.guildId, event.authorId);
        return insertMessage({
          guildId: event.guildId,
          messageId: event.messageId,
          channelId: event.channelId,
          parentChannelId,
          authorId: event.authorId,
          replyToId: event.replyToId,
          mentionIds: event.mentionIds,
          createdAt: event.at,
          terms: erased ? '' : storedTermsOf(event.content),
          content: policy.storeMessageText && !erased ? event.content : null,
        });
      }
      case 'message.updated': {
        const off = authorProfilingOff.get({ guildId: event.guildId, messageId: event.messageId })?.off;
        return changed(
          updateMessage.run({
            ...g,
            messageId: event.messageId,
            terms: off ? '' : storedTermsOf(event.content),
            content: policy.storeMessageText && !off ? event.content : null,
          }),
        );
      }
      case 'message.deleted':
        return changed(deleteMessage.run({ ...g, messageId: event.messageId }));
      case 'reaction.added':
        return changed(
          addReaction.run({ ...g, messageId: event.messageId, memberId: event.memberId, emoji: event.emoji }),
        );
      case 'reaction.removed':
        return changed(
          removeReaction.run({ ...g, messageId: event.messageId, memberId: event.memberId, emoji: event.emoji }),
        );
      case 'answer.accepted':
        // Kept by the questions feature (its onEvent); nothing in the core tables.
        return true;
    }
  };
}
