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
import type { Ranked, Reason } from './route.js';

// The words of nudges live in nudgeWords.ts; re-exported here for the callers that take both.
export {
  type AnsweredAbout,
  awayNudgeBody,
  escalationBody,
  escalationSummaryBody,
  type NamedQuestion,
  nudgeAction,
  nudgeKey,
  type PeerWhy,
  peerNudgeBody,
  reasonText,
  whyLine,
} from './nudgeWords.js';

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
// The scan's restraint

/** A peer nudge this long after `after` is no longer timely: the question waits for escalation. */
export const PEER_WINDOW_MS = 12 * HOUR_MS;
/** An escalation this long after `escalate` is stale (a backlog found at start-up): left to the digest. */
export const ESCALATION_WINDOW_MS = DAY_MS;

/** Whether a nudge of `stage` for a question `age` old still helps (a backlog found late does not). */
export function timely(stage: Stage, age: number, timing: Timing): boolean {
  return stage === 'peer' ? age <= timing.afterMs + PEER_WINDOW_MS : age <= timing.escalateMs + ESCALATION_WINDOW_MS;
}

/** The questions a scan acts on: a stage is due now and still timely. */
export function dueQuestions<Q extends OpenQuestion>(open: readonly Q[], timing: Timing, now: number): Q[] {
  return open.filter((q) => {
    const stage = dueStage(q, timing, now);
    return stage !== null && timely(stage, now - q.askedAt, timing);
  });
}

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
export function escalationTarget(
  helpersRoleId: string | null,
  moderatorRoleIds: string[],
  moderators: readonly string[],
): EscalationTarget {
  if (helpersRoleId) return { roleIds: [helpersRoleId], memberIds: [] };
  if (moderators.length > 0) return { roleIds: [], memberIds: [...moderators], summary: true };
  return { roleIds: moderatorRoleIds, memberIds: [] };
}

/** What a server may still send: peer nudges this hour, escalations today. */
export interface Budget {
  peersLeft: number;
  escalationsLeft: number;
}

/**
 * Restraint for the whole server, on top of each member's daily cap: only timely nudges, freshest
 * questions first, and at most the budget's peer nudges and escalations. A bot switched on over a
 * backlog must not become a ping cannon.
 */
export function withinBudget<D extends { questionId: string; stage: Stage }>(
  decisions: readonly D[],
  askedAt: (questionId: string) => number,
  timing: Timing,
  budget: Budget,
  now: number,
): D[] {
  let peers = budget.peersLeft;
  let escalations = budget.escalationsLeft;
  return [...decisions]
    .filter((d) => timely(d.stage, now - askedAt(d.questionId), timing))
    .sort((a, b) => askedAt(b.questionId) - askedAt(a.questionId))
    .filter((d) => (d.stage === 'peer' ? peers-- > 0 : escalations-- > 0));
}
