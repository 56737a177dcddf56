/**
 * The router: rank the members most likely to answer a question, each with the reasons that make
 * them likely (for the nudge's "why"). Pure: reads an ExpertiseIndex, takes `now`.
 *
 * The same function serves the bot (nudges, /unanswered) and the routing eval
 * (scripts/evalRouting.ts): there is no separate model.
 *
 * Score = Σ weight × feature, over
 * - expertise: BM25 between the question's terms and the questions the member answered before
 *   and the replies they wrote (solved answers count double; no fading: the presence features say who
 *   is around, this one what they know);
 * - responsiveness: how often they reply to others' questions (recent and longer term), how often they
 *   are the first to reply, and how fast they usually reply;
 * - presence: how recently they posted at all, and whether this hour of the day is one they post at;
 * - ties: whether they answered this asker before, and how much they post in this channel/category;
 * - load: their share of the guild's recent nudges lowers the score, so requests are spread.
 *
 * Candidate generation keeps one ranking fast at 100k members: members whose answered questions share
 * a rarer term with the question, the K most recently active members, and the asker's past helpers.
 * Nobody else is scored (they are ranked after the candidates, most recently active first).
 * Candidate generation and the raw features are in candidates.ts; ranking for a whole scan's pool of
 * members at once in poolRouter.ts.
 */
import {
  bestTerms,
  bm25Part,
  type CandidateFeatures,
  type CandidatePool,
  candidateFeatures,
  idfsOf,
  rawFeatures,
  routeContext,
} from './candidates.js';
import type { ExpertiseIndex, IntFloatMap } from './expertise.js';
import { topIndices } from './topK.js';

export { type CandidateFeatures, type CandidatePool, candidateFeatures } from './candidates.js';

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
  /**
   * Expertise and replies: how many questions the member answered in all; first: how many they
   * answered first; asker: how many of the asker's.
   */
  count?: number;
  /** Replies: when they last answered a question; recent: when they last posted. */
  lastAt?: number;
  /** Fast: how many hours they typically take to reply. */
  hours?: number;
}

export interface Ranked {
  memberId: string;
  score: number;
  /** Strongest first, only those that add to the score. */
  reasons: Reason[];
}

/** The features a candidate is scored on (raw, before weights). */
export interface Features {
  /** BM25 of the question against the questions they answered (solved ones weigh double). */
  expertise: number;
  /** log1p of replies to others' questions, decayed (30 and 180 day half-lives). */
  repliesShort: number;
  repliesLong: number;
  /** log1p of first replies (60 day half-life), and the share of their replies that came first. */
  firsts: number;
  firstShare: number;
  /** log1p of posts of any kind (3 and 45 day half-lives). */
  activityShort: number;
  activityLong: number;
  /** −log1p(hours since their last post / last reply). */
  since: number;
  sinceReply: number;
  /** How much more than everyone they post in the next six hours of the day (log ratio). */
  hour: number;
  /** Same for weekends vs weekdays. */
  weekday: number;
  /** How much faster than everyone they usually reply (mean log-hours, shrunk). */
  fast: number;
  /** log1p of this asker's questions they answered. */
  asker: number;
  /** log1p of their replies in this channel/category (90 day half-life). */
  channel: number;
  /** log1p(days since their first post). */
  tenure: number;
}

export type RouterWeights = Features & { load: number };

/**
 * Tuned on the urho3d archive's questions of the two years BEFORE the eval's default cutoff
 * (`scripts/tuneRouting.ts --slow 0.25`: coordinate ascent on the first responder's MRR, the slow
 * questions' MRR counting a quarter more); the test period was never used to choose them.
 * Validation MRR 0.479 on all questions, 0.403 on the slow ones; the slow weight 0.25 was picked
 * because it kept the first (0.479 with 0) and raised the second (0.384 with 0).
 */
