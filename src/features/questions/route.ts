/**
 * The router: rank the members most likely to answer a question, each with the reasons that make
 * them likely (for the nudge's "why"). Pure: reads an ExpertiseIndex, takes `now`.
 *
 * The same function serves the bot (nudges, /unanswered) and the routing eval
 * (scripts/evalRouting.ts): there is no separate model.
 *
 * Score = Σ weight × feature, over
 * - expertise: BM25 between the question's terms and the questions the member answered before
 *   (solved answers count double, older answers fade with a two-year half-life);
 * - responsiveness: how often they reply to others' questions (recent and longer term), how often they
 *   are the first to reply, and how fast they usually reply;
 * - presence: how recently they posted at all, and whether this hour of the day is one they post at;
 * - ties: whether they answered this asker before, and how much they post in this channel/category;
 * - load: their share of the guild's recent nudges lowers the score, so requests are spread.
 *
 * Candidate generation keeps one ranking fast at 100k members: members whose answered questions share
 * a rarer term with the question, the K most recently active members, and the asker's past helpers.
 * Nobody else is scored (they are ranked after the candidates, most recently active first).
 */
import { BM25_B, BM25_K1 } from '../../text/bm25.js';
import type { ExpertiseIndex } from './expertise.js';

const HOUR_MS = 3_600_000;

export interface QuestionToRoute {
  askerId: string;
  /** Distinct terms of the question (title + opening post). */
  terms: readonly string[];
  /** The top-level channel (forum channel, Discourse category) it was asked in. */
  channelId: string | null;
}

export type ReasonKind = 'expertise' | 'asker' | 'first' | 'fast' | 'replies' | 'around' | 'recent' | 'channel';

export interface Reason {
  kind: ReasonKind;
  /** Contribution to the score (for picking the strongest reasons to tell). */
  weight: number;
  /** Expertise: the question's terms the member's answers matched best. */
  terms?: string[];
  /** Expertise: how many questions the member answered in all; asker: how many of the asker's. */
  count?: number;
}

export interface Ranked {
  memberId: string;
  score: number;
  /** Strongest first, only those that add to the score. */
  reasons: Reason[];
}

export interface RouterWeights {
  expertise: number;
  repliesShort: number;
  repliesLong: number;
  firsts: number;
  activityShort: number;
  activityLong: number;
  since: number;
  hour: number;
  fast: number;
  asker: number;
  channel: number;
  load: number;
}

/** Tuned on the urho3d archive's questions before its test period (see scripts/evalRouting.ts). */
export const DEFAULT_WEIGHTS: RouterWeights = {
  expertise: 0.15,
  repliesShort: 0.6,
  repliesLong: 0.4,
  firsts: 0.5,
  activityShort: 0.3,
  activityLong: 0.2,
  since: 0.35,
  hour: 0.3,
  fast: 0.3,
  asker: 0.4,
  channel: 0.5,
  load: 3,
};

export interface RouteOptions {
  now: number;
  /** How many to return (default 10). */
  limit?: number;
  /** Never returned (the asker always is excluded; add thread participants, bots, opted-out). */
  exclude?: ReadonlySet<string>;
  /** Member → share of the guild's recent nudges that went to them (0..1). */
  load?: ReadonlyMap<string, number>;
  weights?: RouterWeights;
  /** Candidate generation sizes (defaults suit 100k members). */
  pool?: Partial<CandidatePool>;
}

export interface CandidatePool {
  /** The most recently active members always considered. */
  recent: number;
  /** Best expertise matches kept from the postings scan. */
  expertise: number;
  /** Terms with more members than this are not scanned (scored for candidates only): too common to find anyone. */
  maxPostings: number;
}

const DEFAULT_POOL: CandidatePool = { recent: 500, expertise: 300, maxPostings: 5_000 };

/** Reusable scratch so that a ranking allocates almost nothing (the index only grows). */
let scratch = new Float64Array(0);

export function rankAnswerers(index: ExpertiseIndex, question: QuestionToRoute, options: RouteOptions): Ranked[] {
  const scored = scoreCandidates(index, question, options);
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, options.limit ?? 10);
}

/**
 * Every candidate with its score, unsorted; `rankAnswerers` sorts and cuts. The eval uses this to
 * rank the whole membership (candidates first, then everyone else by recency).
 */
export function scoreCandidates(index: ExpertiseIndex, question: QuestionToRoute, options: RouteOptions): Ranked[] {
  const w = options.weights ?? DEFAULT_WEIGHTS;
  return candidateFeatures(index, question, options).map((c) => {
    const load = options.load?.get(c.memberId) ?? 0;
    const parts = contributions(w, c.features, load);
    let score = 0;
    for (const [, v] of parts) score += v;
    const reasons: Reason[] = [];
    for (const [kind, v] of parts) {
      if (v <= 0 || kind === 'load') continue;
      const reason: Reason = { kind, weight: v };
      if (kind === 'expertise') {
        reason.terms = c.terms;
        reason.count = c.answered;
      }
      if (kind === 'asker') reason.count = c.askerCount;
      reasons.push(reason);
    }
    reasons.sort((a, b) => b.weight - a.weight);
    return { memberId: c.memberId, score, reasons };
  });
}

