/**
 * A round: the whole pool paired at once (pure).
 *
 * Pairs come from a maximum-weight matching over the scored candidate edges (Edmonds' blossom
 * algorithm, ./blossom.ts), maximum cardinality first so that as many people as possible get
 * someone, then the best total score. Pairs introduced within the last rounds are never edges.
 * People the matching leaves alone (no candidate edge left) are paired among themselves with the
 * fallback scorer, and an odd one out joins the group where they add the most. With size 3, the
 * weakest pairs are dissolved and their members placed as thirds into the best remaining pairs.
 *
 * A greedy matcher (heaviest edge first) is kept for comparison: the eval reports what it loses.
 */
import { maxWeightMatching } from './blossom.js';

export interface ScoredEdge {
  /** Indexes into the pool. */
  a: number;
  b: number;
  score: number;
}

export interface Group {
  /** Indexes into the pool, sorted. */
  members: number[];
  /** Sum of the pair scores inside the group. */
  score: number;
}

export interface RoundOptions {
  size: 2 | 3;
  matcher?: 'blossom' | 'greedy';
  /** Pairs that must not be grouped (introduced within the last rounds). */
  forbidden?: (a: number, b: number) => boolean;
  /** Score of any pair, for the few people without a candidate edge (null: not allowed). */
  fallback?: (a: number, b: number) => number | null;
}

const FALLBACK_ALL = 300;
const FALLBACK_WINDOW = 40;

/** Scores are floats; the blossom wants integers (exactness): 1e-6 resolution is plenty. */
const SCALE = 1_000_000;

export const edgeWeight = (score: number) => Math.max(0, Math.round(score * SCALE));

/** Maximum-weight matching over scored edges: mate[i] = j or -1. */
export function matchPairs(n: number, edges: readonly ScoredEdge[], maxCardinality = true): Int32Array {
  const from = new Int32Array(edges.length);
  const to = new Int32Array(edges.length);
  const weight = new Float64Array(edges.length);
  edges.forEach((e, k) => {
    from[k] = e.a;
    to[k] = e.b;
    weight[k] = edgeWeight(e.score);
  });
  return maxWeightMatching({ n, from, to, weight }, { maxCardinality });
}

/** Heaviest edge first, skipping anyone already paired. */
export function greedyPairs(n: number, edges: readonly ScoredEdge[]): Int32Array {
  const mate = new Int32Array(n).fill(-1);
  const order = edges.map((_, k) => k).sort((x, y) => edges[y]!.score - edges[x]!.score || x - y);
  for (const k of order) {
    const { a, b } = edges[k]!;
    if (mate[a] === -1 && mate[b] === -1 && a !== b) {
      mate[a] = b;
      mate[b] = a;
    }
  }
  return mate;
}

/** Merge duplicate edges (keep the best score), drop self-loops, forbidden and non-positive ones. */
export function cleanEdges(edges: readonly ScoredEdge[], forbidden?: (a: number, b: number) => boolean): ScoredEdge[] {
  const best = new Map<string, ScoredEdge>();
  for (const e of edges) {
    if (e.a === e.b || !(e.score > 0) || forbidden?.(e.a, e.b)) continue;
    const [a, b] = e.a < e.b ? [e.a, e.b] : [e.b, e.a];
    const key = `${a},${b}`;
    const cur = best.get(key);
    if (!cur || e.score > cur.score) best.set(key, { a, b, score: e.score });
  }
  return [...best.values()];
}

/** Total score of a matching over the given edges. */
export function matchingScore(mate: Int32Array, edges: readonly ScoredEdge[]): number {
  let total = 0;
  for (const e of edges) if (mate[e.a] === e.b) total += e.score;
  return total;
}

