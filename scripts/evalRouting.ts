import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { questionTerms } from '../src/features/questions/detect.js';
import { ExpertiseIndex } from '../src/features/questions/expertise.js';
import {
  type FittedRouter,
  featureRows,
  fitRouter,
  NUDGE_AFTER_MS,
  type TrainingQuestion,
} from '../src/features/questions/fit.js';
import {
  candidateFeatures,
  DEFAULT_WEIGHTS,
  type RouterWeights,
  scoreCandidates,
} from '../src/features/questions/route.js';
import { termsOf } from '../src/text/tokenize.js';
import { type ArchivePost, type ArchiveTopic, readJsonl } from './archive.js';
import { isIrcData, loadIrcArchive } from './ircArchive.js';

export type { ArchivePost, ArchiveTopic };

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface Archive {
  posts: ArchivePost[];
  topics: ArchiveTopic[];
}

/** A forum archive (posts.jsonl.gz, topics.jsonl.gz), or chat logs when `format` is irc or the directory holds them. */
export function loadArchive(dir: string, format: 'forum' | 'irc' | 'auto' = 'auto'): Archive {
  if (format === 'irc' || (format === 'auto' && isIrcData(dir))) return loadIrcArchive(dir);
  return {
    posts: readJsonl<ArchivePost>(join(dir, 'posts.jsonl.gz')),
    topics: readJsonl<ArchiveTopic>(join(dir, 'topics.jsonl.gz')),
  };
}

// ---------------------------------------------------------------------------------------------
// Questions and their targets

interface Question {
  topicId: number;
  asker: string;
  askedAt: number;
  channel: string | null;
  terms: string[];
  first: string | null;
  firstAt: number | null;
  responders: string[];
  accepted: string | null;
}

/** Regular posts only: moderator actions and small actions ("closed", "pinned") are not replies. */
const isRegular = (p: ArchivePost) => p.post_type === 1;

function questionsOf(archive: Archive, posts: readonly (ArchivePost & { t: number })[]): Map<number, Question> {
  const questions = new Map<number, Question>();
  const opening = new Map<number, ArchivePost & { t: number }>();
  for (const p of posts) if (p.post_number === 1) opening.set(p.topic_id, p);
  for (const topic of archive.topics) {
    const open = opening.get(topic.topic_id);
    const askedAt = open?.t ?? Date.parse(topic.created_at);
    questions.set(topic.topic_id, {
      topicId: topic.topic_id,
      asker: String(open?.user_id ?? topic.user_id),
      askedAt,
      channel: topic.category_id === null ? null : String(topic.category_id),
      terms: questionTerms(topic.title, termsOf(open?.text ?? '')),
      first: null,
      firstAt: null,
      responders: [],
      accepted: null,
    });
  }
  for (const p of posts) {
    const q = questions.get(p.topic_id);
    if (!q || p.post_number === 1 || !isRegular(p)) continue;
    const user = String(p.user_id);
    if (user === q.asker) continue;
    if (q.first === null) {
      q.first = user;
      q.firstAt = p.t;
    }
    if (!q.responders.includes(user)) q.responders.push(user);
    if (p.accepted_answer) q.accepted = user;
  }
  return questions;
}

// ---------------------------------------------------------------------------------------------
// Replay

export interface RankingContext {
  question: Question;
  /** Members with an earlier post, the asker left out. */
  candidates: readonly string[];
  index: ExpertiseIndex;
  now: number;
}

/**
 * Walk the archive in time order. `onQuestion` sees each question opened in [from, to) before its
 * opening post is applied: everything it can read happened strictly before the question.
 */
