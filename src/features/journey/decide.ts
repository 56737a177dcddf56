/**
 * What the journey does about one event (pure): plain facts in, the rows to save, the milestones to
 * record and the Actions to enqueue out. events.ts reads the facts and writes the result.
 */

import type { ChannelRef } from './compose.js';
import { addCount, messageKinds } from './evaluate.js';
import type { GuildContext } from './guild.js';
import {
  decideMirrored,
  decideProgress,
  type JourneyWrites,
  type MarkWrites,
  noWrites,
  type ProgressFacts,
  STALE_MS,
} from './progress.js';
import { type JourneyRow, newJourneyRow } from './row.js';
import { decideWelcome } from './welcome.js';

/** A member's row and what moving them needs. */
export interface MemberState {
  row: JourneyRow;
  progress: ProgressFacts;
}

/** A join: the newcomer's journey starts, with their welcome when it is due. */
export function decideJoin(
  ctx: GuildContext,
  facts: MemberState & { topics: ChannelRef[] },
  joinedAt: number,
  now: number,
): JourneyWrites {
  const out = noWrites();
  const row = { ...facts.row };
  // Only a join we see as it happens starts a journey we congratulate along (a backfilled or late
  // join belongs to someone who may have been here for years).
  if (now - joinedAt <= STALE_MS) row.joinedAt ??= joinedAt;
  out.items.push(...decideWelcome(ctx, row, joinedAt, facts.topics, now));
  decideProgress(ctx, row, facts.progress, joinedAt, now, out);
  out.rows.push(row);
  return out;
}

/** A newcomer's first post, and whether someone replied to it yet. */
export interface FirstPost {
  firstMessageId: string | null;
  firstMessageChannelId: string | null;
  firstMessageOpensThread: boolean;
  firstReplyBy: string | null;
}

export interface MessageFacts extends MemberState {
  /** The channel the message is in (a thread has an owner and a parent). */
  channel: { kind: string; ownerId: string | null; parentId: string | null } | null;
  /** The message is the first in its thread. */
  opensThread: boolean;
  /** Who wrote the message it replies to. */
  repliedAuthorId: string | null;
  /** The first posts of the members it may be the first reply to (the replied author, the thread owner). */
  firstPosts: ReadonlyMap<string, FirstPost>;
}

/** A member wrote: their counters, their first post, the convener credit, and where it takes them. */
export function decideMessage(
  ctx: GuildContext,
  facts: MessageFacts,
  message: { authorId: string; channelId: string; messageId: string; replyToId: string | null; at: number },
  now: number,
): JourneyWrites & MarkWrites {
  const out: JourneyWrites & MarkWrites = noWrites();
  const { channel, opensThread, repliedAuthorId } = facts;
  const inThread = channel?.kind === 'thread';
  const threadOwnerId = inThread ? (channel.ownerId ?? null) : null;
  const kinds = messageKinds({
    authorId: message.authorId,
    channelId: message.channelId,
    parentChannelId: inThread && channel.parentId ? channel.parentId : message.channelId,
    threadOwnerId,
    opensThread,
    repliedAuthorId,
    introductionsChannelId: ctx.places.introductions?.channelId ?? null,
  });

  const row = { ...facts.row };
  for (const kind of kinds) row.counters = addCount(row.counters, kind, message.at);
  row.messageCount += 1;
  if (row.firstMessageId === null) {
    row.firstMessageId = message.messageId;
    row.firstMessageChannelId = message.channelId;
    row.firstMessageOpensThread = opensThread;
  }

  // Convener: the first reply to a newcomer's first post (a reply to it, or a reply in the thread it opened).
  for (const newcomerId of new Set([repliedAuthorId, threadOwnerId])) {
    if (newcomerId === null || newcomerId === message.authorId) continue;
    const first = facts.firstPosts.get(newcomerId);
    if (!first || first.firstReplyBy !== null || first.firstMessageId === null) continue;
    const answersFirstPost =
      (message.replyToId !== null && message.replyToId === first.firstMessageId) ||
      (first.firstMessageOpensThread && first.firstMessageChannelId === message.channelId);
    if (!answersFirstPost) continue;
    out.firstReply = { memberId: newcomerId, by: message.authorId };
    row.counters = addCount(row.counters, 'welcomedNewcomer', message.at);
    break;
  }

  decideProgress(ctx, row, facts.progress, message.at, now, out);
  out.rows.push(row);
  return out;
}