/** Each feature's weighted contribution to a candidate's score. */
export function contributions(w: RouterWeights, f: Features, load: number): [ReasonKind | 'load', number][] {
  return [
    ['expertise', w.expertise * f.expertise],
    ['replies', w.repliesShort * f.repliesShort + w.repliesLong * f.repliesLong],
    ['first', w.firsts * f.firsts],
    ['recent', w.activityShort * f.activityShort + w.activityLong * f.activityLong + w.since * f.since],
    ['around', w.hour * f.hour],
    ['fast', w.fast * f.fast],
    ['asker', w.asker * f.asker],
    ['channel', w.channel * f.channel],
    ['load', -w.load * load],
  ];
}

export interface CandidateFeatures {
  memberId: string;
  features: Features;
  /** The question terms their answers matched best (for the "why"). */
  terms: string[];
  answered: number;
  askerCount: number;
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
  const { docCount, avgDocLength } = index.corpus();
  const unboost = index.unboost(now);
  const terms = [...new Set(question.terms)];
  const idfs = new Map<string, number>();
  const deferred: string[] = [];
  for (const term of terms) {
    const postings = index.postingsOf(term);
    if (!postings || postings.size === 0) continue;
    const df = postings.size;
    const idf = Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
    if (idf <= 0) continue;
    idfs.set(term, idf);
    if (df > pool.maxPostings) {
      deferred.push(term);
      continue;
    }
    for (const [s, boosted] of postings) {
      const tf = boosted * unboost;
      const dl = index.docLength[s]! * unboost;
      const part = (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * dl) / avgDocLength));
      if (scratch[s] === 0) touched.push(s);
      scratch[s]! += part;
    }
  }

  // --- candidates: best expertise matches, recently active, the asker's past helpers
  const candidates = new Set<number>();
  for (const s of topByScratch(touched, pool.expertise, excluded)) candidates.add(s);
  for (const s of index.recentSlots(pool.recent + 1)) if (!excluded(s)) candidates.add(s);
  const helpers = index.respondersTo(question.askerId);
  if (helpers) for (const s of helpers.keys()) if (!excluded(s)) candidates.add(s);

  const out: CandidateFeatures[] = [];
  const latencyPrior = index.globalLatency();
  const hour = new Date(now).getUTCHours();
  const hourBase = index.globalHourShare(hour);
  for (const s of candidates) {
    let expertise = scratch[s]!;
    for (const term of deferred) expertise += bm25Part(index, term, idfs.get(term)!, s, unboost, avgDocLength);
    const features = rawFeatures(index, s, question, now, hour, hourBase, latencyPrior, helpers, expertise);
    out.push({
      memberId: index.idOf(s),
      features,
      terms: expertise > 0 ? bestTerms(index, terms, idfs, s) : [],
      answered: index.answered[s]!,
      askerCount: helpers?.get(s) ?? 0,
    });
  }
  for (const s of touched) scratch[s] = 0;
  return out;
}

export interface Features {
  expertise: number;
  repliesShort: number;
  repliesLong: number;
  firsts: number;
  activityShort: number;
  activityLong: number;
  since: number;
  hour: number;
  fast: number;
  asker: number;
  channel: number;
}

function rawFeatures(
  index: ExpertiseIndex,
  s: number,
  question: QuestionToRoute,
  now: number,
  hour: number,
  hourBase: number,
  latencyPrior: number,
  helpers: ReadonlyMap<number, number> | undefined,
  expertise: number,
): Features {
  const posts = index.posts[s]!;
  // Hour profile: the member's share of posts at this hour (and half the neighbours), smoothed
  // toward everyone's, as a log ratio: > 0 when they post more than usual at this hour.
  const h = index.hours;
  const at = (k: number) => h[s * 24 + ((k + 24) % 24)]!;
  const local = at(hour) + 0.5 * (at(hour - 1) + at(hour + 1));
  const prior = 4;
  const share = (local + prior * 2 * hourBase) / (2 * posts + prior);
  const hourScore = Math.log(share / (2 * hourBase));
  // Speed: mean log-hours to respond, shrunk toward everyone's mean for members with few answers.
  const k = index.latencyCount[s]!;
  const meanLatency = (index.latencyLogSum[s]! + 3 * latencyPrior) / (k + 3);
  const sinceHours = Math.max(0, now - index.lastAt[s]!) / HOUR_MS;
  return {
    expertise,
    repliesShort: Math.log1p(index.repliesShort.get(s, now)),
    repliesLong: Math.log1p(index.repliesLong.get(s, now)),
    firsts: Math.log1p(index.firsts.get(s, now)),
    activityShort: Math.log1p(index.activityShort.get(s, now)),
    activityLong: Math.log1p(index.activityLong.get(s, now)),
    since: -Math.log1p(sinceHours),
    hour: hourScore,
    fast: latencyPrior - meanLatency,
    asker: Math.log1p(helpers?.get(s) ?? 0),
    channel: Math.log1p(index.channelPostCount(question.channelId, s)) * index.channelShare(question.channelId, s),
  };
}

function bm25Part(index: ExpertiseIndex, term: string, idf: number, s: number, unboost: number, avgdl: number): number {
  const boosted = index.postingsOf(term)?.get(s);
  if (!boosted) return 0;
  const tf = boosted * unboost;
  const dl = index.docLength[s]! * unboost;
  return (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * dl) / avgdl));
}

/** The two question terms this member's answers matched most (idf × weight). */
function bestTerms(
  index: ExpertiseIndex,
  terms: readonly string[],
  idfs: ReadonlyMap<string, number>,
  s: number,
): string[] {
  const scored: [string, number][] = [];
  for (const term of terms) {
    const idf = idfs.get(term);
    const weight = idf ? index.postingsOf(term)?.get(s) : undefined;
    if (idf && weight) scored.push([term, idf * Math.log1p(weight)]);
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
