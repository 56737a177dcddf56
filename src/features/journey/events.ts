/**
 * The journey's reaction to one event (a join, a message, a helpful reaction, an accepted answer)
 * and to what other features report (an answer picked with /solved, a profile set). Each operation
 * reads its facts, decides in the pure functions of decide.ts and progress.ts (no database), and writes the
 * decision and its Actions in one transaction.
 */
import { type Database, transaction } from '../../db/database.js';
import { opsOf } from '../../db/handle.js';
import type {
  AnswerAccepted,
  CommunityEvent,
  GuildId,
  MemberId,
  MemberJoined,
  MessageCreated,
  ReactionAdded,
} from '../../events.js';
import type { Account } from '../links/identity.js';
import { forgetPlaces, type GuildContext, loadContext } from './context.js';
import {
  acceptedCredit,
  type Credit,
  decideCredit,
  decideJoin,
  decideMessage,
  decideProfile,
  decideSync,
  type FirstPost,
  reactionCredit,
} from './decide.js';
import { isHelpfulReaction } from './evaluate.js';
import { busiestChannels, memberFacts, progressFacts, rowFor, writeJourney } from './facts.js';
import {
  channelInfo,
  firstPostOf,
  getJourney,
  hasEarlierMessage,
  isCredited,
  messageInfo,
  repliedTo,
} from './store.js';
import { welcomeDue } from './welcome.js';

/**
 * React to one freshly stored event (never call it for a duplicate: ingest's `fresh` is false).
 * `now` is the bot's clock; the event's own time decides milestones. Returns Actions enqueued.
 */
export async function handleEvent(db: Database, event: CommunityEvent, now: number): Promise<number> {
  switch (event.kind) {
    case 'member.joined':
      return event.bot ? 0 : inTransaction(db, event.guildId, (tx, ctx) => onJoined(tx, ctx, event, now));
    case 'message.created':
      return event.authorIsBot ? 0 : inTransaction(db, event.guildId, (tx, ctx) => onMessage(tx, ctx, event, now));
    case 'reaction.added':
      return isHelpfulReaction(event.emoji)
        ? inTransaction(db, event.guildId, (tx, ctx) => onReaction(tx, ctx, event, now))
        : 0;
    case 'answer.accepted':
      return event.accepted && event.messageId
        ? inTransaction(db, event.guildId, (tx, ctx) => onAccepted(tx, ctx, event, now))
        : 0;
    case 'channel.upserted':
      forgetPlaces(db, event.guildId);
      return 0;
    default:
      return 0;
  }
}

/** One operation in one transaction, on the guild's context (none: the guild is not set up, nothing to do). */
function inTransaction(
  db: Database,
  guildId: GuildId,
  work: (tx: Database, ctx: GuildContext) => Promise<number>,
): Promise<number> {
  const run = async (tx: Database) => {
    const ctx = await loadContext(tx, guildId);
    return ctx ? work(tx, ctx) : 0;
  };
  // Given a transaction already (ingest's batch gives each feature a savepoint of its own): run in it.
  return opsOf(db).scope ? run(db) : transaction(db, run);
}

async function onJoined(db: Database, ctx: GuildContext, event: MemberJoined, now: number): Promise<number> {
  const { row, progress } = await memberFacts(db, ctx, event.memberId, event.at);
  const facts = {
    row,
    progress,
    topics: welcomeDue(ctx, row, event.at, now) ? await busiestChannels(db, ctx, now) : [],
  };
  const decision = decideJoin(ctx, facts, event.at, now);
  return writeJourney(db, ctx.guildId, decision, now);
}

async function onMessage(db: Database, ctx: GuildContext, event: MessageCreated, now: number): Promise<number> {
  const g = ctx.guildId;
  const channel = await channelInfo(db, g, event.channelId);
  const inThread = channel?.kind === 'thread';
  // The replied message's author and their first post, read at once.
  const replied = event.replyToId ? await repliedTo(db, g, event.replyToId) : undefined;
  const repliedAuthorId = replied?.authorId ?? null;
  const threadOwnerId = inThread ? (channel.ownerId ?? null) : null;
  // The newcomers this message may be the first reply to: whoever it replies to, whoever opened its thread.
  const firstPosts = new Map<string, FirstPost>();
  if (replied?.firstPost && replied.authorId !== event.authorId) firstPosts.set(replied.authorId, replied.firstPost);
  if (threadOwnerId !== null && threadOwnerId !== event.authorId && !firstPosts.has(threadOwnerId)) {
    const first = await firstPostOf(db, g, threadOwnerId);
    if (first) firstPosts.set(threadOwnerId, first);
  }
  const { row, progress } = await memberFacts(db, ctx, event.authorId, event.at);
  const facts = {
    channel: channel ?? null,
    opensThread: inThread && !(await hasEarlierMessage(db, g, event.channelId, event.at)),
    repliedAuthorId,
    firstPosts,
    row,
    progress,
  };
  return writeJourney(db, g, decideMessage(ctx, facts, event, now), now);
}

