/**
 * What the digest says (pure): from the facts gather.ts read, the sections a person reads. A linked
 * person is one person across a pair (named once, as on the digest's own platform); features'
 * sections replace the core's guesses where they have them.
 */

import { windowLabel } from './calendar.js';
import { type Community, ownIdOf, personKey, type SideWeek } from './community.js';
import type { DigestData, HealthNumbers } from './compose.js';
import type { DigestFacts } from './gather.js';
import { threadUrl } from './links.js';
import type { PulseSummary } from './pulseStore.js';
import { firstResponders } from './sectionsStore.js';
import type {
  DigestGoalValues,
  DigestHelper,
  DigestIntros,
  DigestMilestone,
  DigestQuestion,
  DigestResponseTimes,
} from './sources.js';
import type { WeekStats } from './store.js';

/** How many of each list the digest gathers: compose.ts shows a handful, "Full lists" the rest. */
export const NAMES_SHOWN = 40;
const QUESTIONS_SHOWN = 25;
/** …and for "Full lists": as many as one message can carry (composeLists cuts to Discord's limits). */
export const NAMES_LISTED = 600;
const QUESTIONS_LISTED = 100;
const THREADS_SHOWN = 5;
const HELPERS_SHOWN = 8;

/** One source's numbers for one guild's week (undefined: no such hook, or it failed). */
export interface SourceWeekAnswers {
  responseTimes?: DigestResponseTimes | null | undefined;
  goalMetrics?: DigestGoalValues | undefined;
}

/** One guild's week: the core numbers, with what the features measure better laid over them (in order). */
export function overlaySources(
  stats: WeekStats,
  core: DigestResponseTimes,
  answers: readonly SourceWeekAnswers[],
): SideWeek {
  let responses = core;
  const sourceGoals: WeekStats['goals'] = {};
  for (const a of answers) {
    const rt = a.responseTimes;
    if (rt) {
      // The five numbers only: the week is stored as JSON, and the waits are not part of it.
      stats.asked = rt.asked;
      stats.answered = rt.answered;
      stats.answeredWithin24h = rt.answeredWithin24h;
      stats.medianFirstResponseMs = rt.medianFirstResponseMs;
      stats.peerAnswered = rt.peerAnswered;
      stats.goals['peer-answered'] = rt.answered > 0 ? rt.peerAnswered / rt.answered : null;
      stats.goals['first-response'] = rt.medianFirstResponseMs;
      responses = rt;
    }
    for (const [metric, value] of Object.entries(a.goalMetrics ?? {})) {
      if (value === undefined) continue;
      stats.goals[metric as keyof WeekStats['goals']] = value;
      sourceGoals[metric as keyof WeekStats['goals']] = value;
    }
  }
  return { stats, responses, sourceGoals };
}

/** One source's sections for one guild (undefined: no such hook, or it failed). */
export interface SourceAnswers {
  milestones?: DigestMilestone[] | undefined;
  intros?: DigestIntros | null | undefined;
  waiting?: DigestQuestion[] | undefined;
  helpers?: DigestHelper[] | undefined;
}

const health = (w: WeekStats): HealthNumbers => ({
  activeMembers: w.activeMembers,
  messages: w.messages,
  asked: w.asked,
  answered: w.answered,
  answeredWithin24h: w.answeredWithin24h,
  medianFirstResponseMs: w.medianFirstResponseMs,
  retentionCohort: w.retentionCohort,
  retained: w.retained,
});

const pulseForModerators = (p: PulseSummary) => ({
  period: p.period,
  helped: p.helped,
  notReally: p.notReally,
  notes: p.notes.map((n) => n.text),
});

/**
 * The digest's data from its facts. `lists`: the "Full lists" (every name and question, up to a
 * message); `chartAttachment`: the chart's file name when it was drawn.
 */
