/**
 * Pure journey rules: a member's counters (kept incrementally by the store, one event at a time) and
 * the track in, the stage reached and a checklist toward the next stage out. Cheap enough to run on
 * every event: no history is rescanned, only a few numbers are compared.
 */
import type { CounterKind, Criterion, Stage, Track } from './track.js';
import { MAX_WINDOW_WEEKS, stageIndex } from './track.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** The Unix epoch is a Thursday; shifting by 3 days makes weeks start on Monday 00:00 UTC. */
const MONDAY_SHIFT = 3 * DAY;

/** Calendar week number (Monday 00:00 UTC based) of an epoch-ms time. */
export const weekOf = (at: number): number => Math.floor((at + MONDAY_SHIFT) / WEEK);

/** One kind's count: `n` all time, `w` recent weekly buckets as [week, count], oldest first. */
export interface KindCount {
  n: number;
  w?: [number, number][];
}
export type Counters = Partial<Record<CounterKind, KindCount>>;

export interface MemberFacts {
  /** First join we know of (null: unknown, e.g. a member seen only through messages). */
  joinedAt: number | null;
  counters: Counters;
}

/** Count `by` events of `kind` at `at`; returns new counters (the input is left untouched). */
export function addCount(counters: Counters, kind: CounterKind, at: number, by = 1): Counters {
  const current = counters[kind];
  const week = weekOf(at);
  const buckets = current?.w ? current.w.map((b): [number, number] => [b[0], b[1]]) : [];
  const newest = buckets.length > 0 ? Math.max(week, buckets.at(-1)![0]) : week;
  const oldestKept = newest - MAX_WINDOW_WEEKS + 1;
  if (week >= oldestKept) {
    const bucket = buckets.find((b) => b[0] === week);
    if (bucket) bucket[1] += by;
    else {
      buckets.push([week, by]);
      buckets.sort((a, b) => a[0] - b[0]);
    }
  }
  const kept = buckets.filter((b) => b[0] >= oldestKept);
  return { ...counters, [kind]: { n: (current?.n ?? 0) + by, w: kept } };
}

/** The member's current value for a criterion at time `at`. */
export function criterionValue(facts: MemberFacts, criterion: Criterion, at: number): number {
  if (criterion.kind === 'memberDays') {
    return facts.joinedAt === null ? 0 : Math.max(0, Math.floor((at - facts.joinedAt) / DAY));
  }
  const count = facts.counters[criterion.kind];
  if (!count) return 0;
  if (criterion.withinWeeks === undefined) return count.n;
  const week = weekOf(at);
  const from = week - criterion.withinWeeks + 1;
  let value = 0;
  for (const [w, n] of count.w ?? []) {
    if (w < from || w > week || n <= 0) continue;
    value += criterion.distinctWeeks ? 1 : n;
  }
  return value;
}

export interface Progress {
  criterion: Criterion;
  have: number;
  need: number;
  done: boolean;
}

export const progressOf = (facts: MemberFacts, stage: Stage, at: number): Progress[] =>
  stage.criteria.map((criterion) => {
    const have = criterionValue(facts, criterion, at);
    return { criterion, have, need: criterion.atLeast, done: have >= criterion.atLeast };
  });

export function meets(facts: MemberFacts, stage: Stage, at: number): boolean {
  if (stage.criteria.length === 0) return true;
  const progress = progressOf(facts, stage, at);
  return stage.match === 'any' ? progress.some((p) => p.done) : progress.every((p) => p.done);
}

export interface Evaluation {
  /** Index in the track of the stage reached (≥ the current one: stages are never lost). */
  index: number;
  stage: Stage;
  /** Stages newly reached by this evaluation, in order (optional stages passed by are not in it). */
  reached: Stage[];
  /** Whether the member's recorded stage was not in the track (edited): start over, quietly. */
  recomputed: boolean;
  next: Stage | null;
  /** The next stage's criteria, with where the member stands. */
  progress: Progress[];
}

/**
 * Walk the track from the member's current stage: each following stage is reached when its criteria
 * hold; an optional stage whose criteria do not hold is passed by when a later one is reached.
 * Several stages can be reached at once (a catch-up, a lowered threshold).
 */