export function replay(
  archive: Archive,
  range: { from: number; to: number },
  onQuestion: (ctx: RankingContext, state: BaselineState) => void,
  /**
   * Called at the nudge time (asked + 4 h) of each question in the range still unanswered then, with
   * everything posted before that moment: who the bot would pick when it actually nudges.
   */
  onNudge?: (ctx: RankingContext, state: BaselineState) => void,
): { questions: Map<number, Question>; state: BaselineState } {
  const posts = archive.posts
    .filter(isRegular)
    .map((p) => ({ ...p, t: Date.parse(p.created_at) }))
    .sort((a, b) => a.t - b.t || a.topic_id - b.topic_id || a.post_number - b.post_number);
  const questions = questionsOf(archive, posts);
  const index = new ExpertiseIndex();
  const state = new BaselineState();
  const responded = new Map<number, Set<string>>();
  // Acceptance time is not in the archive: credit a solved answer a day after it was posted, so
  // that no question is ranked with knowledge of an acceptance that had not happened yet.
  const pendingSolved: { at: number; user: string; q: Question }[] = [];

  const pendingNudges: { at: number; q: Question }[] = [];
  const nudgesDue = (t: number) => {
    while (pendingNudges.length > 0 && pendingNudges[0]!.at <= t) {
      const { at, q } = pendingNudges.shift()!;
      if (q.firstAt !== null && q.firstAt < at) continue;
      const candidates = state.membersBefore().filter((m) => m !== q.asker);
      onNudge!({ question: q, candidates, index, now: at }, state);
    }
  };

  for (const p of posts) {
    while (pendingSolved.length > 0 && pendingSolved[0]!.at < p.t) {
      const s = pendingSolved.shift()!;
      index.noteSolved(s.user, s.q.terms, s.q.askedAt);
    }
    nudgesDue(p.t);
    const q = questions.get(p.topic_id);
    const user = String(p.user_id);
    if (p.post_number === 1 && q && p.t >= range.from && p.t < range.to) {
      const candidates = state.membersBefore().filter((m) => m !== q.asker);
      onQuestion({ question: q, candidates, index, now: p.t }, state);
      if (onNudge) pendingNudges.push({ at: p.t + NUDGE_AFTER_MS, q });
    }
    index.noteActivity(user, p.t);
    const terms = termsOf(p.text);
    // A reply is a post in someone else's topic: an asker's follow-ups in their own thread are not help.
    state.notePost(user, p.t, p.post_number > 1 && q !== undefined && user !== q.asker, terms);
    if (!q || p.post_number === 1 || user === q.asker) continue;
    index.noteReplyTerms(user, terms ? terms.split(' ') : [], p.t);
    let seen = responded.get(q.topicId);
    if (!seen) {
      seen = new Set();
      responded.set(q.topicId, seen);
    }
    if (!seen.has(user)) {
      seen.add(user);
      index.noteResponse({
        memberId: user,
        askerId: q.asker,
        terms: q.terms,
        at: p.t,
        askedAt: q.askedAt,
        first: seen.size === 1,
        channelId: q.channel,
      });
      state.noteAnswer(user, q.terms);
      if (seen.size === 1) state.noteFirst(user, p.t);
    }
    if (p.accepted_answer) pendingSolved.push({ at: p.t + DAY_MS, user, q });
  }
  if (onNudge) nudgesDue(Number.POSITIVE_INFINITY);
  return { questions, state };
}

const FIRST_HALF_LIFE = 60 * DAY_MS;
const decay = (value: number, elapsed: number, halfLife: number) => value * 0.5 ** (elapsed / halfLife);

/** What the baselines know: post times, reply times and a term profile per member. */
export class BaselineState {
  private readonly order: string[] = [];
  readonly posts = new Map<string, number>();
  private readonly replyTimes = new Map<string, number[]>();
  readonly repliesTotal = new Map<string, number>();
  private readonly profile = new Map<string, Map<string, number>>();
  private readonly docLength = new Map<string, number>();
  private readonly docFreq = new Map<string, number>();
  private docLengthTotal = 0;
  /** First replies, decayed with a 60-day half-life: value as of `firstAt`. */
  private readonly firstDecayed = new Map<string, { value: number; at: number }>();
  /** When each member last answered a question first. */
  readonly lastFirstAt = new Map<string, number>();

  membersBefore(): string[] {
    return this.order;
  }