export function assembleDigest(
  facts: DigestFacts,
  options: { preview?: boolean; lists?: boolean },
  chartAttachment: string | null,
): DigestData {
  const namesCap = options.lists ? NAMES_LISTED : NAMES_SHOWN;
  const questionsCap = options.lists ? QUESTIONS_LISTED : QUESTIONS_SHOWN;
  const { community, weeks, window, settings, info } = facts;
  const { sides } = community;
  const thisWeek = weeks.at(-1)!;
  const lastWeek = weeks.at(-2) ?? null;
  const nameOf = (side: number, memberId: string, name: string) => {
    const own = ownIdOf(community, side, memberId);
    return (side > 0 && own !== null ? facts.ownNames.get(own) : undefined) ?? name;
  };

  const milestones: { name: string; milestone: string; at: number }[] = [];
  const intros = { made: 0, met: 0, metPairs: [] as { a: string; b: string }[] };
  let introsFound = false;
  const waitingBySide: ({ title: string; url?: string; askedAt: number; threadId: string }[] | null)[] = sides.map(
    () => null,
  );
  const helpersById = new Map<string, DigestHelper>();
  const milestonePeople = new Set<string>();
  for (const [i, sideFacts] of facts.sides.entries()) {
    const seenHere = new Set<string>();
    for (const a of sideFacts.answers) {
      for (const m of a.milestones ?? []) {
        const person = personKey(community, i, m.memberId);
        // A linked person's journey moves on both platforms at once: named once, as on the own platform.
        if (milestonePeople.has(person)) continue;
        seenHere.add(person);
        milestones.push({ ...m, name: nameOf(i, m.memberId, m.name) });
      }
      if (a.intros) {
        introsFound = true;
        intros.made += a.intros.made;
        intros.met += a.intros.met;
        intros.metPairs.push(...(a.intros.metPairs ?? []));
      }
      if (a.waiting) waitingBySide[i] = [...(waitingBySide[i] ?? []), ...a.waiting];
      for (const h of a.helpers ?? []) {
        const person = personKey(community, i, h.memberId);
        const before = helpersById.get(person);
        helpersById.set(person, {
          ...h,
          // The same person from the partner keeps the name (and id) they have on the own platform.
          ...(i > 0 && before ? { memberId: before.memberId } : {}),
          name: i === 0 ? h.name : (before?.name ?? nameOf(i, h.memberId, h.name)),
          solved: (before?.solved ?? 0) + h.solved,
          thanked: (before?.thanked ?? 0) + h.thanked,
        });
      }
    }
    for (const person of seenHere) milestonePeople.add(person);
  }
  const waiting = facts.sides.flatMap(({ side, coreWaiting }, i) =>
    (
      waitingBySide[i] ??
      (coreWaiting ?? []).map((t) => ({
        title: t.name,
        url: threadUrl(side.platform, side.guildId, t.threadId, facts.forumUrls),
        askedAt: t.askedAt,
        threadId: t.threadId,
      }))
    ).map((q) => ({ ...q, side: i })),
  );
  // Thread ids are unique within a guild only: a forum topic and a Discord thread may share one.
  const uniqueWaiting = [...new Map(waiting.map((q) => [`${q.side}:${q.threadId}`, q])).values()]
    .sort((a, b) => a.askedAt - b.askedAt || a.threadId.localeCompare(b.threadId))
    .map(({ side: _side, ...q }) => q);

  const helpers = thanks(facts, helpersById, nameOf);
  const fresh = facts.fresh ?? welcomeOfPair(community, facts, thisWeek.newMembers, nameOf, namesCap);
  const lively = facts.sides
    .flatMap(({ side, lively }) =>
      lively.map((t) => ({
        title: t.name,
        url: threadUrl(side.platform, side.guildId, t.threadId, facts.forumUrls),
        messages: t.messages,
        people: t.people,
      })),
    )
    // Stable: one guild's list keeps its own order, and the own guild's thread wins a tie.
    .sort((a, b) => b.messages - a.messages)
    .slice(0, THREADS_SHOWN);
  milestones.sort((a, b) => a.at - b.at);

  const end = facts.endDate;
  return {
    guildName: info.name,
    postedOn: info.platform,
    period: facts.period,
    windowEnd: `${end.year}-${String(end.month).padStart(2, '0')}-${String(end.day).padStart(2, '0')}`,
    windowLabel: windowLabel(window),
    why: settings.core.why,
    newMembers: fresh,
    milestones: { total: milestones.length, items: options.lists ? milestones : milestones.slice(0, 30) },
    intros: introsFound ? intros : null,
    liveliestThreads: lively,
    waitingQuestions: { total: uniqueWaiting.length, items: uniqueWaiting.slice(0, questionsCap) },
    helpers,
    health: { current: health(thisWeek), previous: lastWeek ? health(lastWeek) : null },
    goals: settings.digest.goals.map((g) => ({
      metric: g.metric,
      target: g.target,
      values: weeks.map((w) => w.goals[g.metric] ?? null),
    })),
    chartAttachment,
    ...(sides.length > 1
      ? {
          platforms: facts.thisWeekParts.map((p, i) => ({ platform: sides[i]!.platform, messages: p.stats.messages })),
        }
      : {}),
    ...(options.preview ? { moderator: { pulse: facts.pulse ? pulseForModerators(facts.pulse) : null } } : {}),
  };
}

