/**
 * The scan's decisions, from the facts it read (pure: plain data and the in-memory expertise index
 * in, decisions and outbox rows out, `now` passed in). scan.ts reads the facts and writes the result.
 */
import type { OutboxItem } from '../../actions.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import type { MemberFacts } from './communityStore.js';
import type { ExpertiseIndex } from './expertise.js';
import {
  type Budget,
  decideNudges,
  dueStage,
  type EscalationTarget,
  escalationTarget,
  isDaytime,
  MAX_NUDGES_PER_DAY,
  type NudgeDecision,
  nudgeLoad,
  type OpenQuestion,
  type PeerFacts,
  type Timing,
  withinBudget,
} from './nudgePolicy.js';
import {
  awayNudgeBody,
  escalationBody,
  escalationSummaryBody,
  type NamedQuestion,
  nudgeAction,
  nudgeKey,
  type PeerWhy,
  peerNudgeBody,
} from './nudgeWords.js';
import { PoolRouter } from './poolRouter.js';
import type { QuestionToRoute, RouterWeights } from './route.js';
import type { NudgeRow, QuestionRow } from './store.js';

/** Peers ranked per question in a scan: the pool is already filtered to who may be nudged now, so a few spare are enough. */
const RANKED_PER_QUESTION = 4;

/** Where a question's nudge goes: its thread, or a reply to the question message. */
export type Where = { channelId: string; replyTo: string | null };