  notePost(user: string, at: number, isReply: boolean, terms: string): void {
    if (!this.posts.has(user)) this.order.push(user);
    this.posts.set(user, (this.posts.get(user) ?? 0) + 1);
    if (isReply) {
      let times = this.replyTimes.get(user);
      if (!times) {
        times = [];
        this.replyTimes.set(user, times);
      }
      times.push(at);
      this.repliesTotal.set(user, (this.repliesTotal.get(user) ?? 0) + 1);
      this.addProfile(user, terms ? terms.split(' ') : []);
    }
  }

  noteFirst(user: string, at: number): void {
    const d = this.firstDecayed.get(user);
    this.firstDecayed.set(user, { value: (d ? decay(d.value, at - d.at, FIRST_HALF_LIFE) : 0) + 1, at });
    this.lastFirstAt.set(user, at);
  }

  /** First replies before `now`, each counting half as much every 60 days. */
  decayedFirsts(user: string, now: number): number {
    const d = this.firstDecayed.get(user);
    return d ? decay(d.value, now - d.at, FIRST_HALF_LIFE) : 0;
  }

  noteAnswer(user: string, questionTerms: readonly string[]): void {
    this.addProfile(user, questionTerms);
  }

  private addProfile(user: string, terms: readonly string[]): void {
    let p = this.profile.get(user);
    if (!p) {
      p = new Map();
      this.profile.set(user, p);
    }
    for (const t of terms) {
      if (!p.has(t)) this.docFreq.set(t, (this.docFreq.get(t) ?? 0) + 1);
      p.set(t, (p.get(t) ?? 0) + 1);
    }
    this.docLength.set(user, (this.docLength.get(user) ?? 0) + terms.length);
    this.docLengthTotal += terms.length;
  }

  /** Replies in the window (now - span, now). */
  recentReplies(user: string, now: number, span: number): number {
    const times = this.replyTimes.get(user);
    if (!times) return 0;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= now - span) lo = mid + 1;
      else hi = mid;
    }
    return times.length - lo;
  }

  /** BM25 between the question and the member's profile (their replies + the questions they replied to). */
  profileScore(user: string, query: readonly string[]): number {
    const p = this.profile.get(user);
    if (!p) return 0;
    const n = this.profile.size;
    const avg = this.docLengthTotal / Math.max(1, n);
    const dl = this.docLength.get(user) ?? 0;
    let score = 0;
    for (const t of new Set(query)) {
      const tf = p.get(t);
      if (!tf) continue;
      const df = this.docFreq.get(t) ?? 0;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * dl) / avg));
    }
    return score;
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics

export const METHODS = [
  'convene',
  'random',
  'most-active',
  'recently-active',
  'tfidf-profile',
  'decayed-first-replies',
  'recent-first-responders',
] as const;
export const BASELINES = METHODS.filter((m) => m !== 'convene');
export type Method = (typeof METHODS)[number];
export const TARGETS = ['first', 'any', 'accepted'] as const;
/**
 * all; nudge: the first reply came 4 h or more after the question (what Convene would nudge); slow:
 * 24 h or more (what it escalates); no-top3: the first responder other than the three top helpers.
 * The same nudge and slow questions ranked at the nudge, 4 h on (everyone knowing what happened in
 * those hours, and that nobody answered): nudge-at-4h, slow-at-4h.
 */
export const SUBSETS = ['all', 'nudge', 'slow', 'no-top3', 'nudge-at-4h', 'slow-at-4h'] as const;

export interface Cell {
  hit1: number;
  hit5: number;
  hit10: number;
  mrr: number;
  n: number;
}

/** Convene's MRR minus the best baseline's on one target/subset, with its paired bootstrap 95% interval. */
export interface Lead {
  baseline: Method;
  diff: number;
  lo: number;
  hi: number;
  n: number;
}

