/**
 * The router fitted to one community: the weights of route.ts's linear score, learned from the
 * community's own past (each earlier question, the features of every candidate as they stood when it
 * was asked, and who answered it first). Pure: plain samples in, weights out.
 *
 * The model stays the router's linear score, so a fitted model is as cheap to apply as the shipped
 * one and its "why" still comes from each feature's contribution (route.ts contributions()).
 *
 * The learner is chosen by validation on the most recent part of the history given (never on what
 * follows it): the shipped defaults, a listwise softmax (conditional logit) and a pairwise logistic
 * ranker, each shrunk toward the shipped defaults; the winner is refitted on the whole history.
 * Nudge feedback enters as pairs: a peer who was nudged and did not answer within 24 h should rank
 * below the one who answered first.
 */
import { DEFAULT_WEIGHTS, type Features, type RouterWeights } from './route.js';

export const FEATURE_KEYS = [
  'expertise',
  'repliesShort',
  'repliesLong',
  'firsts',
  'firstShare',
  'activityShort',
  'activityLong',
  'since',
  'sinceReply',
  'hour',
  'weekday',
  'fast',
  'asker',
  'channel',
  'tenure',
] as const satisfies readonly (keyof Features)[];
const F = FEATURE_KEYS.length;

/** Below this many answered questions in the history, a community keeps the shipped defaults. */
export const MIN_HISTORY = 200;
/** The most recent questions a fit reads: bounds memory and time in a large community. */
export const MAX_HISTORY = 4000;
/** A question whose first reply took this long is one Convene would have nudged. */
export const NUDGE_AFTER_MS = 4 * 3_600_000;

/** The learner recorded when a community has too little history to fit. */
export const FALLBACK = 'shipped defaults (too little history)';

export interface TrainingQuestion {
  askedAt: number;
  /**
   * Every router candidate's features, FEATURE_KEYS order, one row after another (a typed array:
   * thousands of questions × hundreds of candidates stay out of the garbage collector's way).
   */
  rows: Float64Array;
  /** Index of the first responder among the candidates, -1 when they were not one. */
  target: number;
  /** Time from the question to the first reply. */
  waitMs: number;
  /** Candidates who were nudged about it and did not answer within 24 h. */
  ignored: number[];
}

export interface FittedRouter {
  weights: RouterWeights;
  learner: string;
  /** Answered questions in the history it read. */
  questions: number;
  /** Validation MRR (first responder) of the chosen learner, on all and on the nudge-like questions. */
  validation: { all: number; nudge: number; n: number; nudgeN: number };
  /** Every learner tried, with its validation figures (for the eval's report). */
  tried: { learner: string; all: number; nudge: number }[];
}

interface Learner {
  name: string;
  loss: 'listwise' | 'pairwise' | 'none';
  l2: number;
  /** Weight of a nudge-like question (first reply ≥ 4 h) in the loss. */
  nudgeWeight: number;
}

export const LEARNERS: readonly Learner[] = [
  { name: 'shipped defaults', loss: 'none', l2: 0, nudgeWeight: 1 },
  { name: 'listwise, l2 1', loss: 'listwise', l2: 1, nudgeWeight: 1 },
  { name: 'listwise, l2 0.1', loss: 'listwise', l2: 0.1, nudgeWeight: 1 },
  { name: 'listwise, nudge ×3, l2 1', loss: 'listwise', l2: 1, nudgeWeight: 3 },
  { name: 'pairwise, l2 1', loss: 'pairwise', l2: 1, nudgeWeight: 1 },
];

/** Fewer nudge-like validation questions than this: the learner is chosen on all questions only. */
const MIN_NUDGE_VALIDATION = 30;
/** Share of the history (the most recent) held out to choose the learner. */
const VALIDATION_SHARE = 0.25;
const EPOCHS = 120;
/** Negatives kept per training question: the hardest under the shipped weights, then a spread of the rest. */
const HARD_NEGATIVES = 40;
const OTHER_NEGATIVES = 40;

interface Packed {
  /** Row 0 is the target, then the negatives; F values per row. */
  x: Float64Array;
  rows: number;
  /** Rows (≥ 1) that were nudged and ignored. */
  ignored: number[];
  weight: number;
}

/** Candidates' features as rows (see TrainingQuestion.rows). */
export function featureRows(candidates: readonly Features[]): Float64Array {
  const rows = new Float64Array(candidates.length * F);
  candidates.forEach((c, r) => {
    for (let j = 0; j < F; j++) rows[r * F + j] = c[FEATURE_KEYS[j]!];
  });
  return rows;
}

const countOf = (q: TrainingQuestion) => q.rows.length / F;

/** Σ weight × feature of one row, summed in FEATURE_KEYS order (as `linear` does). */
function rowScore(wv: readonly number[], rows: Float64Array, r: number): number {
  let s = 0;
  for (let j = 0; j < F; j++) s += wv[j]! * rows[r * F + j]!;
  return s;
}