export const DEFAULT_WEIGHTS: RouterWeights = {
  expertise: 0.18,
  // Near zero: given first replies and presence, the counts of all replies and the share of first
  // replies add next to nothing. Kept as features so that a community can be re-tuned.
  repliesShort: 0.03,
  repliesLong: -0.03,
  firsts: 0.47,
  firstShare: 0,
  activityShort: 0.3825,
  activityLong: 0.2793,
  since: 0.6,
  sinceReply: 0,
  hour: 0.4725,
  weekday: 0.11,
  fast: 0.075,
  asker: 0.13,
  channel: 0.4,
  tenure: -0.26,
  // Not learnable from an archive (it has no nudges): a member who got half of the recent nudges
  // loses about as much as someone last seen two days earlier than the others.
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

/** The `limit` best candidates, best first, each with the reasons that make them likely. */
export function rankAnswerers(index: ExpertiseIndex, question: QuestionToRoute, options: RouteOptions): Ranked[] {
  const w = options.weights ?? DEFAULT_WEIGHTS;
  const cands = candidateFeatures(index, question, options);
  const scores = cands.map((c) => scoreOf(w, c.features, options.load?.get(c.memberId) ?? 0));
  const order = topIndices(scores, options.limit ?? 10);
  const terms = [...new Set(question.terms)];
  const idfs = idfsOf(index, terms);
  const helpers = index.respondersTo(question.askerId);
  return order.map((i) => {
    const c = cands[i]!;
    return withReasons(index, c, scores[i]!, w, terms, idfs, helpers);
  });
}

/**
 * Every candidate with its score (no reasons), unsorted. The eval uses this to rank the whole
 * membership (candidates first, then everyone else by recency).
 */
export function scoreCandidates(
  index: ExpertiseIndex,
  question: QuestionToRoute,
  options: RouteOptions,
): { memberId: string; score: number }[] {
  const w = options.weights ?? DEFAULT_WEIGHTS;
  return candidateFeatures(index, question, options).map((c) => ({
    memberId: c.memberId,
    score: scoreOf(w, c.features, options.load?.get(c.memberId) ?? 0),
  }));
}

/** The score: Σ weight × feature, minus the load. */
export function scoreOf(w: RouterWeights, f: Features, load: number): number {
  return (
    w.expertise * f.expertise +
    w.repliesShort * f.repliesShort +
    w.repliesLong * f.repliesLong +
    w.firsts * f.firsts +
    w.firstShare * f.firstShare +
    w.activityShort * f.activityShort +
    w.activityLong * f.activityLong +
    w.since * f.since +
    w.sinceReply * f.sinceReply +
    w.hour * f.hour +
    w.weekday * f.weekday +
    w.fast * f.fast +
    w.asker * f.asker +
    w.channel * f.channel +
    w.tenure * f.tenure -
    w.load * load
  );
}

/** Each feature's weighted contribution, grouped by the reason it tells. */
export function contributions(w: RouterWeights, f: Features): [ReasonKind | 'other', number][] {
  return [
    ['expertise', w.expertise * f.expertise],
    ['replies', w.repliesShort * f.repliesShort + w.repliesLong * f.repliesLong],
    ['first', w.firsts * f.firsts + w.firstShare * f.firstShare],
    [
      'recent',
      w.activityShort * f.activityShort +
        w.activityLong * f.activityLong +
        w.since * f.since +
        w.sinceReply * f.sinceReply,
    ],
    ['around', w.hour * f.hour + w.weekday * f.weekday],
    ['fast', w.fast * f.fast],
    ['asker', w.asker * f.asker],
    ['channel', w.channel * f.channel],
    ['other', w.tenure * f.tenure],
  ];
}

export function withReasons(
  index: ExpertiseIndex,
  c: CandidateFeatures,
  score: number,
  w: RouterWeights,
  terms: readonly string[],
  idfs: ReadonlyMap<string, number>,
  helpers: IntFloatMap | undefined,
): Ranked {
  const s = index.slot(c.memberId)!;
  const reasons: Reason[] = [];
  for (const [kind, v] of contributions(w, c.features)) {
    if (v <= 0 || kind === 'other') continue;
    const reason: Reason = { kind, weight: v };
    if (kind === 'expertise') {
      reason.terms = bestTerms(index, terms, idfs, s);
      reason.count = index.answered[s]!;
    }
    if (kind === 'asker') reason.count = helpers?.get(s) ?? 0;
    // The facts a "why" can tell (nudgePolicy reasonText): true numbers, different for each person.
    if (kind === 'first') reason.count = index.firstCount[s]!;
    if (kind === 'replies') {
      reason.count = index.answered[s]!;
      reason.lastAt = index.lastReplyAt[s]!;
    }
    if (kind === 'recent') reason.lastAt = index.lastAt[s]!;
    if (kind === 'fast' && index.latencyCount[s]! > 0)
      reason.hours = Math.expm1(index.latencyLogSum[s]! / index.latencyCount[s]!);
    reasons.push(reason);
  }
  reasons.sort((a, b) => b.weight - a.weight);
  return { memberId: c.memberId, score, reasons };
}

/**
 * One member's score for one question (for /unanswered: which open questions suit this member),
 * with exactly the features and weights of the ranking.
 */
export function scoreMember(
  index: ExpertiseIndex,
  question: QuestionToRoute,
  memberId: string,
  options: Pick<RouteOptions, 'now' | 'load' | 'weights'>,
): Ranked | null {
  const s = index.slot(memberId);
  if (s === undefined || memberId === question.askerId) return null;
  const { now } = options;
  const w = options.weights ?? DEFAULT_WEIGHTS;
  const { avgDocLength } = index.corpus();
  const unboost = index.unboost(now);
  const terms = [...new Set(question.terms)];
  const idfs = idfsOf(index, terms);
  let expertise = 0;
  for (const [term, idf] of idfs) expertise += bm25Part(index, term, idf, s, unboost, avgDocLength);
  const helpers = index.respondersTo(question.askerId);
  const features = rawFeatures(index, s, question, now, routeContext(index, now), helpers, expertise);
  const load = options.load?.get(memberId) ?? 0;
  return withReasons(index, { memberId, features }, scoreOf(w, features, load), w, terms, idfs, helpers);
}
