/**
 * CommunityEvents → store, idempotent on the platform's own ids: applying the same event twice
 * leaves the database as it was after the first time, and reports `fresh: false` so features do
 * not act twice. Ingest is the hot path (every message of a guild): the statements (./statements.ts)
 * are prepared once per SQLite connection, and facts that never change once true are cached.
 *
 * `eventSteps` decides which statements an event runs (a generator of steps, see db/hotPath.ts);
 * `eventApplier` drives it on either engine.
 */
import type { Database } from '../db/database.js';
import { driveOn, getStep, type HotSteps, runStep } from '../db/hotPath.js';
import type { CommunityEvent } from '../events.js';
import { storedTermsOf } from '../text/tokenize.js';
import { type ErasedCheck, erasedIn } from './erased.js';
import * as s from './statements.js';

/** What ingest needs to know about a guild's rules for a message; cached by the caller. */
export interface IngestPolicy {
  storeMessageText: boolean;
}

/**
 * Store one event with `tx` (the ingestor's batch transaction, or the database); resolves with
 * whether it changed anything (false for a duplicate). An applier caches facts it wrote: after a
 * rollback, make a new one.
 */
export type EventApplier = (tx: Database, event: CommunityEvent, policy: IngestPolicy) => Promise<boolean>;

/** Events whose storing looks at who erased their data. */
const LOOKS_AT_ERASED = new Set<CommunityEvent['kind']>([
  'member.joined',
  'member.updated',
  'thread.upserted',
  'message.created',
]);

export function eventApplier(): EventApplier {
  const apply = eventSteps();
  const nobody: ErasedCheck = { has: () => false };
  return (tx, event, policy) => {
    const erased = LOOKS_AT_ERASED.has(event.kind) ? erasedIn(tx) : nobody;
    if (erased instanceof Promise) return erased.then((known) => driveOn(tx, apply(event, policy, known)));
    return driveOn(tx, apply(event, policy, erased));
  };
}

type Apply = (event: CommunityEvent, policy: IngestPolicy, erased: ErasedCheck) => HotSteps<boolean>;