export interface EvalResult {
  methods: Record<Method, Record<string, Cell>>;
  /** Per target/subset: Convene against the baseline with the highest MRR there. */
  lead: Record<string, Lead>;
  meta: {
    cutoff: string;
    /** Where testing stops (exclusive); null: the end of the archive. */
    until: string | null;
    questions: number;
    top3: string[];
    /** How Convene's router was set for the test: fitted on the questions before the cut-off, or the shipped defaults. */
    model: string;
    /** The fit (learners tried on the validation part of the history before the cut-off), when there was one. */
    fit: FittedRouter | null;
    /** Share of targets (first responders) who had posted before the question: the best any ranker can reach. */
    coverage: number;
  };
}

/** Mean rank with ties split evenly: a ranker that gives everyone the same score gets no credit. */
function rankOf(target: string, scores: ReadonlyMap<string, number>, skip: ReadonlySet<string>): number {
  const mine = scores.get(target);
  if (mine === undefined) return Number.POSITIVE_INFINITY;
  let above = 0;
  let ties = 0;
  for (const [m, v] of scores) {
    if (m === target || skip.has(m)) continue;
    if (v > mine) above += 1;
    else if (v === mine) ties += 1;
  }
  return 1 + above + ties / 2;
}

class Tally {
  hit1 = 0;
  hit5 = 0;
  hit10 = 0;
  rr = 0;
  n = 0;
  /** Each question's reciprocal rank, in the order asked (the same order for every method: paired). */
  readonly rrs: number[] = [];
  add(rank: number): void {
    this.n += 1;
    this.rrs.push(Number.isFinite(rank) ? 1 / rank : 0);
    if (rank <= 1) this.hit1 += 1;
    if (rank <= 5) this.hit5 += 1;
    if (rank <= 10) this.hit10 += 1;
    if (Number.isFinite(rank)) this.rr += 1 / rank;
  }
  cell(): Cell {
    const d = Math.max(1, this.n);
    const r = (x: number) => Math.round((x / d) * 1000) / 1000;
    return { hit1: r(this.hit1), hit5: r(this.hit5), hit10: r(this.hit10), mrr: r(this.rr), n: this.n };
  }
}

/** A small seeded generator (mulberry32) so that the random baseline is the same every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The mean of a − b over paired per-question values, and the 95% interval of that mean from 2,000
 * paired bootstrap resamples (questions drawn with replacement, both methods' values together).
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  resamples = 2000,
): { diff: number; lo: number; hi: number; n: number } {
  const n = Math.min(a.length, b.length);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  if (n === 0) return { diff: 0, lo: 0, hi: 0, n: 0 };
  const d = Array.from({ length: n }, (_, i) => a[i]! - b[i]!);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const random = seeded(7);
  const means: number[] = [];
  for (let k = 0; k < resamples; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[Math.floor(random() * n)]!;
    means.push(s / n);
  }
  means.sort((x, y) => x - y);
  return {
    diff: r3(mean),
    lo: r3(means[Math.floor(0.025 * resamples)]!),
    hi: r3(means[Math.ceil(0.975 * resamples) - 1]!),
    n,
  };
}

/** Default cutoff: the start of the last 20% of the archive's time span. */
export function defaultCutoff(archive: Archive): number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const p of archive.posts) {
    const t = Date.parse(p.created_at);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return lo + 0.8 * (hi - lo);
}

/**
 * What the fit learns from one question asked before `cutoff`: every router candidate's features as
 * they stood when it was asked, and who answered first — only when that first reply came before the
 * cut-off too (a reply after it is the future). Null: nobody answered it before the cut-off.
 */
export function trainingQuestion(ctx: RankingContext, cutoff: number): TrainingQuestion | null {
  const q = ctx.question;
  if (q.first === null || q.firstAt === null || q.firstAt >= cutoff) return null;
  const cands = candidateFeatures(
    ctx.index,
    { askerId: q.asker, terms: q.terms, channelId: q.channel },
    { now: ctx.now },
  );
  return {
    askedAt: q.askedAt,
    rows: featureRows(cands.map((c) => c.features)),
    target: cands.findIndex((c) => c.memberId === q.first),
    waitMs: q.firstAt - q.askedAt,
    ignored: [],
  };
}

