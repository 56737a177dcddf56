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
 */
import { BM25_B, BM25_K1 } from '../../text/bm25.js';
import { ExpertiseIndex, type IntFloatMap } from './expertise.js';

const HOUR_MS = 3_600_000;
/** "Activity at this hour" looks at the coming hours: a question is answered within a few (median ~3 h on urho3d). */
const HOUR_WINDOW = 6;

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

const DEFAULT_POOL: CandidatePool = { recent: 300, expertise: 200, maxPostings: 5_000, helpers: 50 };

/** The `k` members who answered this asker most often. */
function topHelpers(helpers: IntFloatMap, k: number): number[] {
  const all: number[] = [];
  for (let i = 0; i < helpers.keys.length; i++) if (helpers.keys[i]! >= 0) all.push(i);
  if (all.length > k) all.sort((a, b) => helpers.vals[b]! - helpers.vals[a]!).length = k;
  return all.map((i) => helpers.keys[i]!);
}

/** Reusable scratch so that a ranking allocates almost nothing (the index only grows). */
let scratch = new Float64Array(0);

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

function withReasons(
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

/** Positions of the `k` largest scores, largest first. */
function topIndices(scores: readonly number[], k: number): number[] {
  const idx = scores.map((_, i) => i);
  if (k >= idx.length) return idx.sort((a, b) => scores[b]! - scores[a]!);
  // A partial selection would do; candidates are a few hundred, so a sort costs microseconds.
  return idx.sort((a, b) => scores[b]! - scores[a]!).slice(0, k);
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

function idfsOf(index: ExpertiseIndex, terms: readonly string[]): Map<string, number> {
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

type RouteContext = { hour: number; hourBase: number; weekend: 0 | 1; weekdayBase: number; latencyPrior: number };

/** What every candidate's features share at `now`: the hour window, the day type, the priors. */
function routeContext(index: ExpertiseIndex, now: number): RouteContext {
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

interface PoolTerm {
  idf: number;
  pos: Int32Array;
  part: Float64Array;
}

/**
 * Ranking many questions at once among a fixed pool of members (a nudge scan: the members who may be
 * nudged now). The question-independent part of each member's score is computed once, and each
 * term's postings are filtered to the pool once, so a question costs microseconds. Scores are
 * exactly those of `rankAnswerers` for the same member.
 */
export class PoolRouter {
  private readonly slots: number[] = [];
  private readonly posOf = new Map<number, number>();
  private readonly base: Float64Array;
  private readonly shared: Features[];
  private readonly live: Uint8Array;
  private liveCount: number;
  private readonly terms = new Map<string, PoolTerm | null>();
  private readonly byChannel = new Map<string, { order: Int32Array; value: Float64Array }>();
  private readonly expertise: Float64Array;
  private readonly mark: Uint8Array;
  private readonly unboost: number;
  private readonly avgDocLength: number;
  private readonly w: RouterWeights;

  constructor(
    private readonly index: ExpertiseIndex,
    memberIds: readonly string[],
    private readonly options: Pick<RouteOptions, 'now' | 'load' | 'weights'>,
  ) {
    this.w = options.weights ?? DEFAULT_WEIGHTS;
    for (const id of memberIds) {
      const s = index.slot(id);
      if (s === undefined || index.gone[s] || this.posOf.has(s)) continue;
      this.posOf.set(s, this.slots.length);
      this.slots.push(s);
    }
    const ctx = routeContext(index, options.now);
    const none: QuestionToRoute = { askerId: '', terms: [], channelId: null };
    this.base = new Float64Array(this.slots.length);
    this.shared = this.slots.map((s, pos) => {
      const f = rawFeatures(index, s, none, options.now, ctx, undefined, 0);
      this.base[pos] = scoreOf(this.w, f, options.load?.get(index.idOf(s)) ?? 0);
      return f;
    });
    this.live = new Uint8Array(this.slots.length).fill(1);
    this.liveCount = this.slots.length;
    this.expertise = new Float64Array(this.slots.length);
    this.mark = new Uint8Array(this.slots.length);
    this.unboost = index.unboost(options.now);
    this.avgDocLength = index.corpus().avgDocLength;
  }

  /** Members still in the pool. */
  get size(): number {
    return this.liveCount;
  }

  /** Take a member out of the pool (they reached their daily cap during this scan). */
  remove(memberId: string): void {
    const s = this.index.slot(memberId);
    const pos = s === undefined ? undefined : this.posOf.get(s);
    if (pos === undefined || this.live[pos] === 0) return;
    this.live[pos] = 0;
    this.liveCount -= 1;
  }

  /** The best `limit` pool members for the question, never the asker nor anyone in `exclude`. */
  rank(question: QuestionToRoute, options: { limit?: number; exclude?: ReadonlySet<string> } = {}): Ranked[] {
    if (this.liveCount === 0) return [];
    const limit = options.limit ?? 10;
    const { index, w, live, mark, expertise, base, slots } = this;
    // Out of this question (mark 2): the asker and anyone excluded; mark 1: already considered.
    const asker = index.slot(question.askerId);
    const blocked: number[] = [];
    const block = (s: number | undefined) => {
      const pos = s === undefined ? undefined : this.posOf.get(s);
      if (pos !== undefined && mark[pos] === 0) {
        mark[pos] = 2;
        blocked.push(pos);
      }
    };
    block(asker);
    if (options.exclude) for (const id of options.exclude) block(index.slot(id));

    // Expertise, term at a time over the pool's postings (members out of the pool skipped).
    const touched: number[] = [];
    const qterms = [...new Set(question.terms)];
    for (const term of qterms) {
      const t = this.termOf(term);
      if (!t) continue;
      const { pos: tp, part } = t;
      for (let i = 0; i < tp.length; i++) {
        const pos = tp[i]!;
        if (live[pos] === 0) continue;
        if (expertise[pos] === 0) touched.push(pos);
        expertise[pos]! += part[i]!;
      }
    }
    const helpers = index.respondersTo(question.askerId);
    const channel = this.channelOf(question.channelId).value;
    // The best `limit` by score, in a small min-heap (positions and scores side by side).
    const heapPos: number[] = [];
    const heapScore: number[] = [];
    const marked: number[] = [];
    const wa = w.asker;
    const consider = (pos: number) => {
      if (mark[pos] !== 0 || live[pos] === 0) return;
      mark[pos] = 1;
      marked.push(pos);
      const helped = helpers && wa !== 0 ? Math.log1p(helpers.get(slots[pos]!)) : 0;
      pushTop(
        heapPos,
        heapScore,
        pos,
        base[pos]! + w.expertise * expertise[pos]! + wa * helped + w.channel * channel[pos]!,
        limit,
      );
    };
    for (let i = 0; i < touched.length; i++) consider(touched[i]!);
    if (helpers) {
      // Walk the smaller of the two: the asker's helpers or the pool.
      if (helpers.size <= slots.length) {
        for (let i = 0; i < helpers.keys.length; i++) {
          const pos = helpers.keys[i]! >= 0 ? this.posOf.get(helpers.keys[i]!) : undefined;
          if (pos !== undefined) consider(pos);
        }
      } else {
        for (let pos = 0; pos < slots.length; pos++) if (helpers.has(slots[pos]!)) consider(pos);
      }
    }
    // Everyone else scores base + channel: the best `limit` of them in that order are enough.
    const order = this.channelOf(question.channelId).order;
    let taken = 0;
    for (let i = 0; i < order.length && taken < limit; i++) {
      const pos = order[i]!;
      if (mark[pos] === 2 || live[pos] === 0) continue;
      consider(pos);
      taken += 1;
    }
    const top = heapPos.map((pos, i) => ({ pos, score: heapScore[i]! })).sort((a, b) => b.score - a.score);
    const idfs = new Map<string, number>();
    for (const term of qterms) {
      const t = this.terms.get(term);
      if (t) idfs.set(term, t.idf);
    }
    const out = top.map((c) => {
      const s = slots[c.pos]!;
      const features: Features = {
        ...this.shared[c.pos]!,
        expertise: expertise[c.pos]!,
        asker: Math.log1p(helpers?.get(s) ?? 0),
        channel: channel[c.pos]!,
      };
      return withReasons(index, { memberId: index.idOf(s), features }, c.score, w, qterms, idfs, helpers);
    });
    for (const pos of touched) expertise[pos] = 0;
    for (const pos of marked) mark[pos] = 0;
    for (const pos of blocked) mark[pos] = 0;
    return out;
  }

  private termOf(term: string): PoolTerm | null {
    const cached = this.terms.get(term);
    if (cached !== undefined) return cached;
    const postings = this.index.postingsOf(term);
    let entry: PoolTerm | null = null;
    if (postings && postings.size > 0) {
      const { docCount } = this.index.corpus();
      const idf = Math.log(1 + (docCount - postings.size + 0.5) / (postings.size + 0.5));
      if (idf > 0) {
        const pos: number[] = [];
        const part: number[] = [];
        const add = (p: number, s: number, boosted: number) => {
          pos.push(p);
          part.push(bm25Of(idf, boosted * this.unboost, this.index.docLength[s]! * this.unboost, this.avgDocLength));
        };
        if (postings.size > 2 * this.slots.length) {
          // A common term: looking the pool up in its postings is cheaper than walking them.
          for (let p = 0; p < this.slots.length; p++) {
            const boosted = postings.get(this.slots[p]!);
            if (boosted > 0) add(p, this.slots[p]!, boosted);
          }
        } else {
          const { keys, vals } = postings;
          for (let i = 0; i < keys.length; i++) {
            const s = keys[i]!;
            if (s < 0) continue;
            const p = this.posOf.get(s);
            if (p !== undefined) add(p, s, vals[i]!);
          }
        }
        entry = { idf, pos: Int32Array.from(pos), part: Float64Array.from(part) };
      }
    }
    this.terms.set(term, entry);
    return entry;
  }

  private channelOf(channelId: string | null): { order: Int32Array; value: Float64Array } {
    const key = channelId ?? '';
    const cached = this.byChannel.get(key);
    if (cached) return cached;
    const value = new Float64Array(this.slots.length);
    for (let pos = 0; pos < this.slots.length; pos++) {
      value[pos] = Math.log1p(this.index.channelRepliesOf(channelId, this.slots[pos]!, this.options.now));
    }
    const order = Int32Array.from(this.slots.keys()).sort(
      (a, b) => this.base[b]! + this.w.channel * value[b]! - (this.base[a]! + this.w.channel * value[a]!),
    );
    const entry = { order, value };
    this.byChannel.set(key, entry);
    return entry;
  }
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

function rawFeatures(
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

function bm25Of(idf: number, tf: number, dl: number, avgdl: number): number {
  return (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * dl) / avgdl));
}

function bm25Part(index: ExpertiseIndex, term: string, idf: number, s: number, unboost: number, avgdl: number): number {
  const boosted = index.postingsOf(term)?.get(s) ?? 0;
  if (boosted === 0) return 0;
  return bm25Of(idf, boosted * unboost, index.docLength[s]! * unboost, avgdl);
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
    const weight = idf ? (index.postingsOf(term)?.get(s) ?? 0) : 0;
    if (idf && weight > 0) scored.push([term, idf * Math.log1p(weight)]);
  }
  scored.sort((a, b) => b[1] - a[1]);
  return scored.slice(0, 2).map(([t]) => t);
}

function swapPair(pos: number[], score: number[], a: number, b: number): void {
  const tp = pos[a]!;
  pos[a] = pos[b]!;
  pos[b] = tp;
  const ts = score[a]!;
  score[a] = score[b]!;
  score[b] = ts;
}

/** Keep the `k` best (position, score) pairs in a min-heap kept in two arrays. */
function pushTop(pos: number[], score: number[], p: number, v: number, k: number): void {
  if (pos.length < k) {
    pos.push(p);
    score.push(v);
    for (let i = pos.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (score[i]! >= score[parent]!) break;
      swapPair(pos, score, i, parent);
      i = parent;
    }
    return;
  }
  if (k === 0 || v <= score[0]!) return;
  pos[0] = p;
  score[0] = v;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < pos.length && score[l]! < score[m]!) m = l;
    if (r < pos.length && score[r]! < score[m]!) m = r;
    if (m === i) break;
    swapPair(pos, score, i, m);
    i = m;
  }
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
