/**
 * Scoring a pair of members for an introduction (pure: `now` comes in through the context).
 *
 * A score multiplies how much two people have to talk about (shared topics, declared interests,
 * one asking about what the other answers, the same channels, people in common) by whether an
 * introduction is worth making now: both recently active, awake at the same hours, not already
 * talking to each other, not a hub everybody already knows, not just introduced to someone else,
 * and nothing in past feedback against it. Each score keeps its reasons (as data, rendered into
 * one or two true lines by reasons.ts) so that every suggestion explains itself.
 *
 * Consent is checked here too, not only in the store query: a member outside `ctx.consented` is
 * dropped from every input before anything is scored.
 */

import { hoursOverlap, offsetOverlap, utcOffsetHours } from './hours.js';
import { answerWeight, type CommunityStats, type Profile } from './profile.js';

const DAY_MS = 86_400_000;

export type Reason =
  /**
   * Shared topics, strongest first: `terms` are stems (for matching), `words` the ones worth
   * showing, as the members wrote them (profile.forms); empty when none is.
   */
  | { kind: 'topics'; terms: string[]; words?: string[]; weight: number }
  /** Interests both declared, as typed by the first member. */
  | { kind: 'interests'; items: string[]; weight: number }
  /**
   * `helper` answered `count` questions about `term` (this month when `recent`), the last at
   * `lastAt`; `word` is the term as written (absent: the term is not worth showing).
   */
  | {
      kind: 'answers';
      helper: string;
      asker: string;
      term: string;
      word?: string;
      count: number;
      recent: boolean;
      lastAt?: number;
      weight: number;
    }
  /** `newcomer` is new here and `guide` has been helping people. */
  | { kind: 'newcomer'; newcomer: string; guide: string; weight: number }
  | { kind: 'channels'; channelIds: string[]; weight: number }
  /** `count` people both talk with; `memberIds`: the ones they talk with most (named in the reason). */
  | { kind: 'mutuals'; count: number; memberIds?: string[]; weight: number }
  | { kind: 'bridge'; weight: number }
  | { kind: 'hours'; weight: number };

export interface PairScore {
  a: string;
  b: string;
  score: number;
  /** Strongest first, at most MAX_REASONS. */
  reasons: Reason[];
}

export interface PairOutcome {
  /** When they were last introduced (or one asked to meet the other). */
  at: number;
  outcome: 'pending' | 'met' | 'not_yet' | 'declined' | 'none';
}

/** What past introductions say (empty for a community that never ran one). */
export interface IntroHistory {
  /** Times of each member's recent introductions (fatigue). */
  recentIntros: ReadonlyMap<string, readonly number[]>;
  /** Past pairs, by pairKey(a, b). */
  pairs: ReadonlyMap<string, PairOutcome>;
  /** Follow-through: how often a member's intros ended in "we met" vs "not yet". */
  feedback: ReadonlyMap<string, { met: number; notYet: number }>;
}

export const emptyHistory = (): IntroHistory => ({ recentIntros: new Map(), pairs: new Map(), feedback: new Map() });

export interface ScoreContext {
  profiles: ReadonlyMap<string, Profile>;
  stats: CommunityStats;
  /** Members who joined intros and have not left. Nobody else is ever scored or suggested. */
  consented: ReadonlySet<string>;
  history: IntroHistory;
  now: number;
}

export const MAX_REASONS = 3;

/**
 * Weights of the parts of a score. Tuned on the urho3d archive with splits at 2016-01-01 and
 * 2017-01-01, earlier than the splits `npm run eval:intros` reports (2019-01-01 and the default), so
 * the report is not fitted to. The relevance weights barely move the AUC (±0.003); what moves it is
 * how activity enters (see `activeness`) and which terms a profile keeps (profile.ts).
 */
export const WEIGHTS = {
  topics: 1,
  interests: 0.6,
  answers: 0.8,
  newcomer: 0.3,
  channels: 0.3,
  mutuals: 0.6,
  bridge: 0.1,
  /** Activity credited to someone who declared a profile but has not posted (yet). */
  declaredActivity: 0.25,
  minActivity: 0.01,
  /** A pair that already talks a lot gains nothing from an intro. */
  alreadyTalking: 0.15,
  /** Fatigue: each intro in the last 4 weeks divides by (1 + this). */
  fatigue: 0.5,
  /** How hard the top-1% hubs are held back (1 = not at all). */
  hub: 0.5,
} as const;