/** Convene's full ordering of the candidates as scores: router-scored first, then by recency. */
export function conveneScores(ctx: RankingContext, weights: RouterWeights = DEFAULT_WEIGHTS): Map<string, number> {
  const scored = scoreCandidates(
    ctx.index,
    { askerId: ctx.question.asker, terms: ctx.question.terms, channelId: ctx.question.channel },
    { now: ctx.now, weights },
  ).sort((a, b) => b.score - a.score);
  const scores = new Map<string, number>();
  let position = 0;
  for (const r of scored) scores.set(r.memberId, -position++);
  for (const s of ctx.index.recentSlots()) {
    const id = ctx.index.idOf(s);
    if (!scores.has(id) && id !== ctx.question.asker) scores.set(id, -position++);
  }
  const out = new Map<string, number>();
  for (const c of ctx.candidates) out.set(c, scores.get(c) ?? -position);
  return out;
}

export function evaluate(
  archive: Archive,
  options: { cutoff?: number; until?: number; weights?: RouterWeights; fit?: boolean } = {},
): EvalResult {
  const cutoff = options.cutoff ?? defaultCutoff(archive);
  const until = options.until ?? Number.POSITIVE_INFINITY;
  // Convene as the bot runs it: fitted on the questions before the cut-off (and the first replies
  // that came before it), unless weights are given or the fit is turned off.
  const fitting = options.weights === undefined && options.fit !== false;
  const history: TrainingQuestion[] = [];
  let fitted: FittedRouter | null = null;
  let weights = options.weights;
  const random = seeded(20240601);
  const tallies = new Map<string, Tally>();
  const tally = (method: Method, target: string, subset: string) => {
    const key = `${method}|${target}/${subset}`;
    let t = tallies.get(key);
    if (!t) {
      t = new Tally();
      tallies.set(key, t);
    }
    return t;
  };
  let top3: string[] = [];
  let top3Set = new Set<string>();
  let asked = 0;
  let firstTargets = 0;
  let covered = 0;

  const scoresOf = (ctx: RankingContext, state: BaselineState): Record<Method, Map<string, number>> => {
    const q = ctx.question;
    return {
      convene: conveneScores(ctx, weights),
      random: new Map(ctx.candidates.map((c) => [c, random()])),
      'most-active': new Map(ctx.candidates.map((c) => [c, state.posts.get(c) ?? 0])),
      'recently-active': new Map(ctx.candidates.map((c) => [c, state.recentReplies(c, ctx.now, 90 * DAY_MS)])),
      'tfidf-profile': new Map(ctx.candidates.map((c) => [c, state.profileScore(c, q.terms)])),
      'decayed-first-replies': new Map(ctx.candidates.map((c) => [c, state.decayedFirsts(c, ctx.now)])),
      // Whoever answered a question first most recently (never: last).
      'recent-first-responders': new Map(
        ctx.candidates.map((c) => [c, state.lastFirstAt.get(c) ?? Number.NEGATIVE_INFINITY]),
      ),
    };
  };
  const targetsOf = (q: Question): Record<(typeof TARGETS)[number], string[]> => ({
    first: q.first ? [q.first] : [],
    any: q.responders,
    accepted: q.accepted ? [q.accepted] : [],
  });
  const none = new Set<string>();

  const onQuestion = (ctx: RankingContext, state: BaselineState) => {
    if (ctx.now < cutoff) {
      const sample = trainingQuestion(ctx, cutoff);
      if (sample) history.push(sample);
      return;
    }
    if (fitting && fitted === null) {
      fitted = fitRouter(history);
      weights = fitted.weights;
    }
    if (asked === 0) {
      // Top helpers as of the cutoff: the three members with the most replies before it.
      top3 = [...state.repliesTotal.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([m]) => m);
      top3Set = new Set(top3);
    }
    asked += 1;
    const q = ctx.question;
    const scores = scoresOf(ctx, state);
    if (q.first) {
      firstTargets += 1;
      if (scores.random.has(q.first)) covered += 1;
    }
    const slow = q.firstAt !== null && q.firstAt - q.askedAt >= DAY_MS;
    const nudge = q.firstAt !== null && q.firstAt - q.askedAt >= NUDGE_AFTER_MS;
    const targets = targetsOf(q);
    const firstNotTop = q.responders.find((r) => !top3Set.has(r));
    const targetsNoTop: Record<(typeof TARGETS)[number], string[]> = {
      first: firstNotTop ? [firstNotTop] : [],
      any: q.responders.filter((r) => !top3Set.has(r)),
      accepted: q.accepted && !top3Set.has(q.accepted) ? [q.accepted] : [],
    };
    for (const method of METHODS) {
      const s = scores[method];
      for (const target of TARGETS) {
        const t = targets[target];
        if (t.length > 0) {
          const best = Math.min(...t.map((m) => rankOf(m, s, none)));
          tally(method, target, 'all').add(best);
          if (nudge) tally(method, target, 'nudge').add(best);
          if (slow) tally(method, target, 'slow').add(best);
        }
        const tn = targetsNoTop[target];
        if (tn.length > 0) tally(method, target, 'no-top3').add(Math.min(...tn.map((m) => rankOf(m, s, top3Set))));
      }
    }
  };

  // The same questions ranked when the bot would nudge them (4 h on, still unanswered), by everyone
  // with what was known at that moment.
  const onNudge = (ctx: RankingContext, state: BaselineState) => {
    const q = ctx.question;
    if (q.askedAt < cutoff || q.askedAt >= until || q.firstAt === null) return;
    const scores = scoresOf(ctx, state);
    const slow = q.firstAt - q.askedAt >= DAY_MS;
    const targets = targetsOf(q);
    for (const method of METHODS) {
      for (const target of TARGETS) {
        const t = targets[target];
        if (t.length === 0) continue;
        const best = Math.min(...t.map((m) => rankOf(m, scores[method], none)));
        tally(method, target, 'nudge-at-4h').add(best);
        if (slow) tally(method, target, 'slow-at-4h').add(best);
      }
    }
  };

  replay(archive, { from: fitting ? Number.NEGATIVE_INFINITY : cutoff, to: until }, onQuestion, onNudge);

  // No question after the cut-off: still report the model it would have ranked with.
  if (fitting && fitted === null) fitted = fitRouter(history);

  const methods = {} as EvalResult['methods'];
  for (const method of METHODS) {
    methods[method] = {};
    for (const target of TARGETS)
      for (const subset of SUBSETS) methods[method][`${target}/${subset}`] = tally(method, target, subset).cell();
  }
  const lead: Record<string, Lead> = {};
  for (const target of TARGETS) {
    for (const subset of SUBSETS) {
      const key = `${target}/${subset}`;
      const best = BASELINES.reduce((a, b) => (methods[b][key]!.mrr > methods[a][key]!.mrr ? b : a));
      lead[key] = {
        baseline: best,
        ...pairedBootstrap(tally('convene', target, subset).rrs, tally(best, target, subset).rrs),
      };
    }
  }
  return {
    methods,
    lead,
    meta: {
      cutoff: new Date(cutoff).toISOString().slice(0, 10),
      until: Number.isFinite(until) ? new Date(until).toISOString().slice(0, 10) : null,
      questions: asked,
      top3,
      model: options.weights
        ? 'given weights'
        : fitted
          ? `fitted: ${(fitted as FittedRouter).learner}`
          : 'shipped defaults',
      fit: fitted,
      coverage: Math.round((covered / Math.max(1, firstTargets)) * 1000) / 1000,
    },
  };
}

