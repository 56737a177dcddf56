/**
 * When and whom to nudge about an unanswered question (pure: plain data in, decisions out, `now`
 * passed in).
 *
 * - After `after` (default 4 h) without an answer: one nudge in the question's thread mentioning up
 *   to 2 eligible peers picked by the router, each with why.
 * - After `escalate` (default 24 h): one message to the helpers role in the question's thread; with no
 *   helpers role, the question joins the scan's one summary to the moderators (a private message each,
 *   listing every question escalated in that scan). Then nothing.
 * - Never twice at the same stage; never once answered or solved; never for a stale question
 *   (older than STALE_MS: a bot switched on over an old backlog must not ping anyone about it).
 * - Eligible peers: nudges on, not the asker, not already in the thread (or mentioned in it),
 *   fewer than 2 nudges in the last 24 h, not a bot, still a member, and daytime (08:00–21:00) in
 *   their timezone: declared, else inferred from the hours they post at, else the guild's.
 */
import type { Action, MessageBody } from '../../actions.js';
import type { ChannelId, MemberId, MessageId, RoleId } from '../../events.js';
import { ago } from '../../text/ago.js';
import { link, safeText } from '../../text/fit.js';
import type { Ranked, Reason } from './route.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const PEERS_PER_NUDGE = 2;
export const MAX_NUDGES_PER_DAY = 2;
/** Older questions are left alone: nobody should be pinged about last month's thread. */
export const STALE_MS = 14 * DAY_MS;
/** Local hours when a peer may be pinged: [start, end). */
export const DAYTIME = { start: 8, end: 21 } as const;
/** Posts needed before an activity profile says anything about someone's timezone. */
const MIN_POSTS_FOR_TIMEZONE = 8;

export type Stage = 'peer' | 'escalation';

/** An open question as the policy sees it. */
export interface OpenQuestion {
  questionId: string;
  /** Where to post: the thread, or the text channel of the question message. */
  channelId: string;
  /** Set for a question that is a message in a text channel: the nudge replies to it. */
  replyTo: string | null;
  askerId: string;
  askedAt: number;
  answered: boolean;
  solved: boolean;
  /** 0 none, 1 peers nudged, 2 escalated. */
  nudgeStage: number;
  /** Members already in the conversation (the asker, anyone mentioned in it). */
  participants: readonly string[];
}

export interface Timing {
  afterMs: number;
  escalateMs: number;
}

/** Which stage is due now, or null. Escalation wins when both are (a catch-up after a long pause). */
export function dueStage(q: OpenQuestion, timing: Timing, now: number): Stage | null {
  if (q.answered || q.solved) return null;
  const age = now - q.askedAt;
  if (age < timing.afterMs || age >= STALE_MS) return null;
  if (q.nudgeStage < 2 && age >= timing.escalateMs) return 'escalation';
  if (q.nudgeStage < 1) return 'peer';
  return null;
}

/** The stage number a stage moves the question to. */
export const stageNumber = (stage: Stage): number => (stage === 'peer' ? 1 : 2);

// ---------------------------------------------------------------------------------------------
// Eligibility

export interface PeerFacts {
  nudgesOff: boolean;
  bot: boolean;
  left: boolean;
  /** Declared IANA timezone, if any. */
  timezone: string | null;
  /** Posts per UTC hour (24 numbers), to infer a timezone when none is declared. */
  hours: readonly number[] | null;
}

/**
 * The UTC offset (whole hours) that puts most of a member's posts between 08:00 and 24:00 local
 * time; null when they have posted too little to tell. Ties go to the offset nearest UTC.
 */
export function inferUtcOffset(hours: readonly number[] | null): number | null {
  if (!hours) return null;
  let total = 0;
  for (const n of hours) total += n;
  if (total < MIN_POSTS_FOR_TIMEZONE) return null;
  let best = 0;
  let bestMass = -1;
  for (const offset of [
    0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8, 9, -9, 10, -10, 11, -11, 12, 13, 14,
  ]) {
    let mass = 0;
    for (let utc = 0; utc < 24; utc++) {
      const local = (((utc + offset) % 24) + 24) % 24;
      if (local >= 8) mass += hours[utc] ?? 0;
    }
    if (mass > bestMass) {
      best = offset;
      bestMass = mass;
    }
  }
  return best;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local hour (0–23) at `now` in an IANA timezone; null for an unknown zone. */
export function localHour(timezone: string, now: number): number | null {
  let f = formatters.get(timezone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: 'numeric', hourCycle: 'h23' });
    } catch {
      // An unknown zone (a stale declaration): the caller falls back to inference.
      return null;
    }
    formatters.set(timezone, f);
  }
  return Number(f.format(new Date(now))) % 24;
}