export const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/**
 * How much a member is around: √(decayed message count). On the urho3d archive the square root
 * ranks as well as the raw count (AUC 0.891 vs 0.890 on the tuning splits) while letting a very
 * active member outweigh a moderately active one less. Someone who filled in a profile but has not
 * posted yet still counts a little, so newcomers can be introduced.
 */
const activeness = (p: Profile) =>
  Math.sqrt(p.activity + (p.declared ? WEIGHTS.declaredActivity : WEIGHTS.minActivity));

/** Journey stages (the default track's first two) that mean "new here". */
const NEW_STAGES = new Set(['arrived', 'introduced', 'newcomer', 'new']);

function isNewcomer(p: Profile, now: number): boolean {
  if (p.stage) return NEW_STAGES.has(p.stage);
  const joined = p.joinedAt ?? p.firstSeenAt;
  return now - joined < 45 * DAY_MS || p.messageCount < 10;
}

interface Complement {
  value: number;
  term: string;
  count: number;
  recent: number;
  lastAt: number;
}

/** The word to show for a term two people share: the first one's way of writing it, else the other's. */
const wordOf = (t: string, a: Profile, b: Profile) => a.forms.get(t) ?? b.forms.get(t);

/**
 * How much `helper` answers what `asker` asks about (0..1), and the strongest term (one worth
 * showing first: a stronger term that is not says nothing to them).
 */
function complement(asker: Profile, helper: Profile): Complement | null {
  let best: Complement | null = null;
  let bestValue = 0;
  let bestShown = false;
  let sum = 0;
  for (const [t, asked] of asker.asked) {
    const ans = helper.answered.get(t);
    if (!ans) continue;
    const rarity = asker.terms.get(t) ?? helper.terms.get(t) ?? 0.02;
    const value = rarity * Math.min(1, Math.log1p(answerWeight(ans)) / LOG8) * Math.min(1, asked / 2);
    sum += value;
    const shown = wordOf(t, helper, asker) !== undefined;
    if (!best || (shown && !bestShown) || (shown === bestShown && value > bestValue)) {
      best = { value: 0, term: t, count: ans[0], recent: ans[1], lastAt: ans[3] };
      bestValue = value;
      bestShown = shown;
    }
  }
  if (!best) return null;
  best.value = Math.min(1, sum);
  return best;
}

const LOG8 = Math.log(8);
const FATIGUE_WINDOW = 28 * DAY_MS;

function recentCount(times: readonly number[] | undefined, now: number): number {
  if (!times) return 0;
  let n = 0;
  for (const t of times) if (now - t < FATIGUE_WINDOW) n++;
  return n;
}

function followThrough(f: { met: number; notYet: number } | undefined): number {
  // People who never follow through weigh less, never zero.
  return f && f.met + f.notYet >= 2 ? 0.6 + 0.4 * (f.met / (f.met + f.notYet)) : 1;
}

const byWeight = (x: { weight: number }, y: { weight: number }) => y.weight - x.weight;
const bySecond = (x: [string, number], y: [string, number]) => y[1] - x[1];

/**
 * Score one pair. Returns null when either member has not consented (or is the same member).
 * `withReasons: false` skips building the reasons (a round scores many candidate pairs and
 * explains only the groups it makes). Written without per-call closures: a round calls it for
 * hundreds of thousands of pairs.
 */