export function formatTable(result: EvalResult): string {
  const lines: string[] = [];
  const { meta } = result;
  lines.push(
    `Routing eval: ${meta.questions} questions from ${meta.cutoff}${meta.until ? ` until ${meta.until}` : ''}; first responders with earlier posts (coverage) ${meta.coverage}; top 3 helpers ${meta.top3.join(', ')}`,
  );
  lines.push(`Convene's router: ${meta.model}`);
  if (meta.fit && meta.fit.tried.length > 0) {
    const v = meta.fit.validation;
    lines.push(
      `  learners on the validation questions (the last quarter before the cut-off, ${v.n} answered, ${v.nudgeN} nudge-like), first responder MRR:`,
    );
    for (const t of meta.fit.tried)
      lines.push(`    ${t.learner.padEnd(28)} all ${t.all.toFixed(3)}  nudge ${t.nudge.toFixed(3)}`);
    lines.push(`  fitted on ${meta.fit.questions} answered questions`);
  }
  for (const target of TARGETS) {
    for (const subset of SUBSETS) {
      const n = result.methods.convene[`${target}/${subset}`]!.n;
      lines.push('', `target ${target} · ${subset} (n=${n})`);
      lines.push(`  ${'method'.padEnd(24)} ${['Hit@1', 'Hit@5', 'Hit@10', 'MRR'].map((h) => h.padStart(7)).join('')}`);
      for (const method of METHODS) {
        const c = result.methods[method][`${target}/${subset}`]!;
        lines.push(
          `  ${method.padEnd(24)} ${[c.hit1, c.hit5, c.hit10, c.mrr].map((v) => v.toFixed(3).padStart(7)).join('')}`,
        );
      }
      const l = result.lead[`${target}/${subset}`]!;
      if (l.n === 0) continue;
      lines.push(
        `  convene − ${l.baseline}: ${l.diff >= 0 ? '+' : ''}${l.diff.toFixed(3)} MRR, 95% CI [${l.lo.toFixed(3)}, ${l.hi.toFixed(3)}] (paired bootstrap)`,
      );
    }
  }
  return lines.join('\n');
}

