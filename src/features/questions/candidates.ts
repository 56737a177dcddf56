/**
 * Candidate generation and each candidate's raw features (weights not applied): who is worth scoring
 * for a question, and what the router's features say about them (pure, `now` passed in).
 */
import { BM25_B, BM25_K1 } from '../../text/bm25.js';
import { ExpertiseIndex, type IntFloatMap } from './expertise.js';
import type { Features, QuestionToRoute, RouteOptions } from './route.js';

const HOUR_MS = 3_600_000;
/** "Activity at this hour" looks at the coming hours: a question is answered within a few (median ~3 h on urho3d). */
const HOUR_WINDOW = 6;

/** Reusable scratch so that a ranking allocates almost nothing (the index only grows). */
let scratch = new Float64Array(0);

export interface CandidatePool {
  /** The most recently active members always considered. */
  recent: number;
  /** Best expertise matches kept from the postings scan. */
  expertise: number;
  /** Terms with more members than this are not scanned (scored for candidates only): too common to find anyone. */
  maxPostings: number;
  /** The asker's most frequent past helpers considered (a prolific asker has thousands). */
  helpers: number;
}

export const DEFAULT_POOL: CandidatePool = { recent: 300, expertise: 200, maxPostings: 5_000, helpers: 50 };

/** The `k` members who answered this asker most often. */
export function topHelpers(helpers: IntFloatMap, k: number): number[] {
  const all: number[] = [];
  for (let i = 0; i < helpers.keys.length; i++) if (helpers.keys[i]! >= 0) all.push(i);
  if (all.length > k) all.sort((a, b) => helpers.vals[b]! - helpers.vals[a]!).length = k;
  return all.map((i) => helpers.keys[i]!);
}

export function idfsOf(index: ExpertiseIndex, terms: readonly string[]): Map<string, number> {
  const { docCount } = index.corpus();
  const idfs = new Map<string, number>();
  for (const term of terms) {
    const df = index.postingsOf(term)?.size ?? 0;
    if (df === 0) continue;
    const idf = Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
    if (idf > 0) idfs.set(term, idf);
  }
  return idfs;
}

export type RouteContext = {
  hour: number;
  hourBase: number;
  weekend: 0 | 1;
  weekdayBase: number;
  latencyPrior: number;
};

/** What every candidate's features share at `now`: the hour window, the day type, the priors. */
export function routeContext(index: ExpertiseIndex, now: number): RouteContext {
  const hour = new Date(now).getUTCHours();
  let hourBase = 0;
  for (let k = 0; k < HOUR_WINDOW; k++) hourBase += index.globalHourShare((hour + k) % 24);
  const weekend = ExpertiseIndex.isWeekend(now) ? 1 : 0;
  return {
    hour,
    hourBase,
    weekend,
    weekdayBase: index.globalWeekdayShare(weekend),
    latencyPrior: index.globalLatency(),
  };
}

export interface CandidateFeatures {
  memberId: string;
  features: Features;
}

/** Candidate generation and the raw features of each candidate (weights not applied). */
export function candidateFeatures(
  index: ExpertiseIndex,
  question: QuestionToRoute,
  options: RouteOptions,
): CandidateFeatures[] {
  const { now } = options;
  const pool = { ...DEFAULT_POOL, ...options.pool };
  const asker = index.slot(question.askerId);
  const excluded = (s: number) =>
    s === asker || index.gone[s] === true || (options.exclude?.has(index.idOf(s)) ?? false);

  // --- expertise, term at a time over the rarer terms
  const n = index.memberCount;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  const touched: number[] = [];
  const { avgDocLength } = index.corpus();
  const unboost = index.unboost(now);
  const terms = [...new Set(question.terms)];
  const idfs = idfsOf(index, terms);
  const deferred: [string, number][] = [];
  for (const [term, idf] of idfs) {
    const postings = index.postingsOf(term)!;
    if (postings.size > pool.maxPostings) {
      deferred.push([term, idf]);
      continue;
    }
    const { keys, vals } = postings;
    for (let i = 0; i < keys.length; i++) {
      const s = keys[i]!;
      if (s < 0) continue;
      if (scratch[s] === 0) touched.push(s);
      scratch[s]! += bm25Of(idf, vals[i]! * unboost, index.docLength[s]! * unboost, avgDocLength);
    }
  }

  // --- candidates: best expertise matches, recently active, the asker's past helpers
  const candidates = new Set<number>();
  for (const s of topByScratch(touched, pool.expertise, excluded)) candidates.add(s);
  for (const s of index.recentSlots(pool.recent + 1)) if (!excluded(s)) candidates.add(s);
  const helpers = index.respondersTo(question.askerId);
  if (helpers) for (const s of topHelpers(helpers, pool.helpers)) if (!excluded(s)) candidates.add(s);

  const out: CandidateFeatures[] = [];
  const ctx = routeContext(index, now);
  for (const s of candidates) {
    let expertise = scratch[s]!;
    for (const [term, idf] of deferred) expertise += bm25Part(index, term, idf, s, unboost, avgDocLength);
    out.push({ memberId: index.idOf(s), features: rawFeatures(index, s, question, now, ctx, helpers, expertise) });
  }
  for (const s of touched) scratch[s] = 0;
  return out;
}