/** An answer credited as solved: whose, by whom, how and when. */
export interface Credit {
  messageId: string;
  memberId: string;
  byMemberId: string;
  via: 'reaction' | 'accepted';
  at: number;
}

interface MessageRef {
  authorId: string;
  channelId: string;
  replyToId: string | null;
}

/**
 * A helpful reaction counts when the asker gives it to someone else's answer. The asker: whoever
 * opened the thread the answer is in, or wrote the message it replies to.
 */
export function reactionCredit(
  reaction: { messageId: string; memberId: string; at: number },
  facts: {
    answer: MessageRef | null;
    thread: { kind: string; ownerId: string | null } | null;
    question: MessageRef | null;
  },
): Credit | null {
  const { answer, thread, question } = facts;
  if (!answer || answer.authorId === reaction.memberId) return null;
  const askers = new Set<string>();
  if (thread?.kind === 'thread' && thread.ownerId) askers.add(thread.ownerId);
  if (answer.replyToId && question) askers.add(question.authorId);
  if (!askers.has(reaction.memberId)) return null;
  return {
    messageId: reaction.messageId,
    memberId: answer.authorId,
    byMemberId: reaction.memberId,
    via: 'reaction',
    at: reaction.at,
  };
}

/** An accepted answer counts when others marked it: not a self-answer, not accepted by its own author. */
export function acceptedCredit(
  accepted: { messageId: string | null; byMemberId: string; at: number },
  answer: MessageRef | null,
  threadOwnerId: string | null,
): Credit | null {
  if (!answer || !accepted.messageId) return null;
  if (answer.authorId === threadOwnerId || answer.authorId === accepted.byMemberId) return null;
  return {
    messageId: accepted.messageId,
    memberId: answer.authorId,
    byMemberId: accepted.byMemberId,
    via: 'accepted',
    at: accepted.at,
  };
}

/** Credit the answer's author once; `member` is null when the answer was credited already. */
export function decideCredit(
  ctx: GuildContext,
  credit: Credit,
  member: MemberState | null,
  now: number,
): JourneyWrites & MarkWrites {
  const out: JourneyWrites & MarkWrites = noWrites();
  if (!member) return out;
  out.solved = credit;
  const row = { ...member.row };
  row.counters = addCount(row.counters, 'solved', credit.at);
  decideProgress(ctx, row, member.progress, credit.at, now, out);
  out.rows.push(row);
  return out;
}

/** A profile set up (by intros): counted once; `progress` is null when it was counted already. */
export function decideProfile(
  ctx: GuildContext,
  stored: JourneyRow,
  progress: ProgressFacts | null,
  at: number,
  now: number,
): JourneyWrites {
  const out = noWrites();
  if (!progress || (stored.counters.profile?.n ?? 0) > 0) return out;
  const row = { ...stored, counters: addCount(stored.counters, 'profile', at) };
  decideProgress(ctx, row, progress, at, now, out);
  out.rows.push(row);
  return out;
}

/** One side of a pair of linked accounts, as stored. */
export interface LinkedSide {
  account: { guildId: string; memberId: string };
  ctx: GuildContext | null;
  row: JourneyRow | undefined;
}

/**
 * Two accounts were just linked: each (in turn, the second seeing the first as just moved) reaches
 * what the person's merged facts earn on its own track, quietly.
 */
export function decideSync(discord: LinkedSide, forum: LinkedSide, now: number): JourneyWrites {
  const out = noWrites();
  const sides = [discord, forum];
  const rows = sides.map((s) => s.row);
  for (const [self, other] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const ctx = sides[self]!.ctx;
    const theirs = rows[other];
    if (!ctx || !theirs) continue;
    const row = { ...(rows[self] ?? newJourneyRow(ctx.guildId, sides[self]!.account.memberId, '', now, null)) };
    decideMirrored(ctx, row, theirs, now, now, out);
    rows[self] = row;
    out.rows.push(row);
  }
  return out;
}
