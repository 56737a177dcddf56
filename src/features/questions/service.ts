/**
 * The questions service: joins the store and the pure rules.
 * - `handleEvent`: detect questions, mark them answered (a reply by someone else) and solved (the
 *   asker's ✅, a "solved" tag, an accepted answer), keep the expertise index current.
 * - `scanAndNudge`: the periodic scan; decides nudges and escalations and writes them to the outbox
 *   in the same transaction that re-checks the question is still open and moves its stage.
 * - `unansweredFor`, `weeklyMetrics`: for the commands and the digest (/solved is in solve.ts).
 *
 * The expertise index is a per-process cache of the tables (rebuilt on first use and every
 * REBUILD_MS, updated by events in between), so a second process or a restart loses nothing.
 */

import type { Db } from '../../db/connection.js';
import type {
  AnswerAccepted,
  CommunityEvent,
  GuildId,
  MemberId,
  MessageCreated,
  ReactionAdded,
  ReactionRemoved,
  ThreadUpserted,
} from '../../events.js';
import { getSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
import { termsOf } from '../../text/tokenize.js';
import { type Account, activeSides, counterpart, linkedAcross, pairedGuild, platformWords } from '../links/identity.js';
import { isQuestion, isWatched, questionTerms, type WatchRules } from './detect.js';
import type { ExpertiseIndex } from './expertise.js';
import { type LinkBase, questionLink } from './links.js';
import { type QuestionMetrics, questionMetrics } from './metrics.js';
import { questionNames } from './named.js';
import {
  awayNudgeBody,
  decideNudges,
  dueStage,
  type EscalationTarget,
  escalationBody,
  escalationSummaryBody,
  isDaytime,
  MAX_NUDGES_PER_DAY,
  type NamedQuestion,
  nudgeAction,
  nudgeKey,
  type OpenQuestion,
  type PeerFacts,
  peerNudgeBody,
  STALE_MS,
  stillDue,
  whyLine,
} from './nudgePolicy.js';
import { routerWeightsOf } from './refit.js';
import { PoolRouter, type QuestionToRoute, type Reason, scoreMember } from './route.js';
import type { QuestionsSettings } from './settings.js';
import {
  advanceStage,
  channelFacts,
  getQuestion,
  guildNameOf,
  guildPlatform,
  hasReply,
  insertQuestion,
  isProfilingOff,
  loadExpertise,
  markSolved,
  markUnsolved,
  memberFacts,
  messageFacts,
  moderatorIds,
  nudgesBetween,
  openQuestions,
  peerNudgesSince,
  type QuestionRow,
  questionsAskedBetween,
  questionsNudgedSince,
  recordNudges,
  recordResponse,
  replayInto,
  type SolvedVia,
  setNudgesOff,
  setQuestionBody,
  settingsText,
  solvedCredit,
  threadHasEarlierMessage,
  waitingQuestions,
} from './store.js';
import { questionTitle } from './title.js';
import { peerWhy, questionForms } from './why.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A process that did not see every event (a second shard, a long run) re-reads the tables this often. */
const REBUILD_MS = 6 * HOUR_MS;
/** The most recently active members considered for nudges in one scan (see PoolRouter). */
const NUDGE_POOL = 2_000;
/** Peers ranked per question in a scan: the pool is already filtered to who may be nudged now, so a few spare are enough. */
const RANKED_PER_QUESTION = 4;
/** The window the load share is measured over. */
const LOAD_WINDOW_MS = 7 * DAY_MS;
/** The moderators pinged by an escalation when there is no helpers role and no moderator role. */
const ESCALATION_MODERATORS = 3;

// ---------------------------------------------------------------------------------------------
// The expertise index cache

const caches = new WeakMap<Db, Map<string, { index: ExpertiseIndex; builtAt: number }>>();

function cacheOf(db: Db): Map<string, { index: ExpertiseIndex; builtAt: number }> {
  let c = caches.get(db);
  if (!c) {
    c = new Map();
    caches.set(db, c);
  }
  return c;
}

/** The guild's expertise index, rebuilt from the tables when missing or older than REBUILD_MS. */
export function expertiseOf(db: Db, guildId: string, now: number): ExpertiseIndex {
  const cache = cacheOf(db);
  const hit = cache.get(guildId);
  if (hit && now - hit.builtAt < REBUILD_MS && now >= hit.builtAt) return hit.index;
  const other = pairedGuild(db, guildId);
  const index = loadExpertise(
    db,
    guildId,
    other === null ? undefined : { guildId: other, ids: linkedAcross(db, other) },
  );
  cache.set(guildId, { index, builtAt: now });
  return index;
}

/**
 * The cached index of the other platform, and this member's id there, when the member is linked
 * (their posts and answers here also count there: one person, one expertise record).
 */
function twinOf(
  db: Db,
  guildId: string,
  memberId: string,
): { index: ExpertiseIndex; id: string; guildId: string } | null {
  const other = counterpart(db, guildId, memberId);
  if (!other) return null;
  const index = cachedIndex(db, other.guildId);
  return index ? { index, id: other.memberId, guildId: other.guildId } : null;
}

/** How an asker here is known in the other platform's index (see store.ts replayInto). */
function askerThere(db: Db, guildId: string, askerId: string): string {
  return counterpart(db, guildId, askerId)?.memberId ?? `${guildId}/${askerId}`;
}

/**
 * Two accounts were just linked: add each account's history to the other platform's cached index
 * (an index not built yet includes it when it is built).
 */
export function mergeExpertise(db: Db, discord: Account, forum: Account, _now: number): void {
  for (const [into, from] of [
    [discord, forum],
    [forum, discord],
  ] as const) {
    const index = cachedIndex(db, into.guildId);
    if (index) replayInto(index, db, from.guildId, new Map([[from.memberId, into.memberId]]));
  }
}

/**
 * Install an index built elsewhere (a rebuild done off the hot path, a benchmark) as the guild's
 * cache, as of `now`. It must reflect the tables: events after `now` keep it current.
 */
export function useExpertise(db: Db, guildId: string, index: ExpertiseIndex, now: number): void {
  cacheOf(db).set(guildId, { index, builtAt: now });
}

/** Drop the cached index (after an erase): the next use rebuilds it from the tables. */
export function forgetExpertise(db: Db, guildId: string): void {
  cacheOf(db).delete(guildId);
}

/** The index only if it is built: events update it, and a missing one is built from the tables later. */
const cachedIndex = (db: Db, guildId: string) => cacheOf(db).get(guildId)?.index;

// ---------------------------------------------------------------------------------------------
// Events

const rulesOf = (s: QuestionsSettings): WatchRules => ({ auto: s.auto, channels: s.channels });

/** Parsed questions settings per guild, reused while the stored document is unchanged (the per-message path). */
const settingsCache = new WeakMap<Db, Map<string, { text: string; settings: QuestionsSettings }>>();

function questionSettings(db: Db, guildId: string): QuestionsSettings {
  const text = settingsText(db, guildId) ?? '';
  let byGuild = settingsCache.get(db);
  if (!byGuild) {
    byGuild = new Map();
    settingsCache.set(db, byGuild);
  }
  const hit = byGuild.get(guildId);
  if (hit && hit.text === text) return hit.settings;
  const settings = getSettings(db, guildId as GuildId).questions;
  byGuild.set(guildId, { text, settings });
  return settings;
}

/** ✅ by the asker marks solved (Discord's unicode name, and the shortcode other platforms use). */
const CHECK = new Set(['✅', 'white_check_mark']);
export const isSolvedMark = (emoji: string) => CHECK.has(emoji);
const SOLVED_TAG = /solved/i;

/** React to one stored event. Call only for fresh events (a replay must not count twice). */
export function handleEvent(db: Db, event: CommunityEvent): void {
  switch (event.kind) {
    case 'message.created':
      onMessage(db, event);
      return;
    case 'thread.upserted':
      onThread(db, event);
      return;
    case 'reaction.added':
    case 'reaction.removed':
      onReaction(db, event);
      return;
    case 'answer.accepted':
      onAccepted(db, event);
      return;
    case 'member.left':
      cachedIndex(db, event.guildId)?.setGone(event.memberId, true);
      return;
    case 'member.joined':
      cachedIndex(db, event.guildId)?.setGone(event.memberId, false);
      return;
    default:
      return;
  }
}

function onMessage(db: Db, event: MessageCreated): void {
  // The bot's own nudges (and other bots) are neither questions nor answers.
  if (event.authorIsBot) return;
  const g = event.guildId;
  const channel = channelFacts(db, g, event.channelId);
  const inThread = channel?.kind === 'thread';
  const topId = inThread && channel?.parentId ? channel.parentId : event.channelId;
  const index = cachedIndex(db, g);
  index?.noteActivity(event.authorId, event.at);
  const twin = twinOf(db, g, event.authorId);
  twin?.index.noteActivity(twin.id, event.at);
  const quiet = isProfilingOff(db, g, event.authorId);
  // Tokenized only when the message turns out to matter (a question or an answer).
  const termsNow = () => (quiet ? [] : termsOf(event.content).split(' ').filter(Boolean));

  db.transaction(() => {
    const q =
      getQuestion(db, g, event.channelId) ?? (event.replyToId ? getQuestion(db, g, event.replyToId) : undefined);
    if (q) {
      if (event.authorId === q.askerId) {
        // The opening post of a thread known so far by its title only.
        if (
          !q.hasBody &&
          (event.messageId === q.questionId || !threadHasEarlierMessage(db, g, q.channelId, event.messageId, event.at))
        ) {
          const title = channel?.name ?? '';
          setQuestionBody(
            db,
            g,
            q.questionId,
            questionTerms(quiet ? '' : title, termsNow()),
            event.mentionIds,
            event.at,
          );
        }
        return;
      }
      onResponse(db, q, event, termsNow(), quiet, index);
      return;
    }
    const settings = questionSettings(db, g);
    if (!settings.enabled) return;
    const parent = inThread && channel?.parentId ? channelFacts(db, g, channel.parentId) : undefined;
    const opensThread =
      inThread &&
      ((event.messageId as string) === event.channelId ||
        !threadHasEarlierMessage(db, g, event.channelId, event.messageId, event.at));
    const asks = isQuestion(
      {
        content: event.content,
        channel: { id: event.channelId, name: channel?.name ?? '', kind: channel?.kind ?? 'text' },
        parent: parent ? { id: parent.channelId, name: parent.name, kind: parent.kind } : null,
        opensThread,
      },
      rulesOf(settings),
    );
    if (!asks) return;
    const title = inThread && !quiet ? (channel?.name ?? '') : '';
    insertQuestion(
      db,
      {
        guildId: g,
        questionId: inThread ? event.channelId : event.messageId,
        channelId: event.channelId,
        parentChannelId: topId,
        askerId: inThread ? (channel?.ownerId ?? event.authorId) : event.authorId,
        askedAt: inThread ? Math.min(channel?.createdAt ?? event.at, event.at) : event.at,
        // A thread is named by its name; a message by its first line, kept only while the asker lets us keep things.
        title: inThread ? channel?.name || null : quiet ? null : questionTitle(event.content),
        terms: questionTerms(title, termsNow()),
        hasBody: true,
        mentionIds: event.mentionIds,
      },
      event.at,
    );
  });
}

function onResponse(
  db: Db,
  q: QuestionRow,
  event: MessageCreated,
  terms: readonly string[],
  quiet: boolean,
  index: ExpertiseIndex | undefined,
): void {
  // A member who erased their data still answers the question, but nothing is kept about them.
  const r = recordResponse(
    db,
    {
      guildId: q.guildId,
      questionId: q.questionId,
      memberId: event.authorId,
      messageId: event.messageId,
      at: event.at,
    },
    event.at,
    quiet,
  );
  if (quiet) return;
  const twin = twinOf(db, q.guildId, event.authorId);
  const targets: [ExpertiseIndex, string, string][] = [];
  if (index) targets.push([index, event.authorId, q.askerId]);
  if (twin) targets.push([twin.index, twin.id, askerThere(db, q.guildId, q.askerId)]);
  for (const [into, memberId, askerId] of targets) {
    if (r.added) {
      into.noteResponse({
        memberId,
        askerId,
        terms: q.terms ? q.terms.split(' ') : [],
        at: event.at,
        askedAt: q.askedAt,
        first: r.first,
        channelId: q.parentChannelId,
      });
    }
    into.noteReplyTerms(memberId, terms, event.at);
  }
}

function onThread(db: Db, event: ThreadUpserted): void {
  const g = event.guildId;
  const solvedTag = event.tags.some((t) => SOLVED_TAG.test(t));
  db.transaction(() => {
    let q = getQuestion(db, g, event.threadId);
    if (!q) {
      const settings = questionSettings(db, g);
      if (!settings.enabled || !event.ownerId) return;
      const parent = channelFacts(db, g, event.parentId);
      // Threads under text channels become questions by their opening post (it has to ask).
      if (parent?.kind !== 'forum') return;
      if (!isWatched({ id: parent.channelId, name: parent.name, kind: parent.kind }, rulesOf(settings))) return;
      const quiet = isProfilingOff(db, g, event.ownerId);
      insertQuestion(
        db,
        {
          guildId: g,
          questionId: event.threadId,
          channelId: event.threadId,
          parentChannelId: event.parentId,
          askerId: event.ownerId,
          askedAt: event.createdAt,
          title: event.name || null,
          terms: quiet ? [] : questionTerms(event.name, []),
          hasBody: false,
          mentionIds: [],
        },
        event.at,
      );
      q = getQuestion(db, g, event.threadId);
      if (!q) return;
    }
    if (solvedTag && q.solvedAt === null) solve(db, q, 'tag', null, null, event.at);
    else if (!solvedTag && q.solvedVia === 'tag') markUnsolved(db, g, q.questionId, 'tag', event.at);
  });
}

function onReaction(db: Db, event: ReactionAdded | ReactionRemoved): void {
  if (!CHECK.has(event.emoji)) return;
  const g = event.guildId;
  db.transaction(() => {
    const m = messageFacts(db, g, event.messageId);
    const q =
      getQuestion(db, g, event.channelId) ??
      getQuestion(db, g, event.messageId) ??
      (m?.replyToId ? getQuestion(db, g, m.replyToId) : undefined);
    if (!q || event.memberId !== q.askerId) return;
    if (event.kind === 'reaction.removed') {
      markUnsolved(db, g, q.questionId, 'reaction', event.at);
      return;
    }
    const answerer = m && m.authorId !== q.askerId ? m.authorId : null;
    solve(
      db,
      q,
      'reaction',
      event.memberId,
      answerer ? { messageId: event.messageId, memberId: answerer } : null,
      event.at,
    );
  });
}

function onAccepted(db: Db, event: AnswerAccepted): void {
  const g = event.guildId;
  db.transaction(() => {
    const q = getQuestion(db, g, event.threadId);
    if (!q) return;
    if (!event.accepted) {
      markUnsolved(db, g, q.questionId, 'accepted', event.at);
      return;
    }
    const m = event.messageId ? messageFacts(db, g, event.messageId) : undefined;
    const answerer = m && m.authorId !== q.askerId ? m.authorId : null;
    solve(
      db,
      q,
      'accepted',
      event.byMemberId,
      answerer && event.messageId ? { messageId: event.messageId, memberId: answerer } : null,
      event.at,
    );
  });
}

export function solve(
  db: Db,
  q: QuestionRow,
  via: SolvedVia,
  byId: string | null,
  accepted: { messageId: string; memberId: string } | null,
  at: number,
): boolean {
  const done = markSolved(db, q.guildId, q.questionId, {
    at,
    via,
    byId,
    acceptedMessageId: accepted?.messageId ?? null,
    acceptedAnswererId: accepted?.memberId ?? null,
  });
  if (!done) return false;
  const credit = solvedCredit({
    solvedAt: at,
    acceptedAnswererId: accepted?.memberId ?? null,
    firstResponderId: q.firstResponderId,
  });
  if (credit && credit !== q.askerId) {
    const terms = q.terms ? q.terms.split(' ') : [];
    cachedIndex(db, q.guildId)?.noteSolved(credit, terms, q.askedAt);
    const twin = twinOf(db, q.guildId, credit);
    twin?.index.noteSolved(twin.id, terms, q.askedAt);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The scan

export interface ScanResult {
  /** Open questions looked at. */
  open: number;
  nudged: number;
  escalated: number;
}

/** Where a question's nudge goes: its thread, or a reply to the question message. */
export function whereToPost(db: Db, q: QuestionRow): { channelId: string; replyTo: string | null } {
  if (q.channelId === q.questionId) return { channelId: q.channelId, replyTo: null };
  // A thread opened on the question message (Discord gives it the message's id) is where people talk.
  if (channelFacts(db, q.guildId, q.questionId)) return { channelId: q.questionId, replyTo: null };
  return { channelId: q.channelId, replyTo: q.questionId };
}

function toOpen(q: QuestionRow, where: { channelId: string; replyTo: string | null }): OpenQuestion {
  return {
    questionId: q.questionId,
    channelId: where.channelId,
    replyTo: where.replyTo,
    askerId: q.askerId,
    askedAt: q.askedAt,
    answered: q.answered,
    solved: q.solvedAt !== null,
    nudgeStage: q.nudgeStage,
    participants: [q.askerId, ...q.mentionIds],
  };
}

const routeOf = (q: QuestionRow): QuestionToRoute => ({
  askerId: q.askerId,
  terms: q.terms ? q.terms.split(' ') : [],
  channelId: q.parentChannelId,
});

/** Nudges per member in the last 24 h, and each member's share of the recent peer nudges. */
export function nudgeLoad(
  rows: readonly { targetId: string; at: number }[],
  now: number,
): { today: Map<string, number>; share: Map<string, number> } {
  const today = new Map<string, number>();
  const count = new Map<string, number>();
  for (const r of rows) {
    count.set(r.targetId, (count.get(r.targetId) ?? 0) + 1);
    if (now - r.at < DAY_MS) today.set(r.targetId, (today.get(r.targetId) ?? 0) + 1);
  }
  const share = new Map<string, number>();
  for (const [m, n] of count) share.set(m, n / rows.length);
  return { today, share };
}

/**
 * The helpers role, pinged in each question's thread; else the moderators (Manage Server, or one of
 * the moderator roles), told once per scan in one summary; a moderator role is pinged per question
 * only when none of its members is known yet.
 */
function escalationTarget(
  db: Db,
  guildId: string,
  helpersRoleId: string | null,
  moderatorRoleIds: string[],
): EscalationTarget {
  if (helpersRoleId) return { roleIds: [helpersRoleId], memberIds: [] };
  const moderators = moderatorIds(db, guildId, ESCALATION_MODERATORS, moderatorRoleIds);
  if (moderators.length > 0) return { roleIds: [], memberIds: moderators, summary: true };
  return { roleIds: moderatorRoleIds, memberIds: [] };
}

/**
 * One scan of a guild: decide the nudges and escalations due now and write them. Each decision is
 * re-checked inside the transaction that writes it (still unanswered, unsolved, no reply in the
 * messages, stage not reached yet), so a reply that arrived meanwhile — or a restart, or a catch-up
 * run — never produces a nudge for an answered question, nor a second one at the same stage.
 */
/** A peer nudge this long after `after` is no longer timely: the question waits for escalation. */
const PEER_WINDOW_MS = 12 * HOUR_MS;
/** An escalation this long after `escalate` is stale (a backlog found at start-up): left to the digest. */
const ESCALATION_WINDOW_MS = DAY_MS;

/** Whether a nudge of `stage` for a question `age` old still helps (a backlog found late does not). */
function timely(stage: 'peer' | 'escalation', age: number, timing: { afterMs: number; escalateMs: number }): boolean {
  return stage === 'peer' ? age <= timing.afterMs + PEER_WINDOW_MS : age <= timing.escalateMs + ESCALATION_WINDOW_MS;
}

/**
 * Restraint for the whole server, on top of each member's daily cap: only timely nudges, freshest
 * questions first, and at most `maxNudgesPerHour` peer nudges and `maxEscalationsPerDay`
 * escalations. A bot switched on over a backlog must not become a ping cannon.
 */
function withinBudget<D extends { questionId: string; stage: 'peer' | 'escalation' }>(
  db: Db,
  guildId: string,
  decisions: readonly D[],
  byId: Map<string, { row: QuestionRow }>,
  timing: { afterMs: number; escalateMs: number },
  s: QuestionsSettings,
  now: number,
): D[] {
  let peers = s.maxNudgesPerHour - questionsNudgedSince(db, guildId, 'peer', now - HOUR_MS);
  let escalations = s.maxEscalationsPerDay - questionsNudgedSince(db, guildId, 'escalation', now - DAY_MS);
  const askedAt = (d: D) => byId.get(d.questionId)!.row.askedAt;
  return [...decisions]
    .filter((d) => {
      const age = now - askedAt(d);
      return d.stage === 'peer'
        ? age <= timing.afterMs + PEER_WINDOW_MS
        : age <= timing.escalateMs + ESCALATION_WINDOW_MS;
    })
    .sort((a, b) => askedAt(b) - askedAt(a))
    .filter((d) => (d.stage === 'peer' ? peers-- > 0 : escalations-- > 0));
}

/**
 * Chosen peers who are linked and posted last on the other platform (while still a member there):
 * they are asked there, by private message, not mentioned here.
 */
function awayPeers(db: Db, guildId: string, peers: readonly { memberId: string }[]): Map<string, Account> {
  const out = new Map<string, Account>();
  const linked = peers.flatMap((p) => {
    const other = counterpart(db, guildId, p.memberId);
    return other ? [{ id: p.memberId, other }] : [];
  });
  if (linked.length === 0) return out;
  const sides = activeSides(
    db,
    guildId,
    linked[0]!.other.guildId,
    linked.map((l) => [l.id, l.other.memberId] as const),
  );
  for (const l of linked) if (sides.get(l.id) === 'there') out.set(l.id, l.other);
  return out;
}

/**
 * /nudges off|on: the choice is the person's, so a linked member's other account takes it too.
 * Returns whether nudges were off here before.
 */
export function setNudges(
  db: Db,
  guildId: GuildId,
  member: { id: MemberId; displayName: string },
  off: boolean,
  now: number,
): boolean {
  return db.transaction(() => {
    const was = setNudgesOff(db, guildId, member, off, now);
    const twin = counterpart(db, guildId, member.id);
    if (twin) {
      setNudgesOff(
        db,
        twin.guildId as GuildId,
        { id: twin.memberId as MemberId, displayName: member.displayName },
        off,
        now,
      );
    }
    return was;
  });
}

/**
 * For the linked members among `ids`: what their account on the other platform says about being
 * asked (nudges off, a declared timezone, asks there today). Two bulk reads, whatever the count.
 */
function twinFacts(
  db: Db,
  guildId: string,
  ids: readonly string[],
  now: number,
): Map<string, { nudgesOff: boolean; timezone: string | null; today: number }> {
  const out = new Map<string, { nudgesOff: boolean; timezone: string | null; today: number }>();
  const other = pairedGuild(db, guildId);
  if (other === null) return out;
  const linked = linkedAcross(db, guildId);
  const theirIds = new Map<string, string>();
  for (const id of ids) {
    const there = linked.get(id);
    if (there !== undefined) theirIds.set(id, there);
  }
  if (theirIds.size === 0) return out;
  const theirs = memberFacts(db, other, [...theirIds.values()]);
  const { today } = nudgeLoad(peerNudgesSince(db, other, now - LOAD_WINDOW_MS), now);
  for (const [id, there] of theirIds) {
    const t = theirs.get(there);
    out.set(id, { nudgesOff: t?.nudgesOff ?? false, timezone: t?.timezone ?? null, today: today.get(there) ?? 0 });
  }
  return out;
}

/**
 * The rows whose channel is still watched: a moderator who turns detection off for a channel (or
 * narrows the watched channels) expects its open questions to stop being nudged and listed too.
 * A channel Convene knows nothing about keeps its questions.
 */
function stillWatched<R extends { parentChannelId: string }>(
  db: Db,
  guildId: string,
  rows: R[],
  settings: QuestionsSettings,
): R[] {
  const rules = rulesOf(settings);
  const watched = new Map<string, boolean>();
  return rows.filter((r) => {
    let yes = watched.get(r.parentChannelId);
    if (yes === undefined) {
      const c = channelFacts(db, guildId, r.parentChannelId);
      yes = !c || isWatched({ id: c.channelId, name: c.name, kind: c.kind }, rules);
      watched.set(r.parentChannelId, yes);
    }
    return yes;
  });
}

export function scanAndNudge(db: Db, guildId: string, now: number, links: LinkBase = {}): ScanResult {
  const settings = getSettings(db, guildId as GuildId);
  const s = settings.questions;
  const result: ScanResult = { open: 0, nudged: 0, escalated: 0 };
  if (!s.enabled) return result;
  const timing = { afterMs: s.afterMinutes * MINUTE_MS, escalateMs: s.escalateMinutes * MINUTE_MS };
  const rows = stillWatched(db, guildId, openQuestions(db, guildId, now - STALE_MS, now - timing.afterMs), s);
  result.open = rows.length;
  const byId = new Map<string, { row: QuestionRow; open: OpenQuestion }>();
  const due: OpenQuestion[] = [];
  for (const row of rows) {
    const bare = toOpen(row, { channelId: row.channelId, replyTo: null });
    const stage = dueStage(bare, timing, now);
    if (stage === null || !timely(stage, now - row.askedAt, timing)) continue;
    const open = toOpen(row, whereToPost(db, row));
    byId.set(row.questionId, { row, open });
    due.push(open);
  }
  if (due.length === 0) return result;

  const index = expertiseOf(db, guildId, now);
  const { today, share } = nudgeLoad(peerNudgesSince(db, guildId, now - LOAD_WINDOW_MS), now);
  const facts = new Map<string, PeerFacts>();
  let router: PoolRouter | null = null;
  if (due.some((q) => dueStage(q, timing, now) === 'peer')) {
    const ids: string[] = [];
    for (const slot of index.recentSlots(NUDGE_POOL)) ids.push(index.idOf(slot));
    const known = memberFacts(db, guildId, ids);
    const twins = twinFacts(db, guildId, ids, now);
    const eligible: string[] = [];
    for (const id of ids) {
      const m = known.get(id);
      if (!m) continue;
      const slot = index.slot(id)!;
      // A linked person is one person: nudges off on either platform is off, the declared timezone
      // of either counts, and the daily cap counts the asks on both.
      const twin = twins.get(id);
      if (twin) today.set(id, (today.get(id) ?? 0) + twin.today);
      const f: PeerFacts = {
        nudgesOff: m.nudgesOff || (twin?.nudgesOff ?? false),
        bot: m.bot,
        left: m.left,
        timezone: m.timezone ?? twin?.timezone ?? null,
        hours: index.hours.slice(slot * 24, slot * 24 + 24),
      };
      facts.set(id, f);
      // Only members who may be nudged right now are worth ranking (the policy checks again).
      if (f.nudgesOff || f.bot || f.left || (today.get(id) ?? 0) >= MAX_NUDGES_PER_DAY) continue;
      if (!isDaytime(f, settings.core.timezone, now)) continue;
      eligible.push(id);
    }
    router = new PoolRouter(index, eligible, { now, load: share, weights: routerWeightsOf(db, guildId) });
  }

  const decisions = decideNudges(due, {
    timing,
    guildTimezone: settings.core.timezone,
    now,
    rank: (q) =>
      router?.rank(routeOf(byId.get(q.questionId)!.row), {
        limit: RANKED_PER_QUESTION,
        exclude: new Set(q.participants),
      }) ?? [],
    facts,
    nudgesToday: today,
    escalation: escalationTarget(db, guildId, s.helpersRoleId, settings.core.moderatorRoleIds),
    capped: (memberId) => router?.remove(memberId),
  });
  if (decisions.length === 0) return result;
  const allowed = withinBudget(db, guildId, decisions, byId, timing, s, now);
  if (allowed.length === 0) return result;

  const platform = guildPlatform(db, guildId);
  const guildName = guildNameOf(db, guildId);
  // Chunks keep each transaction short (other writers wait for it); each decision is re-checked inside.
  for (let i = 0; i < allowed.length; i += 200) {
    const chunk = allowed.slice(i, i + 200);
    db.transaction(() => {
      // Questions escalated in this chunk to moderators by summary: one message each, after the loop.
      const summary = new Map<string, (NamedQuestion & { askedAt: number })[]>();
      for (const d of chunk) {
        const { open } = byId.get(d.questionId)!;
        const row = getQuestion(db, guildId, d.questionId);
        if (!row) continue;
        const current = toOpen(row, open);
        if (!stillDue(current, d.stage, timing, now)) continue;
        if (hasReply(db, guildId, row.questionId, row.askerId)) continue;
        if (!advanceStage(db, guildId, row.questionId, d.stage === 'peer' ? 1 : 2, now)) continue;
        const question: NamedQuestion = {
          title: questionNames(db, guildId, [row], now).get(row.questionId)!,
          url: urlOf(platform, row, links),
        };
        let body: ReturnType<typeof peerNudgeBody> | null;
        if (d.stage === 'peer') {
          const forms = questionForms(db, row);
          const about = new Map(d.peers.map((p) => [p.memberId, peerWhy(db, row, p.memberId, p.reasons, forms, now)]));
          const away = awayPeers(db, guildId, d.peers);
          const here = d.peers.filter((p) => !away.has(p.memberId));
          const where = { ...question, platformName: platformWords(platform) };
          for (const p of d.peers) {
            const there = away.get(p.memberId);
            if (!there) continue;
            enqueue(
              db,
              [
                {
                  platform: guildPlatform(db, there.guildId),
                  guildId: there.guildId as GuildId,
                  key: `${nudgeKey(guildId, row.questionId, 'peer')}:away:${there.memberId}`,
                  action: {
                    type: 'dm.send',
                    memberId: there.memberId as MemberId,
                    body: awayNudgeBody(current, where, p, about.get(p.memberId) ?? {}, now),
                  },
                },
              ],
              now,
            );
          }
          body = here.length > 0 ? peerNudgeBody(current, here, about, now, question) : null;
          recordNudges(
            db,
            d.peers.map((p) => ({
              guildId,
              questionId: row.questionId,
              stage: 'peer' as const,
              targetId: p.memberId,
              targetKind: 'member' as const,
              at: now,
              reasons: p.reasons,
            })),
          );
          result.nudged += 1;
        } else {
          body = d.target.summary ? null : escalationBody(current, d.target, now, question);
          if (d.target.summary) {
            for (const m of d.target.memberIds)
              summary.set(m, [...(summary.get(m) ?? []), { ...question, askedAt: row.askedAt }]);
          }
          recordNudges(db, [
            ...d.target.roleIds.map((id) => ({
              guildId,
              questionId: row.questionId,
              stage: 'escalation' as const,
              targetId: id,
              targetKind: 'role' as const,
              at: now,
            })),
            ...d.target.memberIds.map((id) => ({
              guildId,
              questionId: row.questionId,
              stage: 'escalation' as const,
              targetId: id,
              targetKind: 'member' as const,
              at: now,
            })),
          ]);
          result.escalated += 1;
        }
        if (body === null) continue;
        enqueue(
          db,
          [
            {
              platform,
              guildId: guildId as GuildId,
              key: nudgeKey(guildId, row.questionId, d.stage),
              action: nudgeAction(current, body),
            },
          ],
          now,
        );
      }
      // Written with the stages it reports: a crash before the commit sends neither, a rerun finds nothing due.
      enqueue(
        db,
        [...summary].map(([memberId, list]) => ({
          platform,
          guildId: guildId as GuildId,
          key: `questions:escalate:${guildId}:summary:${now}:${memberId}`,
          action: {
            type: 'dm.send' as const,
            memberId: memberId as MemberId,
            body: escalationSummaryBody(list, guildName, now),
          },
        })),
        now,
      );
    });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Commands and the digest

export interface HelpWanted {
  questionId: string;
  title: string;
  url: string | null;
  askedAt: number;
  why: string | null;
  reasons: Reason[];
}

/**
 * /unanswered and the personal digest for one person: in a paired community a linked member also
 * sees the other platform's open questions they suit (marked with where they are), alternating
 * with this platform's, best of each first.
 */
export function unansweredAcross(
  db: Db,
  guildId: string,
  memberId: string,
  now: number,
  limit = 5,
  links: LinkBase = {},
): (HelpWanted & { elsewhere?: string })[] {
  const here = unansweredFor(db, guildId, memberId, now, limit, links);
  const twin = counterpart(db, guildId, memberId);
  if (!twin) return here;
  const where = `on ${platformWords(guildPlatform(db, twin.guildId))}`;
  const there = unansweredFor(db, twin.guildId, twin.memberId, now, limit, links).map((q) => ({
    ...q,
    elsewhere: where,
  }));
  const out: (HelpWanted & { elsewhere?: string })[] = [];
  for (let i = 0; out.length < limit && (i < here.length || i < there.length); i++) {
    if (here[i]) out.push(here[i]!);
    if (there[i] && out.length < limit) out.push(there[i]!);
  }
  return out;
}

/** How far back /unanswered and the digest look for open questions. */
const WAITING_WINDOW_MS = 30 * DAY_MS;
/** Open questions scored for one member's list (newest first). */
const WAITING_SCAN = 300;

function urlOf(platform: 'discord' | 'discourse', q: QuestionRow, links: LinkBase): string | null {
  return q.channelId === q.questionId
    ? questionLink(platform, q.guildId, q.channelId, null, links.forumUrl)
    : questionLink(platform, q.guildId, q.channelId, q.questionId, links.forumUrl);
}

/**
 * Open questions this member is most likely able to answer, best first, by the router's own
 * features for this member (expertise in the question's terms, the asker, the channel).
 */
export function unansweredFor(
  db: Db,
  guildId: string,
  memberId: string,
  now: number,
  limit = 5,
  links: LinkBase = {},
): HelpWanted[] {
  const rows = stillWatched(
    db,
    guildId,
    waitingQuestions(db, guildId, now - WAITING_WINDOW_MS, WAITING_SCAN).filter((r) => r.askerId !== memberId),
    questionSettings(db, guildId),
  );
  if (rows.length === 0) return [];
  const index = expertiseOf(db, guildId, now);
  const weights = routerWeightsOf(db, guildId);
  const scored = rows.map((row) => ({ row, ranked: scoreMember(index, routeOf(row), memberId, { now, weights }) }));
  scored.sort((a, b) => (b.ranked?.score ?? 0) - (a.ranked?.score ?? 0) || a.row.askedAt - b.row.askedAt);
  // An asker who posted the same question again is listed once (the longest waiting): the demo's
  // lists showed "My harddrive and wireless lights are blinking…" twice in five lines.
  const candidates = scored.slice(0, limit * 3);
  const titles = questionNames(
    db,
    guildId,
    candidates.map((t) => t.row),
    now,
  );
  const seen = new Set<string>();
  const top = candidates
    .filter(({ row }) => {
      const same = `${row.askerId}\n${titles.get(row.questionId)}`;
      if (seen.has(same)) return false;
      seen.add(same);
      return true;
    })
    .slice(0, limit);
  const platform = guildPlatform(db, guildId);
  return top.map(({ row, ranked }) => {
    const reasons = ranked?.reasons ?? [];
    // Why this question suits them: what they know, whom they helped, where they answer.
    const suits = reasons.filter((r) => r.kind === 'expertise' || r.kind === 'asker' || r.kind === 'channel');
    return {
      questionId: row.questionId,
      title: titles.get(row.questionId)!,
      url: urlOf(platform, row, links),
      askedAt: row.askedAt,
      why: whyLine(suits, peerWhy(db, row, memberId, suits, questionForms(db, row), now), now),
      reasons,
    };
  });
}

/** The questions metrics of [from, to) (a guild's week), as of `now`. */
export function weeklyMetrics(db: Db, guildId: string, from: number, to: number, now: number): QuestionMetrics {
  return questionMetrics(questionsAskedBetween(db, guildId, from, to), nudgesBetween(db, guildId, from, to), now);
}

/** Open questions for the digest's "waiting for help" list, oldest first. */
export function waitingForDigest(
  db: Db,
  guildId: string,
  now: number,
  // All of them by default: the digest counts every waiting question and lists the oldest (a cap on
  // the newest here made it say "100 questions" of 290 and show ones waiting 3 days, not 8).
  limit?: number,
  links: LinkBase = {},
): { title: string; url: string; askedAt: number; threadId: string }[] {
  const rows = stillWatched(
    db,
    guildId,
    waitingQuestions(db, guildId, now - WAITING_WINDOW_MS, limit),
    questionSettings(db, guildId),
  ).sort((a, b) => a.askedAt - b.askedAt);
  const platform = guildPlatform(db, guildId);
  const titles = questionNames(db, guildId, rows, now);
  return rows.flatMap((r) => {
    const url = urlOf(platform, r, links);
    return url
      ? // The question's own id: text-channel questions share their channel, and the digest de-duplicates by this.
        [{ title: titles.get(r.questionId)!, url, askedAt: r.askedAt, threadId: r.questionId }]
      : [];
  });
}

/** First-response figures of the questions asked in [from, to), for the digest. */
export function responseTimes(db: Db, guildId: string, from: number, to: number, now: number) {
  const rows = questionsAskedBetween(db, guildId, from, to);
  const metrics = questionMetrics(rows, [], now);
  const responders = memberFacts(
    db,
    guildId,
    rows.flatMap((r) => (r.firstResponderId ? [r.firstResponderId] : [])),
  );
  const within = rows.filter((r) => r.firstResponseAt !== null && r.firstResponseAt - r.askedAt <= DAY_MS).length;
  return {
    asked: metrics.asked,
    answered: metrics.answered,
    answeredWithin24h: within,
    medianFirstResponseMs: metrics.firstResponseMedianMs,
    peerAnswered: rows.filter((r) => r.firstResponderId && !responders.get(r.firstResponderId)?.moderator).length,
    // The digest of a paired community takes one median over both platforms' waits.
    firstResponseWaitsMs: rows.flatMap((r) =>
      r.firstResponseAt === null ? [] : [Math.max(0, r.firstResponseAt - r.askedAt)],
    ),
  };
}