const DAY_MS = 24 * HOUR_MS;

export function rawFeatures(
  index: ExpertiseIndex,
  s: number,
  question: QuestionToRoute,
  now: number,
  ctx: RouteContext,
  helpers: IntFloatMap | undefined,
  expertise: number,
): Features {
  const posts = index.posts[s]!;
  // Hour profile: the member's share of posts in the next six hours of the day, smoothed toward
  // everyone's, as a log ratio to everyone's: > 0 when they are usually around in the coming hours.
  const h = index.hours;
  let local = 0;
  for (let k = 0; k < HOUR_WINDOW; k++) local += h[s * 24 + ((ctx.hour + k) % 24)]!;
  const prior = 4;
  const hour = Math.log((local + prior * ctx.hourBase) / (posts + prior) / ctx.hourBase);
  const onDay = index.weekdays[s * 2 + ctx.weekend]!;
  const weekday = Math.log((onDay + prior * ctx.weekdayBase) / (posts + prior) / ctx.weekdayBase);
  // Speed: mean log-hours to respond, shrunk toward everyone's mean for members with few answers.
  const k = index.latencyCount[s]!;
  const meanLatency = (index.latencyLogSum[s]! + 3 * ctx.latencyPrior) / (k + 3);
  const hoursSince = (t: number) => (t === Number.NEGATIVE_INFINITY ? 1e5 : Math.max(0, now - t) / HOUR_MS);
  return {
    expertise,
    repliesShort: Math.log1p(index.repliesShort.get(s, now)),
    repliesLong: Math.log1p(index.repliesLong.get(s, now)),
    firsts: Math.log1p(index.firsts.get(s, now)),
    firstShare: (index.firstCount[s]! + 1) / (index.answered[s]! + 2),
    activityShort: Math.log1p(index.activityShort.get(s, now)),
    activityLong: Math.log1p(index.activityLong.get(s, now)),
    since: -Math.log1p(hoursSince(index.lastAt[s]!)),
    sinceReply: -Math.log1p(hoursSince(index.lastReplyAt[s]!)),
    hour,
    weekday,
    fast: ctx.latencyPrior - meanLatency,
    asker: Math.log1p(helpers?.get(s) ?? 0),
    channel: Math.log1p(index.channelRepliesOf(question.channelId, s, now)),
    tenure: Math.log1p(Math.max(0, now - index.firstAt[s]!) / DAY_MS),
  };
}

export function bm25Of(idf: number, tf: number, dl: number, avgdl: number): number {
  return (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * dl) / avgdl));
}

export function bm25Part(
  index: ExpertiseIndex,
  term: string,
  idf: number,
  s: number,
  unboost: number,
  avgdl: number,
): number {
  const boosted = index.postingsOf(term)?.get(s) ?? 0;
  if (boosted === 0) return 0;
  return bm25Of(idf, boosted * unboost, index.docLength[s]! * unboost, avgdl);
}

/** The two question terms this member's answers matched most (idf × weight). */
export function bestTerms(
  index: ExpertiseIndex,
  terms: readonly string[],
  idfs: ReadonlyMap<string, number>,
  s: number,
): string[] {
  const scored: [string, number][] = [];
  for (const term of terms) {
    const idf = idfs.get(term);
    const weight = idf ? (index.postingsOf(term)?.get(s) ?? 0) : 0;
    if (idf && weight > 0) scored.push([term, idf * Math.log1p(weight)]);
  }
  scored.sort((a, b) => b[1] - a[1]);
  return scored.slice(0, 2).map(([t]) => t);
}

/** The `k` touched slots with the highest scratch score (a small min-heap: no full sort). */
function topByScratch(touched: readonly number[], k: number, excluded: (s: number) => boolean): number[] {
  const heap: number[] = [];
  const less = (a: number, b: number) => scratch[heap[a]!]! < scratch[heap[b]!]!;
  const swap = (a: number, b: number) => {
    const t = heap[a]!;
    heap[a] = heap[b]!;
    heap[b] = t;
  };
  for (const s of touched) {
    if (excluded(s)) continue;
    if (heap.length < k) {
      heap.push(s);
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!less(i, p)) break;
        swap(i, p);
        i = p;
      }
    } else if (k > 0 && scratch[s]! > scratch[heap[0]!]!) {
      heap[0] = s;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(l, m)) m = l;
        if (r < heap.length && less(r, m)) m = r;
        if (m === i) break;
        swap(i, m);
        i = m;
      }
    }
  }
  return heap;
}