export function scorePair(aId: string, bId: string, ctx: ScoreContext, withReasons = true): PairScore | null {
  if (aId === bId || !ctx.consented.has(aId) || !ctx.consented.has(bId)) return null;
  const a = ctx.profiles.get(aId);
  const b = ctx.profiles.get(bId);
  if (!a || !b) return null;
  const { now, stats } = ctx;
  const reasons: Reason[] = [];

  // Shared topics: cosine of the rarity-weighted term vectors.
  let topics = 0;
  const shared: [string, number][] = [];
  const small = a.terms.size <= b.terms.size ? a.terms : b.terms;
  const large = small === a.terms ? b.terms : a.terms;
  for (const [t, w] of small) {
    const v = large.get(t);
    if (v !== undefined) {
      topics += w * v;
      if (withReasons) shared.push([t, w * v]);
    }
  }
  if (withReasons && shared.length > 0) {
    shared.sort(bySecond);
    const words: string[] = [];
    for (const [t] of shared) {
      const w = wordOf(t, a, b);
      if (w !== undefined && !words.some((x) => x.toLowerCase() === w.toLowerCase())) words.push(w);
      if (words.length === 3) break;
    }
    reasons.push({
      kind: 'topics',
      terms: shared.slice(0, 3).map((x) => x[0]),
      words,
      weight: WEIGHTS.topics * topics,
    });
  }

  // Declared interests both listed.
  let interests = 0;
  if (a.interestTerms.length > 0 && b.interestTerms.length > 0) {
    const common: string[] = [];
    for (const t of a.interestTerms) if (b.interestTerms.includes(t)) common.push(t);
    if (common.length > 0) {
      interests = Math.min(1, common.length / 2);
      if (withReasons) {
        const items = (a.declared?.interests ?? []).filter((i) => common.some((t) => i.toLowerCase().includes(t)));
        reasons.push({
          kind: 'interests',
          items: items.length > 0 ? items : common,
          weight: WEIGHTS.interests * interests,
        });
      }
    }
  }

  // Complementary: one asks about what the other answers.
  const ab = a.asked.size > 0 && b.answered.size > 0 ? complement(a, b) : null;
  const ba = b.asked.size > 0 && a.answered.size > 0 ? complement(b, a) : null;
  const best = ab && (!ba || ab.value >= ba.value) ? ab : ba;
  const answers = best ? best.value : 0;
  if (withReasons && best) {
    const [asker, helper] = best === ab ? [a, b] : [b, a];
    const recent = best.recent >= 2;
    const word = wordOf(best.term, helper, asker);
    reasons.push({
      kind: 'answers',
      helper: helper.memberId,
      asker: asker.memberId,
      term: best.term,
      ...(word !== undefined ? { word } : {}),
      count: recent ? best.recent : best.count,
      recent,
      ...(best.lastAt > 0 ? { lastAt: best.lastAt } : {}),
      weight: WEIGHTS.answers * answers,
    });
  }

  // A newcomer with someone who has been helping people.
  let newcomer = 0;
  const aNew = isNewcomer(a, now);
  const bNew = isNewcomer(b, now);
  if (aNew !== bNew) {
    const [n, g] = aNew ? [a, b] : [b, a];
    if (g.helpfulness + g.answersThisMonth > 0) {
      newcomer =
        Math.min(1, 0.5 + 0.1 * (g.acceptedThisMonth + g.answersThisMonth)) * (topics > 0 || answers > 0 ? 1 : 0.3);
      if (withReasons)
        reasons.push({
          kind: 'newcomer',
          newcomer: n.memberId,
          guide: g.memberId,
          weight: WEIGHTS.newcomer * newcomer,
        });
    }
  }

  // The same channels and forum tags.
  let channels = 0;
  const sharedChannels: [string, number][] = [];
  for (const [c, share] of a.channels) {
    const other = b.channels.get(c);
    if (other !== undefined) {
      channels += Math.min(share, other);
      if (withReasons && !c.startsWith('tag:')) sharedChannels.push([c, Math.min(share, other)]);
    }
  }
  if (sharedChannels.length > 0) {
    sharedChannels.sort(bySecond);
    reasons.push({
      kind: 'channels',
      channelIds: sharedChannels.slice(0, 2).map((x) => x[0]),
      weight: WEIGHTS.channels * channels * 0.5,
    });
  }

  // People in common (Adamic–Adar: a friend who knows everyone says little).
  let mutualCount = 0;
  let adamicAdar = 0;
  const na = a.neighbours.size <= b.neighbours.size ? a.neighbours : b.neighbours;
  const nb = na === a.neighbours ? b.neighbours : a.neighbours;
  const mutualTies: [string, number][] = [];
  for (const [z, wz] of na) {
    const other = nb.get(z);
    if (other !== undefined) {
      mutualCount++;
      const dz = stats.degree.get(z) ?? a.neighbourDegree.get(z) ?? b.neighbourDegree.get(z) ?? 2;
      adamicAdar += 1 / Math.log(1 + Math.max(2, dz));
      if (withReasons) mutualTies.push([z, Math.min(wz, other)]);
    }
  }
  const mutuals = 1 - Math.exp(-adamicAdar);
  if (withReasons && mutualCount > 0) {
    mutualTies.sort(bySecond);
    reasons.push({
      kind: 'mutuals',
      count: mutualCount,
      memberIds: mutualTies.slice(0, 2).map(([z]) => z),
      weight: WEIGHTS.mutuals * mutuals * 0.5,
    });
  }

  // Bridges: people in different parts of the community who share a topic.
  const ca = stats.community.get(aId);
  const cb = stats.community.get(bId);
  const bridge = ca !== undefined && cb !== undefined && ca !== cb && topics + answers > 0.05 ? 1 : 0;
  if (withReasons && bridge) reasons.push({ kind: 'bridge', weight: WEIGHTS.bridge * 0.5 });

  const relevance =
    WEIGHTS.topics * topics +
    WEIGHTS.interests * interests +
    WEIGHTS.answers * answers +
    WEIGHTS.newcomer * newcomer +
    WEIGHTS.channels * channels +
    WEIGHTS.mutuals * mutuals +
    WEIGHTS.bridge * bridge;
  if (relevance <= 0) return { a: aId, b: bId, score: 0, reasons: [] };

  // Whether an introduction is worth making now.
  const activity = Math.sqrt(activeness(a) * activeness(b));
  let hours = hoursOverlap(a.hours, b.hours);
  const oa = a.declared?.timezone ? utcOffsetHours(a.declared.timezone, now) : null;
  const ob = b.declared?.timezone ? utcOffsetHours(b.declared.timezone, now) : null;
  if (oa !== null && ob !== null) hours = offsetOverlap(oa, ob);
  const hoursFactor = hours === null ? 1 : 0.6 + 0.4 * hours;
  if (withReasons && hours !== null && hours > 0.75) reasons.push({ kind: 'hours', weight: 0.05 });

  const tie = a.neighbours.get(bId) ?? b.neighbours.get(aId) ?? 0;
  const novelty = tie > 0 ? WEIGHTS.alreadyTalking + (1 - WEIGHTS.alreadyTalking) * Math.exp(-tie) : 1;
  let hubFactor = 1;
  if ((stats.degree.get(aId) ?? 0) >= stats.hubDegree) hubFactor *= WEIGHTS.hub;
  if ((stats.degree.get(bId) ?? 0) >= stats.hubDegree) hubFactor *= WEIGHTS.hub;

  const { history } = ctx;
  let fatigue = 1;
  let feedback = 1;
  if (history.recentIntros.size > 0) {
    fatigue /= 1 + WEIGHTS.fatigue * recentCount(history.recentIntros.get(aId), now);
    fatigue /= 1 + WEIGHTS.fatigue * recentCount(history.recentIntros.get(bId), now);
  }
  if (history.pairs.size > 0) {
    const past = history.pairs.get(pairKey(aId, bId));
    // Declined: not again for half a year. Met or pending: they know each other now.
    if (past) {
      if (past.outcome === 'declined') feedback = now - past.at < 180 * DAY_MS ? 0 : 0.3;
      else if (past.outcome === 'met' || past.outcome === 'pending') feedback = 0;
      else feedback = 0.5;
    }
  }
  if (history.feedback.size > 0) {
    feedback *= followThrough(history.feedback.get(aId)) * followThrough(history.feedback.get(bId));
  }

  const score = relevance * activity * hoursFactor * novelty * hubFactor * fatigue * feedback;
  if (reasons.length > 1) reasons.sort(byWeight);
  return { a: aId, b: bId, score, reasons: reasons.length > MAX_REASONS ? reasons.slice(0, MAX_REASONS) : reasons };
}

/** Keep only consenting members with a profile: the scorer's own consent gate for any pool. */
export function consentingPool(pool: Iterable<string>, ctx: ScoreContext): string[] {
  const out: string[] = [];
  for (const id of pool) if (ctx.consented.has(id) && ctx.profiles.has(id)) out.push(id);
  return out;
}