async function onReaction(db: Database, ctx: GuildContext, event: ReactionAdded, now: number): Promise<number> {
  const answer = await messageInfo(db, ctx.guildId, event.messageId);
  const credit = reactionCredit(event, {
    answer: answer ?? null,
    thread: answer ? ((await channelInfo(db, ctx.guildId, answer.channelId)) ?? null) : null,
    question: answer?.replyToId ? ((await messageInfo(db, ctx.guildId, answer.replyToId)) ?? null) : null,
  });
  return credit ? creditMember(db, ctx, credit, now) : 0;
}

async function onAccepted(db: Database, ctx: GuildContext, event: AnswerAccepted, now: number): Promise<number> {
  const answer = await messageInfo(db, ctx.guildId, event.messageId!);
  const ownerId = (await channelInfo(db, ctx.guildId, event.threadId))?.ownerId ?? null;
  const credit = acceptedCredit(event, answer ?? null, ownerId);
  return credit ? creditMember(db, ctx, credit, now) : 0;
}

/** Count an answer as solved, once: an answer already credited reads nothing more about its author. */
async function creditMember(db: Database, ctx: GuildContext, credit: Credit, now: number): Promise<number> {
  const member = (await isCredited(db, ctx.guildId, credit.messageId))
    ? null
    : await memberFacts(db, ctx, credit.memberId, credit.at);
  return writeJourney(db, ctx.guildId, decideCredit(ctx, credit, member, now), now);
}

/**
 * Another feature tells the journey that a member's answer solved a question (the questions feature,
 * when the asker or a moderator picks it with /solved). Counted once per answer, like an accepted
 * answer; a self-answer does not count. Returns the Actions enqueued (a milestone reached).
 */
export async function recordAnswerPicked(
  db: Database,
  guildId: GuildId,
  pick: { messageId: string; memberId: MemberId; byMemberId: MemberId; askerId: MemberId; at: number },
  now: number,
): Promise<number> {
  if (pick.memberId === pick.askerId || pick.memberId === pick.byMemberId) return 0;
  const credit: Credit = {
    messageId: pick.messageId,
    memberId: pick.memberId,
    byMemberId: pick.byMemberId,
    via: 'accepted',
    at: pick.at,
  };
  return inTransaction(db, guildId, (tx, ctx) => creditMember(tx, ctx, credit, now));
}

/**
 * Another feature tells the journey that a member set up a profile (e.g. intros). Counted once.
 * Returns the Actions enqueued.
 */
export function recordProfileSet(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
  at: number,
  now: number,
): Promise<number> {
  return inTransaction(db, guildId, async (tx, ctx) => {
    const row = await rowFor(tx, ctx, memberId, at);
    // A profile counted already moves nothing: its member's facts are not needed.
    const progress = (row.counters.profile?.n ?? 0) > 0 ? null : await progressFacts(tx, ctx, memberId);
    return writeJourney(tx, guildId, decideProfile(ctx, row, progress, at, now), now);
  });
}

/**
 * Two accounts were just linked: each reaches what the person's merged facts earn on its own track,
 * quietly (roles and groups, no congratulations: nothing new happened to the person).
 */
export function syncJourneys(db: Database, discord: Account, forum: Account, now: number): Promise<number> {
  return transaction(db, async (tx) => {
    const side = async (a: Account) => ({
      account: a,
      ctx: await loadContext(tx, a.guildId as GuildId),
      row: await getJourney(tx, a.guildId, a.memberId),
    });
    const decision = decideSync(await side(discord), await side(forum), now);
    // Each side's rows, milestones and Actions: the write needs a guild only for the marks, none here.
    return writeJourney(tx, discord.guildId as GuildId, decision, now);
  });
}