/** Group the pool 0..n-1: everyone in exactly one group (when any allowed partner exists). */
export function formGroups(n: number, edges: readonly ScoredEdge[], options: RoundOptions): Group[] {
  const clean = cleanEdges(edges, options.forbidden);
  const scoreOf = new Map<string, number>();
  for (const e of clean) scoreOf.set(`${e.a},${e.b}`, e.score);
  const allowed = (a: number, b: number) => a !== b && !options.forbidden?.(a, b);
  const pairScore = (a: number, b: number): number | null => {
    if (!allowed(a, b)) return null;
    const known = scoreOf.get(a < b ? `${a},${b}` : `${b},${a}`);
    if (known !== undefined) return known;
    return options.fallback?.(a, b) ?? null;
  };

  const mate = options.matcher === 'greedy' ? greedyPairs(n, clean) : matchPairs(n, clean, true);
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) if (mate[i]! > i) pairs.push([i, mate[i]!]);

  // People without a usable candidate edge: pair them with each other by the fallback scorer.
  let alone = [...Array(n).keys()].filter((i) => mate[i] === -1);
  if (alone.length >= 2 && options.fallback) {
    const extra: ScoredEdge[] = [];
    // Everyone with everyone while few are left; beyond that, each with the next FALLBACK_WINDOW
    // (the fallback scorer is the full scorer: all pairs of thousands would be millions of scores).
    const window = alone.length <= FALLBACK_ALL ? alone.length : FALLBACK_WINDOW;
    for (let x = 0; x < alone.length; x++) {
      for (let y = x + 1; y < Math.min(alone.length, x + 1 + window); y++) {
        const s = pairScore(alone[x]!, alone[y]!);
        // Small positive floor: a pair with nothing in common still beats nobody (they opted in).
        if (s !== null) extra.push({ a: alone[x]!, b: alone[y]!, score: Math.max(s, 1e-6) });
      }
    }
    const sub = matchPairs(n, extra, true);
    for (const i of alone) if (sub[i]! > i) pairs.push([i, sub[i]!]);
    alone = alone.filter((i) => sub[i] === -1);
  }

  let groups: number[][] = pairs.map(([a, b]) => [a, b]);
  if (options.size === 3) {
    groups = inThrees(n, groups, alone, pairScore);
    alone = groups.filter((g) => g.length === 1).map((g) => g[0]!);
    groups = groups.filter((g) => g.length > 1);
  }
  // Whoever is still alone joins the group where they add the most (never one they may not meet).
  for (const i of alone) placeBest(groups, i, pairScore, options.size + 1);

  return groups.map((g) => {
    const members = [...g].sort((x, y) => x - y);
    let score = 0;
    for (let x = 0; x < members.length; x++)
      for (let y = x + 1; y < members.length; y++) score += pairScore(members[x]!, members[y]!) ?? 0;
    return { members, score };
  });
}

/** Add member `i` to the group it adds most to, among groups smaller than `maxSize` it may join. */
function placeBest(groups: number[][], i: number, pairScore: (a: number, b: number) => number | null, maxSize: number) {
  let best = -1;
  let bestGain = Number.NEGATIVE_INFINITY;
  groups.forEach((g, gi) => {
    if (g.length >= maxSize) return;
    let gain = 0;
    for (const j of g) {
      const s = pairScore(i, j);
      if (s === null) return;
      gain += s;
    }
    if (gain > bestGain) [best, bestGain] = [gi, gain];
  });
  if (best >= 0) groups[best]!.push(i);
  return best >= 0;
}

/**
 * Threes from pairs: n = 3T + r people make T threes (r = 0), T-1 threes and two pairs (r = 1) or
 * T threes and a pair (r = 2). The strongest pairs are kept (one per group), everyone else becomes
 * a single, and singles go to kept pairs by a second matching (single × pair, weight = what the
 * single adds to both). Returns groups; a member that could go nowhere is returned alone.
 */
function inThrees(
  n: number,
  pairs: number[][],
  alone: number[],
  pairScore: (a: number, b: number) => number | null,
): number[][] {
  if (n < 3) return [...pairs, ...alone.map((i) => [i])];
  const threes = Math.floor(n / 3);
  const groupsWanted = n % 3 === 0 ? threes : threes + 1;
  const ranked = pairs.map((g) => ({ g, s: pairScore(g[0]!, g[1]!) ?? 0 })).sort((x, y) => y.s - x.s);
  const kept = ranked.slice(0, groupsWanted).map((x) => [...x.g]);
  let singles = [...ranked.slice(groupsWanted).flatMap((x) => x.g), ...alone];
  // Too few pairs (a sparse pool): make more from the singles.
  while (kept.length < groupsWanted && singles.length >= 2) {
    const [x, ...rest] = singles;
    const j = rest.findIndex((y) => pairScore(x!, y) !== null);
    if (j < 0) break;
    kept.push([x!, rest[j]!]);
    singles = rest.filter((_, k) => k !== j);
  }
  const S = singles.length;
  const edges: ScoredEdge[] = [];
  singles.forEach((s, si) => {
    kept.forEach((pair, pi) => {
      if (pair.length !== 2) return;
      const x = pairScore(s, pair[0]!);
      const y = pairScore(s, pair[1]!);
      if (x !== null && y !== null) edges.push({ a: si, b: S + pi, score: Math.max(1e-6, x + y) });
    });
  });
  const mate = matchPairs(S + kept.length, edges, true);
  const left: number[] = [];
  singles.forEach((s, si) => {
    const pi = mate[si]!;
    if (pi >= S) kept[pi - S]!.push(s);
    else left.push(s);
  });
  // Singles the matching could not place: a pair without a third, else any group they may join.
  const out = kept;
  const lone: number[][] = [];
  for (const i of left) if (!placeBest(out, i, pairScore, 3) && !placeBest(out, i, pairScore, 4)) lone.push([i]);
  return [...out, ...lone];
}