/**
 * Thanks go first to the members whose answers solved questions or were thanked (the features'
 * sources: /solved's pick, an accepted answer), then to those who were first to reply.
 */
function thanks(
  facts: DigestFacts,
  helpersById: Map<string, DigestHelper>,
  nameOf: (side: number, memberId: string, name: string) => string,
): DigestData['helpers'] {
  const { community } = facts;
  const byPerson = new Map<string, { side: number; memberId: string; count: number }>();
  for (const [i, { side, threads }] of facts.sides.entries()) {
    for (const [id, k] of firstResponders(threads)) {
      if (side.bots.includes(id)) continue;
      const person = personKey(community, i, id);
      const before = byPerson.get(person);
      // Named from the own platform's account when the person has one.
      byPerson.set(person, before ? { ...before, count: before.count + k } : { side: i, memberId: id, count: k });
    }
  }
  const credited = [...helpersById].filter(([, h]) => h.solved + h.thanked > 0);
  const firstOnly = [...byPerson]
    .filter(
      ([person]) =>
        !helpersById.has(person) || helpersById.get(person)!.solved + helpersById.get(person)!.thanked === 0,
    )
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, Math.max(0, HELPERS_SHOWN - credited.length));
  return [
    ...credited
      .map(([person, h]) => ({
        name: h.name,
        solved: h.solved,
        thanked: h.thanked,
        firstReplies: byPerson.get(person)?.count ?? 0,
      }))
      .sort((a, b) => b.solved - a.solved || b.thanked - a.thanked || a.name.localeCompare(b.name)),
    ...firstOnly.map(([, p]) => {
      const name = facts.sides[p.side]!.responderNames.get(p.memberId) ?? p.memberId;
      return { name: nameOf(p.side, p.memberId, name), solved: 0, thanked: 0, firstReplies: p.count };
    }),
  ].slice(0, HELPERS_SHOWN);
}

/**
 * The welcome list of a pair: who joined either guild in the week, a linked person once (named as
 * on the digest's own platform), by joining time. `count` is the pair's week count (linked people
 * who joined both already taken off).
 */
function welcomeOfPair(
  community: Community,
  facts: DigestFacts,
  count: number,
  nameOf: (side: number, memberId: string, name: string) => string,
  shown: number,
): { count: number; names: string[] } {
  const seen = new Set<string>();
  const rows = facts.sides
    .flatMap(({ newcomers }, i) => (newcomers ?? []).map((r) => ({ ...r, side: i })))
    .sort((a, b) => a.joinedAt - b.joinedAt || a.side - b.side || a.memberId.localeCompare(b.memberId))
    .filter((r) => {
      const person = personKey(community, r.side, r.memberId);
      if (seen.has(person)) return false;
      seen.add(person);
      return true;
    });
  return { count, names: rows.slice(0, shown).map((r) => nameOf(r.side, r.memberId, r.name)) };
}