/** MRR of the first responder over full candidate lists (ties split evenly, as the eval counts). */
export function mrrOf(questions: readonly TrainingQuestion[], w: RouterWeights): number {
  const wv = FEATURE_KEYS.map((k) => w[k]);
  let total = 0;
  let n = 0;
  for (const q of questions) {
    if (q.target < 0) continue;
    n += 1;
    const score = (r: number) => rowScore(wv, q.rows, r);
    const mine = score(q.target);
    let above = 0;
    let ties = 0;
    for (let i = 0; i < countOf(q); i++) {
      if (i === q.target) continue;
      const v = score(i);
      if (v > mine) above += 1;
      else if (v === mine) ties += 1;
    }
    total += 1 / (1 + above + ties / 2);
  }
  return n === 0 ? 0 : total / n;
}

/** mrrOf a slice at a time, yielding between slices. */
function* mrrSteps(questions: readonly TrainingQuestion[], w: RouterWeights): Generator<void, number> {
  let total = 0;
  let n = 0;
  for (let i = 0; i < questions.length; i += QUESTIONS_PER_STEP) {
    const slice = questions.slice(i, i + QUESTIONS_PER_STEP);
    const answered = slice.filter((q) => q.target >= 0).length;
    total += mrrOf(slice, w) * answered;
    n += answered;
    yield;
  }
  return n === 0 ? 0 : total / n;
}

/** A deterministic spread of indices (no randomness: the same history fits the same model). */
function spread(count: number, k: number): number[] {
  if (count <= k) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * count) / k));
}

function pack(q: TrainingQuestion, nudgeWeight: number, mean: number[], std: number[]): Packed {
  const dv = FEATURE_KEYS.map((k) => DEFAULT_WEIGHTS[k]);
  const count = countOf(q);
  const base = Array.from({ length: count }, (_, r) => rowScore(dv, q.rows, r));
  const others = base.map((_, i) => i).filter((i) => i !== q.target);
  others.sort((a, b) => base[b]! - base[a]! || a - b);
  const hard = others.slice(0, HARD_NEGATIVES);
  const rest = others.slice(HARD_NEGATIVES);
  const keep = [q.target, ...hard, ...spread(rest.length, OTHER_NEGATIVES).map((i) => rest[i]!)];
  for (const i of q.ignored) if (i !== q.target && !keep.includes(i)) keep.push(i);
  const x = new Float64Array(keep.length * F);
  keep.forEach((c, r) => {
    for (let j = 0; j < F; j++) x[r * F + j] = (q.rows[c * F + j]! - mean[j]!) / std[j]!;
  });
  const ignored = q.ignored.filter((i) => i !== q.target).map((i) => keep.indexOf(i));
  return { x, rows: keep.length, ignored, weight: q.waitMs >= NUDGE_AFTER_MS ? nudgeWeight : 1 };
}

/** Questions handled between two yields outside the epochs (packing, scaling, scoring the validation). */
const QUESTIONS_PER_STEP = 100;

/** Mean and spread of each feature over all candidates (to fit on a common scale). */
function* scaleOf(questions: readonly TrainingQuestion[]): Generator<void, { mean: number[]; std: number[] }> {
  const sum = new Array<number>(F).fill(0);
  const sq = new Array<number>(F).fill(0);
  let n = 0;
  for (let i = 0; i < questions.length; i++) {
    if (i % QUESTIONS_PER_STEP === QUESTIONS_PER_STEP - 1) yield;
    const q = questions[i]!;
    for (let r = 0; r < countOf(q); r++) {
      for (let j = 0; j < F; j++) {
        const v = q.rows[r * F + j]!;
        sum[j]! += v;
        sq[j]! += v * v;
      }
      n += 1;
    }
  }
  const mean = sum.map((s) => s / Math.max(1, n));
  const std = sq.map((s, j) => Math.sqrt(Math.max(0, s / Math.max(1, n) - mean[j]! ** 2)) || 1);
  return { mean, std };
}

/**
 * Fit one learner: Adam on the loss, in standardized units, starting from and shrunk toward the
 * shipped defaults. A generator: it yields after each epoch so that a caller on the event loop can
 * give way (see fitRouterAsync); the weights are its return value.
 */