function parseArgs(argv: readonly string[]): {
  data: string;
  json: boolean;
  cutoff?: number;
  until?: number;
  weights?: RouterWeights;
  format: 'forum' | 'irc' | 'auto';
} {
  let format: 'forum' | 'irc' | 'auto' = 'auto';
  let data: string | undefined;
  let json = false;
  let cutoff: number | undefined;
  let until: number | undefined;
  const day = (text: string, flag: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new Error(`${flag} expects YYYY-MM-DD, got "${text}"`);
    return Date.parse(`${text}T00:00:00Z`);
  };
  let weights: RouterWeights | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--data') data = argv[++i];
    else if (arg === '--json') json = true;
    // The shipped weights as Convene (no fit on the history): to compare with the fitted router.
    else if (arg === '--defaults') weights = DEFAULT_WEIGHTS;
    else if (arg === '--format') {
      const f = argv[++i];
      if (f !== 'forum' && f !== 'irc') throw new Error(`--format expects forum or irc, got "${f}"`);
      format = f;
    } else if (arg === '--cutoff') cutoff = day(argv[++i] ?? '', '--cutoff');
    // For the validation period (what tuneRouting.ts tunes on): --cutoff START --until END.
    else if (arg === '--until') until = day(argv[++i] ?? '', '--until');
    else if (arg === '--weights') {
      // For experiments: override some router weights, e.g. --weights '{"since":0.5}'.
      weights = { ...DEFAULT_WEIGHTS, ...(JSON.parse(argv[++i] ?? '{}') as Partial<RouterWeights>) };
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!data)
    throw new Error(
      'usage: npm run eval:routing -- --data DIR [--format forum|irc] [--json] [--cutoff YYYY-MM-DD] [--until YYYY-MM-DD]',
    );
  return { data, json, cutoff, until, weights, format };
}

/** Run the eval as the command line does; returns what it prints. */
export function main(argv: readonly string[]): string {
  const args = parseArgs(argv);
  const result = evaluate(loadArchive(args.data, args.format), {
    cutoff: args.cutoff,
    until: args.until,
    weights: args.weights,
  });
  return args.json ? `${JSON.stringify(result)}\n` : `${formatTable(result)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(main(process.argv.slice(2)));
}