function eventSteps(): Apply {
  // Hot-path caches of facts that never change once true (a guild exists; a thread's parent), so
  // most messages cost one lookup and one insert. Rebuilt from the database after a restart.
  const knownGuilds = new Set<string>();
  const knownMembers = new Set<string>();
  const parents = new Map<string, string>();

  function* ensureGuildOnce(g: { guildId: string; platform: string; at: number }): HotSteps<void> {
    if (knownGuilds.has(g.guildId)) return;
    yield* runStep(s.ensureGuild, g);
    knownGuilds.add(g.guildId);
  }

  function* parentChannel(guildId: string, channelId: string): HotSteps<string> {
    const key = `${guildId}/${channelId}`;
    const cached = parents.get(key);
    if (cached) return cached;
    const channel = yield* getStep<{ kind: string; parentId: string | null }>(s.parentOf, { guildId, channelId });
    // Unknown yet counts as its own parent; a later thread/channel event for it drops this entry.
    const parent = channel?.kind === 'thread' && channel.parentId ? channel.parentId : channelId;
    if (parents.size > 100_000) parents.clear();
    parents.set(key, parent);
    return parent;
  }

  /**
   * A title erased with its owner's data stays erased (a backfill or a rename would bring it back); a
   * question the member opens after erasing has its title (helpers must be able to read what is asked).
   */
  function* titleOf(
    erased: ErasedCheck,
    guildId: string,
    threadId: string,
    ownerId: string | null,
    name: string,
  ): HotSteps<string> {
    if (ownerId === null || !erased.has(guildId, ownerId)) return name;
    const stored = yield* getStep<{ name: string }>(s.storedName, { guildId, channelId: threadId });
    return stored?.name === '' ? '' : name;
  }

  /** An erased member's names are not stored again (a rename, a backfill or a replay would bring them back). */
  const namesOf = (erased: ErasedCheck, guildId: string, memberId: string, username: string, displayName: string) =>
    erased.has(guildId, memberId) ? { username: '', displayName: '' } : { username, displayName };

  return function* apply(event, policy, erased): HotSteps<boolean> {
    const g = { guildId: event.guildId, platform: event.platform, at: event.at };
    switch (event.kind) {
      case 'guild.upserted':
        return (yield* runStep(s.upsertGuild, { ...g, name: event.name })) > 0;
      case 'member.joined':
        yield* ensureGuildOnce(g);
        return (
          (yield* runStep(s.memberJoined, {
            ...g,
            memberId: event.memberId,
            ...namesOf(erased, event.guildId, event.memberId, event.username, event.displayName),
            bot: Boolean(event.bot),
            moderator: Boolean(event.moderator),
            roles: event.roles,
          })) > 0
        );
      case 'member.left':
        return (yield* runStep(s.memberLeft, { ...g, memberId: event.memberId })) > 0;
      case 'member.updated':
        yield* ensureGuildOnce(g);
        return (
          (yield* runStep(s.memberUpdated, {
            ...g,
            memberId: event.memberId,
            ...namesOf(erased, event.guildId, event.memberId, event.username, event.displayName),
            moderator: Boolean(event.moderator),
            roles: event.roles,
          })) > 0
        );
      case 'channel.upserted':
        yield* ensureGuildOnce(g);
        parents.delete(`${event.guildId}/${event.channelId}`);
        return (
          (yield* runStep(s.upsertChannel, {
            ...g,
            channelId: event.channelId,
            name: event.name,
            kind: event.channelKind,
            parentId: event.parentId,
            topic: event.topic,
            ownerId: null,
            tags: [],
            archived: false,
            createdAt: event.at,
          })) > 0
        );
      case 'thread.upserted': {
        yield* ensureGuildOnce(g);
        parents.delete(`${event.guildId}/${event.threadId}`);
        yield* runStep(s.reparentMessages, {
          guildId: event.guildId,
          threadId: event.threadId,
          parentId: event.parentId,
        });
        const name = yield* titleOf(erased, event.guildId, event.threadId, event.ownerId, event.name);
        return (
          (yield* runStep(s.upsertChannel, {
            ...g,
            channelId: event.threadId,
            name,
            kind: 'thread',
            parentId: event.parentId,
            topic: null,
            ownerId: event.ownerId,
            tags: event.tags,
            archived: Boolean(event.archived),
            createdAt: event.createdAt,
          })) > 0
        );
      }
      case 'message.created': {
        yield* ensureGuildOnce(g);
        // Members are never deleted, so "this member has a row" stays true once seen.
        const memberKey = `${event.guildId}/${event.authorId}`;
        if (!knownMembers.has(memberKey)) {
          yield* runStep(s.memberStub, {
            ...g,
            memberId: event.authorId,
            username: namesOf(erased, event.guildId, event.authorId, event.authorName, event.authorName).username,
            bot: Boolean(event.authorIsBot),
          });
          if (knownMembers.size > 200_000) knownMembers.clear();
          knownMembers.add(memberKey);
        }
        const parentChannelId = yield* parentChannel(event.guildId, event.channelId);
        const isErased = erased.has(event.guildId, event.authorId);
        const stored = yield* runStep(s.insertMessage, {
          guildId: event.guildId,
          messageId: event.messageId,
          channelId: event.channelId,
          parentChannelId,
          authorId: event.authorId,
          replyToId: event.replyToId,
          mentionIds: [...event.mentionIds],
          createdAt: event.at,
          terms: isErased ? '' : storedTermsOf(event.content),
          content: policy.storeMessageText && !isErased ? event.content : null,
        });
        return stored > 0;
      }
      case 'message.updated': {
        const author = yield* getStep<{ off: boolean }>(s.authorProfilingOff, {
          guildId: event.guildId,
          messageId: event.messageId,
        });
        const off = author?.off;
        return (
          (yield* runStep(s.updateMessage, {
            ...g,
            messageId: event.messageId,
            terms: off ? '' : storedTermsOf(event.content),
            content: policy.storeMessageText && !off ? event.content : null,
          })) > 0
        );
      }
      case 'message.deleted':
        return (yield* runStep(s.deleteMessage, { ...g, messageId: event.messageId })) > 0;
      case 'reaction.added':
        return (
          (yield* runStep(s.addReaction, {
            ...g,
            messageId: event.messageId,
            memberId: event.memberId,
            emoji: event.emoji,
          })) > 0
        );
      case 'reaction.removed':
        return (
          (yield* runStep(s.removeReaction, {
            ...g,
            messageId: event.messageId,
            memberId: event.memberId,
            emoji: event.emoji,
          })) > 0
        );
      case 'answer.accepted':
        // Kept by the questions feature (its onEvent); nothing in the core tables.
        return true;
    }
  };
}
