/**
 * The statements ingest runs, written once for both engines (see db/hotPath.ts): `p(name)` is a
 * placeholder when prepared on SQLite and the value itself on PostgreSQL. Every write is idempotent
 * on the platform's own ids, and changes a row only when the event is new to it.
 */
import { and, eq, sql } from 'drizzle-orm';
import { hotGet, hotRun } from '../db/hotPath.js';

export const upsertGuild = hotRun((q, p) => {
  const { guilds } = q.tables;
  return q
    .insert(guilds)
    .values({ id: p('guildId'), platform: p('platform'), name: p('name'), createdAt: p('at'), updatedAt: p('at') })
    .onConflictDoUpdate({
      target: guilds.id,
      set: { name: sql`excluded.name`, updatedAt: sql`excluded.updated_at` },
      setWhere: sql`${guilds.name} IS DISTINCT FROM excluded.name`,
    });
});

export const ensureGuild = hotRun((q, p) => {
  const { guilds } = q.tables;
  return q
    .insert(guilds)
    .values({ id: p('guildId'), platform: p('platform'), name: p('guildId'), createdAt: p('at'), updatedAt: p('at') })
    .onConflictDoNothing();
});

export const memberJoined = hotRun((q, p) => {
  const { members } = q.tables;
  return q
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
    });
});

export const memberLeft = hotRun((q, p) => {
  const { members } = q.tables;
  return q
    .update(members)
    .set({ leftAt: sql`${p('at')}`, updatedAt: sql`${p('at')}` })
    .where(
      and(
        eq(members.guildId, p('guildId')),
        eq(members.memberId, p('memberId')),
        sql`${members.leftAt} IS NULL AND (${members.joinedAt} IS NULL OR ${members.joinedAt} <= ${p('at')})`,
      ),
    );
});

export const memberUpdated = hotRun((q, p) => {
  const { members } = q.tables;
  return q
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
    });
});

export const memberStub = hotRun((q, p) => {
  const { members } = q.tables;
  return q
    .insert(members)
    .values({
      guildId: p('guildId'),
      memberId: p('memberId'),
      username: p('username'),
      displayName: p('username'),
      bot: p('bot'),
      updatedAt: p('at'),
    })
    .onConflictDoNothing();
});

export const upsertChannel = hotRun((q, p) => {
  const { channels } = q.tables;
  return q
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
    });
});

export const parentOf = hotGet((q, p) => {
  const { channels } = q.tables;
  return q
    .select({ kind: channels.kind, parentId: channels.parentId })
    .from(channels)
    .where(and(eq(channels.guildId, p('guildId')), eq(channels.channelId, p('channelId'))));
});

export const storedName = hotGet((q, p) => {
  const { channels } = q.tables;
  return q
    .select({ name: channels.name })
    .from(channels)
    .where(and(eq(channels.guildId, p('guildId')), eq(channels.channelId, p('channelId'))));
});

/** Messages stored before their thread was known carry the thread as parent: fix them up. */
export const reparentMessages = hotRun((q, p) => {
  const { messages } = q.tables;
  return q
    .update(messages)
    .set({ parentChannelId: sql`${p('parentId')}` })
    .where(
      and(
        eq(messages.guildId, p('guildId')),
        eq(messages.channelId, p('threadId')),
        eq(messages.parentChannelId, p('threadId')),
      ),
    );
});

export const authorProfilingOff = hotGet((q, p) => {
  const { members, messages } = q.tables;
  return q
    .select({ off: members.profilingOff })
    .from(messages)
    .innerJoin(members, and(eq(members.guildId, messages.guildId), eq(members.memberId, messages.authorId)))
    .where(and(eq(messages.guildId, p('guildId')), eq(messages.messageId, p('messageId'))));
});

/** Insert a message unless it exists (the caller decides terms and text). */
export const insertMessage = hotRun((q, p) => {
  const { messages } = q.tables;
  return q
    .insert(messages)
    .values({
      guildId: p('guildId'),
      messageId: p('messageId'),
      channelId: p('channelId'),
      parentChannelId: p('parentChannelId'),
      authorId: p('authorId'),
      replyToId: p('replyToId'),
      mentionIds: p('mentionIds'),
      createdAt: p('createdAt'),
      terms: p('terms'),
      content: p('content'),
    })
    .onConflictDoNothing();
});

export const updateMessage = hotRun((q, p) => {
  const { messages } = q.tables;
  return q
    .update(messages)
    .set({ terms: sql`${p('terms')}`, content: sql`${p('content')}`, editedAt: sql`${p('at')}` })
    .where(
      and(
        eq(messages.guildId, p('guildId')),
        eq(messages.messageId, p('messageId')),
        sql`${messages.deletedAt} IS NULL AND (${messages.editedAt} IS NULL OR ${messages.editedAt} < ${p('at')})`,
      ),
    );
});

export const deleteMessage = hotRun((q, p) => {
  const { messages } = q.tables;
  return q
    .update(messages)
    .set({ deletedAt: sql`${p('at')}`, terms: '', content: null })
    .where(
      and(
        eq(messages.guildId, p('guildId')),
        eq(messages.messageId, p('messageId')),
        sql`${messages.deletedAt} IS NULL`,
      ),
    );
});

export const addReaction = hotRun((q, p) => {
  const { reactions } = q.tables;
  return q
    .insert(reactions)
    .values({
      guildId: p('guildId'),
      messageId: p('messageId'),
      memberId: p('memberId'),
      emoji: p('emoji'),
      createdAt: p('at'),
    })
    .onConflictDoNothing();
});

export const removeReaction = hotRun((q, p) => {
  const { reactions } = q.tables;
  return q
    .delete(reactions)
    .where(
      and(
        eq(reactions.guildId, p('guildId')),
        eq(reactions.messageId, p('messageId')),
        eq(reactions.memberId, p('memberId')),
        eq(reactions.emoji, p('emoji')),
        sql`${reactions.createdAt} <= ${p('at')}`,
      ),
    );
});