export function evaluate(track: Track, facts: MemberFacts, currentStageId: string | null, at: number): Evaluation {
  const known = stageIndex(track, currentStageId);
  const recomputed = currentStageId !== null && known === -1;
  let index = known;
  const reached: Stage[] = [];
  for (let j = index + 1; j < track.stages.length; j++) {
    const stage = track.stages[j]!;
    if (meets(facts, stage, at)) {
      reached.push(stage);
      index = j;
    } else if (!stage.optional) break;
  }
  const next = track.stages[index + 1] ?? null;
  return {
    index,
    stage: track.stages[index]!,
    reached,
    recomputed,
    next,
    progress: next ? progressOf(facts, next, at) : [],
  };
}

/** What ingest and the store know about a new message, for counting it. */
export interface MessageFacts {
  authorId: string;
  channelId: string;
  /** The top-level channel (the thread's parent, or the channel itself). */
  parentChannelId: string;
  /** Owner of the thread the message is in (null outside threads). */
  threadOwnerId: string | null;
  /** Whether it is the first message of its thread/topic. */
  opensThread: boolean;
  /** Author of the message it replies to. */
  repliedAuthorId: string | null;
  introductionsChannelId: string | null;
}

/** The counters one message moves. */
export function messageKinds(m: MessageFacts): CounterKind[] {
  const kinds: CounterKind[] = ['message'];
  const inOthersThread = m.threadOwnerId !== null && m.threadOwnerId !== m.authorId;
  const toOther = m.repliedAuthorId !== null && m.repliedAuthorId !== m.authorId;
  const ownsThread = m.threadOwnerId === m.authorId;
  const intro = m.introductionsChannelId;
  if (
    intro !== null &&
    ((m.channelId === intro && !toOther) || (m.parentChannelId === intro && m.opensThread && ownsThread))
  ) {
    kinds.push('introduction');
  } else if (m.opensThread && ownsThread) {
    kinds.push('question');
  }
  if (inOthersThread || toOther) kinds.push('reply');
  return kinds;
}

/** Reactions that mark an answer as solving or helpful when the asker gives them (✅, ✔️, ☑️, 👍 and names). */
export function isHelpfulReaction(emoji: string): boolean {
  const e = emoji.replace(/[\u{1F3FB}-\u{1F3FF}\uFE0F]/gu, '');
  return [
    '✅',
    '✔',
    '☑',
    '👍',
    'white_check_mark',
    'heavy_check_mark',
    'ballot_box_with_check',
    '+1',
    'thumbsup',
  ].includes(e);
}

/**
 * One person's counters from two accounts (a Discord member and their linked forum account): counts
 * add up, weekly buckets of the same week add up. Neither input changes.
 */
export function mergeCounters(a: Counters, b: Counters): Counters {
  const out: Counters = { ...a };
  for (const [kind, count] of Object.entries(b) as [CounterKind, KindCount | undefined][]) {
    if (!count) continue;
    const mine = out[kind];
    if (!mine) {
      out[kind] = count;
      continue;
    }
    const weeks = new Map<number, number>();
    for (const [w, n] of [...(mine.w ?? []), ...(count.w ?? [])]) weeks.set(w, (weeks.get(w) ?? 0) + n);
    const newest = Math.max(...weeks.keys());
    const w = [...weeks.entries()]
      .filter(([week]) => week > newest - MAX_WINDOW_WEEKS)
      .sort((x, y) => x[0] - y[0])
      .map(([week, n]): [number, number] => [week, n]);
    out[kind] = { n: mine.n + count.n, w };
  }
  return out;
}

/** Facts of one person with two accounts: merged counters, the earliest known join. */
export function mergeFacts(a: MemberFacts, b: MemberFacts | null): MemberFacts {
  if (!b) return a;
  const joins = [a.joinedAt, b.joinedAt].filter((j): j is number => j !== null);
  return { joinedAt: joins.length > 0 ? Math.min(...joins) : null, counters: mergeCounters(a.counters, b.counters) };
}