/** Whether it is daytime for this member: declared zone, else inferred offset, else the guild's zone. */
export function isDaytime(facts: Pick<PeerFacts, 'timezone' | 'hours'>, guildTimezone: string, now: number): boolean {
  let hour: number | null = facts.timezone ? localHour(facts.timezone, now) : null;
  if (hour === null) {
    const offset = inferUtcOffset(facts.hours);
    if (offset !== null) hour = (((new Date(now).getUTCHours() + offset) % 24) + 24) % 24;
  }
  if (hour === null) hour = localHour(guildTimezone, now) ?? new Date(now).getUTCHours();
  return hour >= DAYTIME.start && hour < DAYTIME.end;
}

export type Ineligible = 'nudges-off' | 'bot' | 'left' | 'asker' | 'in-thread' | 'daily-cap' | 'night' | 'unknown';

/** Why a member may not be nudged about this question now, or null when they may. */
export function whyIneligible(
  memberId: string,
  q: OpenQuestion,
  facts: PeerFacts | undefined,
  nudgesToday: number,
  guildTimezone: string,
  now: number,
): Ineligible | null {
  if (!facts) return 'unknown';
  if (memberId === q.askerId) return 'asker';
  if (facts.bot) return 'bot';
  if (facts.left) return 'left';
  if (facts.nudgesOff) return 'nudges-off';
  if (q.participants.includes(memberId)) return 'in-thread';
  if (nudgesToday >= MAX_NUDGES_PER_DAY) return 'daily-cap';
  if (!isDaytime(facts, guildTimezone, now)) return 'night';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Decisions

export interface PeerPick {
  memberId: string;
  reasons: Reason[];
}

/**
 * Who an escalation goes to: roles pinged in the question's thread, or members told in one summary
 * per scan (`summary`: the moderators, when no helpers role is set).
 */
export type EscalationTarget = { roleIds: string[]; memberIds: string[]; summary?: boolean };

/** A question as it is named in a message: its title and a link that opens it (null: none can be made). */
export interface NamedQuestion {
  title: string;
  url: string | null;
}

/** Characters of a title shown in a nudge line (the whole title is in the thread). */
const TITLE_SHOWN = 100;
const named = (q: NamedQuestion) => link(q.title, q.url ?? undefined, TITLE_SHOWN);

export type NudgeDecision =
  | { questionId: string; stage: 'peer'; peers: PeerPick[] }
  | { questionId: string; stage: 'escalation'; target: EscalationTarget };

export interface DecideContext {
  timing: Timing;
  guildTimezone: string;
  now: number;
  /** The router's ranking for a question due for a peer nudge (best first; more than 2 is fine). */
  rank(q: OpenQuestion): readonly Ranked[];
  facts: ReadonlyMap<string, PeerFacts>;
  /** Nudges each member got in the last 24 h; decideNudges counts its own picks on top. */
  nudgesToday: ReadonlyMap<string, number>;
  /** Who an escalation pings; empty lists = nobody to escalate to (the question waits). */
  escalation: EscalationTarget;
  /** Told when a member reaches the daily cap in this scan (the router can stop considering them). */
  capped?(memberId: string): void;
}

/**
 * The nudges to send now, oldest question first (it has waited longest). A question with no eligible
 * peer right now gets no decision and is looked at again on the next scan.
 */
export function decideNudges(open: readonly OpenQuestion[], ctx: DecideContext): NudgeDecision[] {
  const used = new Map<string, number>();
  const out: NudgeDecision[] = [];
  const sorted = [...open].sort((a, b) => a.askedAt - b.askedAt);
  for (const q of sorted) {
    const stage = dueStage(q, ctx.timing, ctx.now);
    if (stage === 'escalation') {
      if (ctx.escalation.roleIds.length + ctx.escalation.memberIds.length === 0) continue;
      const memberIds = ctx.escalation.memberIds.filter((m) => m !== q.askerId);
      if (ctx.escalation.roleIds.length + memberIds.length === 0) continue;
      out.push({ questionId: q.questionId, stage, target: { ...ctx.escalation, memberIds } });
      continue;
    }
    if (stage !== 'peer') continue;
    const peers: PeerPick[] = [];
    for (const r of ctx.rank(q)) {
      const today = (ctx.nudgesToday.get(r.memberId) ?? 0) + (used.get(r.memberId) ?? 0);
      if (whyIneligible(r.memberId, q, ctx.facts.get(r.memberId), today, ctx.guildTimezone, ctx.now)) continue;
      peers.push({ memberId: r.memberId, reasons: r.reasons });
      if (peers.length === PEERS_PER_NUDGE) break;
    }
    if (peers.length === 0) continue;
    for (const p of peers) {
      const n = (used.get(p.memberId) ?? 0) + 1;
      used.set(p.memberId, n);
      if ((ctx.nudgesToday.get(p.memberId) ?? 0) + n >= MAX_NUDGES_PER_DAY) ctx.capped?.(p.memberId);
    }
    out.push({ questionId: q.questionId, stage, peers });
  }
  return out;
}

/**
 * Re-checked inside the transaction that writes the outbox, on the row as it is now: a reply that
 * arrived since the scan read (or during a catch-up) cancels the nudge.
 */
export function stillDue(
  row: Pick<OpenQuestion, 'answered' | 'solved' | 'nudgeStage' | 'askedAt'>,
  stage: Stage,
  timing: Timing,
  now: number,
): boolean {
  if (row.answered || row.solved) return false;
  if (row.nudgeStage >= stageNumber(stage)) return false;
  const age = now - row.askedAt;
  return age >= (stage === 'peer' ? timing.afterMs : timing.escalateMs) && age < STALE_MS;
}

// ---------------------------------------------------------------------------------------------
// Words

/**
 * What the service looked up for one peer's "why" (why.ts): the topic word of their expertise as the
 * question wrote it (absent: no word of it is worth showing), how many questions they answered about
 * it and when the last one was, the asker's and the channel's names.
 */
export interface PeerWhy {
  word?: string;
  answered?: number;
  lastAt?: number | null;
  asker?: string;
  channel?: string;
  /** Questions they answered in that channel, and when the last one was. */
  channelAnswered?: number;
  channelLastAt?: number | null;
}
export type AnsweredAbout = ReadonlyMap<string, PeerWhy>;

/** Member words and names in a reason: shown as text (markup escaped, never a ping), kept short. */
const plain = (text: string) => safeText(text, 40);

function hoursText(hours: number): string {
  if (hours < 1) return 'within the hour';
  const h = Math.ceil(hours);
  return h < 48 ? `within ${h} hour${h === 1 ? '' : 's'}` : `within ${Math.ceil(h / 24)} days`;
}

/** One reason as a sentence, or null when it has nothing true and specific to say. */
function reasonLine(r: Reason, why: PeerWhy, now: number | undefined): string | null {
  const since = (at: number | null | undefined) =>
    at !== undefined && at !== null && Number.isFinite(at) && now !== undefined ? ago(now - at) : null;
  switch (r.kind) {
    case 'expertise': {
      if (!why.word) return null;
      const word = plain(why.word);
      const n = why.answered ?? 0;
      const last = since(why.lastAt);
      if (n > 1) return `you answered ${n} questions about ${word}${last ? `, the last one ${last}` : ''}`;
      if (n === 1) return `you answered a question about ${word}${last ? ` ${last}` : ''}`;
      return `you have written about ${word} in your answers`;
    }
    case 'asker': {
      const who = why.asker ? plain(why.asker) : 'them';
      return (r.count ?? 0) > 1 ? `you helped ${who} ${r.count} times before` : `you helped ${who} before`;
    }
    case 'first':
      if ((r.count ?? 0) > 1) return `you were the first to answer ${r.count} questions here`;
      return r.count === 1 ? 'you were the first to answer a question here' : 'you often pick up new questions';
    case 'replies': {
      const last = since(r.lastAt);
      return (r.count ?? 0) > 1
        ? `you answered ${r.count} questions here${last ? `, the last one ${last}` : ''}`
        : 'you answer questions here';
    }
    case 'channel': {
      if (!why.channel) return 'you answer a lot in this channel';
      const where = `#${plain(why.channel)}`;
      const n = why.channelAnswered ?? 0;
      const last = since(why.channelLastAt);
      if (n > 1) return `you answered ${n} questions in ${where}${last ? `, the last one ${last}` : ''}`;
      if (n === 1) return `you answered a question in ${where}${last ? ` ${last}` : ''}`;
      return `you answer a lot in ${where}`;
    }
    case 'fast':
      return r.hours !== undefined ? `you usually reply ${hoursText(r.hours)}` : 'you usually reply quickly';
    case 'around':
      return 'you are often around at this time';
    case 'recent': {
      const last = since(r.lastAt);
      return last ? `you were last here ${last}` : null;
    }
  }
}

/**
 * The "why" for one peer, in the second person, from their strongest reason that has something
 * true and specific to say (a topic word as the question wrote it, the asker's name, counts).
 */
export function reasonText(reasons: readonly Reason[], why: PeerWhy = {}, now?: number): string {
  return whyLine(reasons, why, now) ?? 'you have been helping out lately';
}

/**
 * What they know about the question's topic first (the most specific thing to tell), else the
 * strongest reason with something true and specific to say; null when none has.
 */
export function whyLine(reasons: readonly Reason[], why: PeerWhy = {}, now?: number): string | null {
  const expertise = reasons.find((r) => r.kind === 'expertise');
  const topic = expertise ? reasonLine(expertise, why, now) : null;
  if (topic) return topic;
  for (const r of reasons) {
    const line = reasonLine(r, why, now);
    if (line) return line;
  }
  return null;
}

const mention = (memberId: string) => `<@${memberId}>`;
const roleMention = (roleId: string) => `<@&${roleId}>`;

function waited(ms: number): string {
  const hours = Math.floor(ms / HOUR_MS);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  return `${Math.floor(hours / 24)} days`;
}

/** The peer nudge: mentions exactly the chosen peers, each with why. */
export function peerNudgeBody(
  q: Pick<OpenQuestion, 'askedAt'>,
  peers: readonly PeerPick[],
  answeredAbout: AnsweredAbout,
  now: number,
  question: NamedQuestion,
): MessageBody {
  const lines = peers.map(
    (p) => `${mention(p.memberId)} — ${reasonText(p.reasons, answeredAbout.get(p.memberId), now)}.`,
  );
  const ask = peers.length > 1 ? 'Could one of you take a look?' : 'Could you take a look?';
  return {
    content: [
      `This question has been waiting ${waited(now - q.askedAt)} without a reply: ${named(question)}`,
      ...lines,
      `${ask} No pressure if not.`,
      '-# Convene asks a couple of people at most, once. `/nudges off` if you would rather not be asked.',
    ].join('\n'),
    mentions: { members: peers.map((p) => p.memberId as MemberId) },
  };
}

/** The escalation in the question's thread: mentions exactly the helpers role(s) or the moderators listed. */
export function escalationBody(
  q: Pick<OpenQuestion, 'askedAt'>,
  target: EscalationTarget,
  now: number,
  question: NamedQuestion,
): MessageBody {
  const who = [...target.roleIds.map(roleMention), ...target.memberIds.map(mention)].join(' ');
  return {
    content: `${who} this question is still open after ${waited(now - q.askedAt)}: ${named(question)}\nCould someone have a look, or point the asker somewhere useful?`,
    mentions: {
      ...(target.memberIds.length > 0 ? { members: target.memberIds as MemberId[] } : {}),
      ...(target.roleIds.length > 0 ? { roles: target.roleIds as RoleId[] } : {}),
    },
  };
}

/**
 * The moderators' summary of one scan's escalations (no helpers role): every question once, with
 * its title, link and age, in one private message, instead of a ping per moderator per question.
 */
export function escalationSummaryBody(
  questions: readonly (NamedQuestion & { askedAt: number })[],
  guildName: string,
  now: number,
): MessageBody {
  const n = questions.length;
  const where = safeText(guildName, 100);
  return {
    content: [
      `${n === 1 ? 'This question' : `These ${n} questions`}${where ? ` in ${where}` : ''} ${n === 1 ? 'is' : 'are'} still waiting for a first reply:`,
      ...[...questions]
        .sort((a, b) => a.askedAt - b.askedAt)
        .map((q) => `• ${named(q)} — waiting ${waited(now - q.askedAt)}`),
      n === 1
        ? 'Could you have a look, or point the asker somewhere useful?'
        : 'Could you have a look, or point the askers somewhere useful?',
      '-# Sent to the moderators because no helpers role is set: `/convene questions set helpers:` sends these to a role instead. One message per scan at most.',
    ].join('\n'),
  };
}

/** The message action for a decision: a reply in the thread, or a reply to the question message. */
export function nudgeAction(q: Pick<OpenQuestion, 'channelId' | 'replyTo'>, body: MessageBody): Action {
  return {
    type: 'message.send',
    channelId: q.channelId as ChannelId,
    body,
    ...(q.replyTo ? { replyTo: q.replyTo as MessageId } : {}),
  };
}

/** Idempotency key of a question's nudge at a stage: the outbox refuses a second one. */
export const nudgeKey = (guildId: string, questionId: string, stage: Stage): string =>
  `questions:${stage === 'peer' ? 'nudge' : 'escalate'}:${guildId}:${questionId}`;

/**
 * A linked peer who is active on the other platform is asked there, by private message, instead of
 * being mentioned in the thread (one person, contacted where they are).
 */
export function awayNudgeBody(
  q: Pick<OpenQuestion, 'askedAt'>,
  where: { title: string; url: string | null; platformName: string },
  peer: PeerPick,
  why: PeerWhy,
  now: number,
): MessageBody {
  return {
    content: [
      `A question on ${where.platformName} has been waiting ${waited(now - q.askedAt)} without a reply, and you are one of the people most likely to know: ${reasonText(peer.reasons, why, now)}.`,
      named(where),
      'If you have a minute, your answer would help. No pressure if not.',
      '-# Convene sent this here because you linked your accounts and are active here. `/nudges off` if you would rather not be asked.',
    ].join('\n'),
  };
}