/** A stored question as the policy sees it, posted to `where`. */
export function toOpen(q: QuestionRow, where: Where): OpenQuestion {
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

export const routeOf = (q: QuestionRow): QuestionToRoute => ({
  askerId: q.askerId,
  terms: q.terms ? q.terms.split(' ') : [],
  channelId: q.parentChannelId,
});

/** A question due now, with where its nudge goes. */
export interface DueQuestion {
  row: QuestionRow;
  open: OpenQuestion;
}

/** What the scan read about who could be asked and what the server may still send. */
export interface PeerFactsRead {
  index: ExpertiseIndex;
  /** Peer nudges here over the load window (the daily cap and the load share). */
  recentNudges: readonly { targetId: string; at: number }[];
  /** The most recently active members, most recent first (read only when a peer nudge is due). */
  pool: readonly string[];
  members: ReadonlyMap<string, MemberFacts>;
  /** For linked members: what their account on the other platform says about being asked. */
  twins: ReadonlyMap<string, { nudgesOff: boolean; timezone: string | null; today: number }>;
  weights: RouterWeights | undefined;
  /** Moderators told by summary when there is no helpers role. */
  moderators: readonly string[];
  budget: Budget;
}

export interface ScanRules {
  timing: Timing;
  guildTimezone: string;
  helpersRoleId: string | null;
  moderatorRoleIds: string[];
}

/**
 * The nudges and escalations to send now, within the server's budget: the router ranks the pool
 * members who may be nudged right now, the policy picks and caps (nudgePolicy.decideNudges).
 */
export function planNudges(
  due: readonly DueQuestion[],
  facts: PeerFactsRead,
  rules: ScanRules,
  now: number,
): NudgeDecision[] {
  const { timing, guildTimezone } = rules;
  const { index } = facts;
  const byId = new Map(due.map((d) => [d.open.questionId, d]));
  const { today, share } = nudgeLoad(facts.recentNudges, now);
  const peerFacts = new Map<string, PeerFacts>();
  let router: PoolRouter | null = null;
  if (due.some((d) => dueStage(d.open, timing, now) === 'peer')) {
    const eligible: string[] = [];
    for (const id of facts.pool) {
      const m = facts.members.get(id);
      if (!m) continue;
      const slot = index.slot(id)!;
      // A linked person is one person: nudges off on either platform is off, the declared timezone
      // of either counts, and the daily cap counts the asks on both.
      const twin = facts.twins.get(id);
      if (twin) today.set(id, (today.get(id) ?? 0) + twin.today);
      const f: PeerFacts = {
        nudgesOff: m.nudgesOff || (twin?.nudgesOff ?? false),
        bot: m.bot,
        left: m.left,
        timezone: m.timezone ?? twin?.timezone ?? null,
        hours: index.hours.slice(slot * 24, slot * 24 + 24),
      };
      peerFacts.set(id, f);
      // Only members who may be nudged right now are worth ranking (the policy checks again).
      if (f.nudgesOff || f.bot || f.left || (today.get(id) ?? 0) >= MAX_NUDGES_PER_DAY) continue;
      if (!isDaytime(f, guildTimezone, now)) continue;
      eligible.push(id);
    }
    router = new PoolRouter(index, eligible, {
      now,
      load: share,
      ...(facts.weights ? { weights: facts.weights } : {}),
    });
  }
  const decisions = decideNudges(
    due.map((d) => d.open),
    {
      timing,
      guildTimezone,
      now,
      rank: (q) =>
        router?.rank(routeOf(byId.get(q.questionId)!.row), {
          limit: RANKED_PER_QUESTION,
          exclude: new Set(q.participants),
        }) ?? [],
      facts: peerFacts,
      nudgesToday: today,
      escalation: escalationTarget(rules.helpersRoleId, rules.moderatorRoleIds, facts.moderators),
      capped: (memberId) => router?.remove(memberId),
    },
  );
  if (decisions.length === 0) return [];
  return withinBudget(decisions, (id) => byId.get(id)!.row.askedAt, timing, facts.budget, now);
}

/** An account on the other platform (a linked peer asked there). */
export interface Elsewhere {
  guildId: string;
  memberId: string;
  platform: Platform;
}

/** What the messages of the planned decisions say, read for those decisions only. */
export interface WordFacts {
  platform: Platform;
  platformName: string;
  /** The guild's name, for the moderators' summary. */
  guildName: string;
  /** Each planned question's title and link. */
  named: ReadonlyMap<string, NamedQuestion>;
  /** Per peer question: each chosen peer's "why" facts. */
  why: ReadonlyMap<string, ReadonlyMap<string, PeerWhy>>;
  /** Chosen peers to ask on the other platform (linked, and active there), by member id here. */
  away: ReadonlyMap<string, Elsewhere>;
}

/** One decision as it is written: re-checked in the write, then its nudge rows and actions. */
export interface NudgeWrite {
  decision: NudgeDecision;
  where: Where;
  /** Private messages to peers asked on the other platform (sent before the thread message). */
  away: OutboxItem[];
  nudges: NudgeRow[];
  /** The message in the question's thread; null when everyone is asked elsewhere or told by summary. */
  message: OutboxItem | null;
  /** The moderators told about it in the scan's one summary, and how it is listed there. */
  summary: { memberIds: string[]; entry: NamedQuestion & { askedAt: number } } | null;
}

/** The messages and nudge rows of each decision. */
export function composeNudges(
  decisions: readonly NudgeDecision[],
  due: readonly DueQuestion[],
  words: WordFacts,
  guildId: string,
  now: number,
): NudgeWrite[] {
  const byId = new Map(due.map((d) => [d.open.questionId, d]));
  return decisions.map((d) => {
    const { open, row } = byId.get(d.questionId)!;
    const question = words.named.get(d.questionId)!;
    const where = { channelId: open.channelId, replyTo: open.replyTo };
    const message = (body: ReturnType<typeof peerNudgeBody>): OutboxItem => ({
      platform: words.platform,
      guildId: guildId as GuildId,
      key: nudgeKey(guildId, d.questionId, d.stage),
      action: nudgeAction(open, body),
    });
    if (d.stage === 'peer') {
      const about = words.why.get(d.questionId) ?? new Map<string, PeerWhy>();
      const here = d.peers.filter((p) => !words.away.has(p.memberId));
      const at = { ...question, platformName: words.platformName };
      return {
        decision: d,
        where,
        away: d.peers.flatMap((p) => {
          const there = words.away.get(p.memberId);
          if (!there) return [];
          return [
            {
              platform: there.platform,
              guildId: there.guildId as GuildId,
              key: `${nudgeKey(guildId, d.questionId, 'peer')}:away:${there.memberId}`,
              action: {
                type: 'dm.send' as const,
                memberId: there.memberId as MemberId,
                body: awayNudgeBody(open, at, p, about.get(p.memberId) ?? {}, now),
              },
            },
          ];
        }),
        nudges: d.peers.map((p) => ({
          guildId,
          questionId: d.questionId,
          stage: 'peer' as const,
          targetId: p.memberId,
          targetKind: 'member' as const,
          at: now,
          reasons: p.reasons,
        })),
        message: here.length > 0 ? message(peerNudgeBody(open, here, about, now, question)) : null,
        summary: null,
      };
    }
    const target: EscalationTarget = d.target;
    const escalation = (targetId: string, targetKind: 'role' | 'member') => ({
      guildId,
      questionId: d.questionId,
      stage: 'escalation' as const,
      targetId,
      targetKind,
      at: now,
    });
    return {
      decision: d,
      where,
      away: [],
      nudges: [
        ...target.roleIds.map((id) => escalation(id, 'role')),
        ...target.memberIds.map((id) => escalation(id, 'member')),
      ],
      message: target.summary ? null : message(escalationBody(open, target, now, question)),
      summary: target.summary ? { memberIds: target.memberIds, entry: { ...question, askedAt: row.askedAt } } : null,
    };
  });
}

/** The moderators' one summary each for the escalations written together. */
export function summaryMessages(
  written: readonly NudgeWrite[],
  words: Pick<WordFacts, 'platform' | 'guildName'>,
  guildId: string,
  now: number,
): OutboxItem[] {
  const summary = new Map<string, (NamedQuestion & { askedAt: number })[]>();
  for (const w of written) {
    if (!w.summary) continue;
    for (const m of w.summary.memberIds) summary.set(m, [...(summary.get(m) ?? []), w.summary.entry]);
  }
  return [...summary].map(([memberId, list]) => ({
    platform: words.platform,
    guildId: guildId as GuildId,
    key: `questions:escalate:${guildId}:summary:${now}:${memberId}`,
    action: {
      type: 'dm.send' as const,
      memberId: memberId as MemberId,
      body: escalationSummaryBody(list, words.guildName, now),
    },
  }));
}