function* fitLearner(questions: readonly TrainingQuestion[], learner: Learner): Generator<void, RouterWeights> {
  if (learner.loss === 'none') return DEFAULT_WEIGHTS;
  const { mean, std } = yield* scaleOf(questions);
  const packed: Packed[] = [];
  for (const q of questions) {
    if (q.target < 0) continue;
    packed.push(pack(q, learner.nudgeWeight, mean, std));
    if (packed.length % QUESTIONS_PER_STEP === 0) yield;
  }
  const prior = FEATURE_KEYS.map((k, j) => DEFAULT_WEIGHTS[k] * std[j]!);
  const w = [...prior];
  const m = new Array<number>(F).fill(0);
  const v = new Array<number>(F).fill(0);
  const total = packed.reduce((s, p) => s + p.weight, 0) || 1;
  const rate = 0.05;
  const scores = new Float64Array(256);
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    const grad = w.map((wj, j) => (learner.l2 * (wj - prior[j]!)) / Math.sqrt(total));
    for (const p of packed) {
      const { x, rows } = p;
      const s = scores.length >= rows ? scores : new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        let d = 0;
        for (let j = 0; j < F; j++) d += w[j]! * x[r * F + j]!;
        s[r] = d;
      }
      const scale = p.weight / total;
      if (learner.loss === 'listwise') {
        let max = Number.NEGATIVE_INFINITY;
        for (let r = 0; r < rows; r++) max = Math.max(max, s[r]!);
        let z = 0;
        for (let r = 0; r < rows; r++) z += Math.exp(s[r]! - max);
        for (let r = 0; r < rows; r++) {
          const g = (Math.exp(s[r]! - max) / z - (r === 0 ? 1 : 0)) * scale;
          for (let j = 0; j < F; j++) grad[j]! += g * x[r * F + j]!;
        }
      } else {
        for (let r = 1; r < rows; r++) {
          const g = (-1 / (1 + Math.exp(s[0]! - s[r]!)) / (rows - 1)) * scale;
          for (let j = 0; j < F; j++) grad[j]! += g * (x[j]! - x[r * F + j]!);
        }
      }
      // Feedback: the one who answered first above each nudged peer who did not answer.
      for (const r of p.ignored) {
        const g = (-1 / (1 + Math.exp(s[0]! - s[r]!))) * scale;
        for (let j = 0; j < F; j++) grad[j]! += g * (x[j]! - x[r * F + j]!);
      }
    }
    for (let j = 0; j < F; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * grad[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * grad[j]! ** 2;
      const mh = m[j]! / (1 - 0.9 ** epoch);
      const vh = v[j]! / (1 - 0.999 ** epoch);
      w[j]! -= (rate * mh) / (Math.sqrt(vh) + 1e-8);
    }
    yield;
  }
  const out: RouterWeights = { ...DEFAULT_WEIGHTS };
  FEATURE_KEYS.forEach((k, j) => {
    out[k] = w[j]! / std[j]!;
  });
  return out;
}

/**
 * Choose the learner on the most recent quarter of `history` (fitted on the rest), then refit it on
 * all of it. Below MIN_HISTORY answered questions: the shipped defaults, untouched. Yields as it
 * goes (one epoch at a time).
 */
export function* fitRouterSteps(history: readonly TrainingQuestion[]): Generator<void, FittedRouter> {
  const sorted = [...history].sort((a, b) => a.askedAt - b.askedAt).slice(-MAX_HISTORY);
  // Every question in the history was answered before the cut-off (a first responder who had not
  // posted before is no candidate, target -1: it counts as history but teaches nothing).
  const answered = sorted;
  const fallback = (why: string): FittedRouter => ({
    weights: DEFAULT_WEIGHTS,
    learner: why,
    questions: answered.length,
    validation: { all: 0, nudge: 0, n: 0, nudgeN: 0 },
    tried: [],
  });
  if (answered.length < MIN_HISTORY) return fallback(FALLBACK);
  const split = Math.floor(sorted.length * (1 - VALIDATION_SHARE));
  const train = sorted.slice(0, split);
  const valid = sorted.slice(split).filter((q) => q.target >= 0);
  const validNudge = valid.filter((q) => q.waitMs >= NUDGE_AFTER_MS);
  const tried: FittedRouter['tried'] = [];
  let best: { learner: Learner; objective: number; all: number; nudge: number } | null = null;
  for (const learner of LEARNERS) {
    const w = yield* fitLearner(train, learner);
    const all = yield* mrrSteps(valid, w);
    const nudge = yield* mrrSteps(validNudge, w);
    tried.push({ learner: learner.name, all: round3(all), nudge: round3(nudge) });
    // The bot exists for the questions left open: the nudge-like ones count as much as all of them,
    // when there are enough of them to say anything (chat answers within minutes: a handful).
    const objective = validNudge.length >= MIN_NUDGE_VALIDATION ? (all + nudge) / 2 : all;
    if (!best || objective > best.objective) best = { learner, objective, all, nudge };
  }
  const weights = yield* fitLearner(sorted, best!.learner);
  return {
    weights,
    learner: best!.learner.name,
    questions: answered.length,
    validation: { all: round3(best!.all), nudge: round3(best!.nudge), n: valid.length, nudgeN: validNudge.length },
    tried,
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The whole fit at once (the eval, tests). */
export function fitRouter(history: readonly TrainingQuestion[]): FittedRouter {
  const steps = fitRouterSteps(history);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** The fit on the event loop, giving way between epochs so that no step blocks for long. */
export async function fitRouterAsync(history: readonly TrainingQuestion[]): Promise<FittedRouter> {
  const steps = fitRouterSteps(history);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
