/**
 * The link-prediction protocol used to measure introductions on a real archive (Liben-Nowell &
 * Kleinberg 2007 style, as /work/shared/data/README.md describes): train on interactions before a
 * cut-off, take the "core" members (degree ≥ 3 in training), and ask which core pairs that never
 * interacted before the cut-off first interact within a year after it. Every method scores all
 * non-adjacent core pairs; we report AUC (positive vs negative pairs, ties count half), precision at
 * n = number of new pairs as a multiple of random, and the share of the top n suggestions that
 * involve the 1% most-connected members (hub share).
 */

const YEAR_MS = 365 * 86_400_000;

export interface Interaction {
  a: string;
  b: string;
  at: number;
}

export interface Split {
  cutoff: number;
  /** Training adjacency (undirected, distinct partners). */
  train: Map<string, Set<string>>;
  /** Core members: degree ≥ 3 in training, sorted. */
  core: string[];
  /** New pairs among core members in [cutoff, cutoff + 1 year), as "i,j" index pairs (i < j). */
  positives: Set<number>;
  /** Members whose training degree puts them in the top 1% of the core. */
  hubs: Set<string>;
}

export const MIN_CORE_DEGREE = 3;

export function splitInteractions(interactions: readonly Interaction[], cutoff: number, horizon = YEAR_MS): Split {
  const train = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!train.has(a)) train.set(a, new Set());
    train.get(a)!.add(b);
  };
  for (const { a, b, at } of interactions) {
    if (a === b || at >= cutoff) continue;
    link(a, b);
    link(b, a);
  }
  const core = [...train].filter(([, nb]) => nb.size >= MIN_CORE_DEGREE).map(([id]) => id);
  core.sort();
  const index = new Map(core.map((id, i) => [id, i]));
  const n = core.length;
  const positives = new Set<number>();
  for (const { a, b, at } of interactions) {
    if (a === b || at < cutoff || at >= cutoff + horizon) continue;
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined || train.get(a)!.has(b)) continue;
    positives.add(i < j ? i * n + j : j * n + i);
  }
  const byDegree = [...core].sort((x, y) => train.get(y)!.size - train.get(x)!.size || (x < y ? -1 : 1));
  const hubs = new Set(byDegree.slice(0, Math.max(1, Math.ceil(core.length * 0.01))));
  return { cutoff, train, core, positives, hubs };
}

export interface MethodResult {
  auc: number;
  precision_at_n: number;
  lift: number;
  hub_share: number;
}

/** Evaluate a scorer over all non-adjacent core pairs of the split. */
export function evaluateMethod(split: Split, score: (a: string, b: string) => number): MethodResult {
  const { core, train, positives, hubs } = split;
  const n = core.length;
  const scores: number[] = [];
  const isPositive: boolean[] = [];
  const pairs: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = core[i]!;
    const nbA = train.get(a)!;
    for (let j = i + 1; j < n; j++) {
      const b = core[j]!;
      if (nbA.has(b)) continue;
      scores.push(score(a, b));
      isPositive.push(positives.has(i * n + j));
      pairs.push(i * n + j);
    }
  }
  const total = scores.length;
  const pos = isPositive.filter(Boolean).length;
  const neg = total - pos;
  // AUC by ranks (Mann–Whitney U), ties sharing their average rank.
  const order = scores.map((_, k) => k).sort((x, y) => scores[x]! - scores[y]!);
  let rankSumPos = 0;
  for (let k = 0; k < total; ) {
    let l = k;
    while (l + 1 < total && scores[order[l + 1]!] === scores[order[k]!]) l++;
    const avgRank = (k + l) / 2 + 1;
    for (let q = k; q <= l; q++) if (isPositive[order[q]!]) rankSumPos += avgRank;
    k = l + 1;
  }
  const auc = pos === 0 || neg === 0 ? 0.5 : (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
  // Precision at n = number of new pairs; ties at the cut are broken by pair order (deterministic).
  const top = order.slice(-pos).reverse();
  let hits = 0;
  let withHub = 0;
  for (const k of top) {
    if (isPositive[k]) hits++;
    const p = pairs[k]!;
    if (hubs.has(core[Math.floor(p / n)]!) || hubs.has(core[p % n]!)) withHub++;
  }
  const precision = pos === 0 ? 0 : hits / pos;
  const randomPrecision = total === 0 ? 0 : pos / total;
  return {
    auc,
    precision_at_n: precision,
    lift: randomPrecision === 0 ? 0 : precision / randomPrecision,
    hub_share: top.length === 0 ? 0 : withHub / top.length,
  };
}

/** Share of the true new pairs that involve a hub: what a scorer's hub share is measured against. */
export function positivesHubShare(split: Split): number {
  const { core, positives, hubs } = split;
  const n = core.length;
  if (positives.size === 0) return 0;
  let withHub = 0;
  for (const p of positives) if (hubs.has(core[Math.floor(p / n)]!) || hubs.has(core[p % n]!)) withHub++;
  return withHub / positives.size;
}

/**
 * The time-aware baseline: the product of both members' activity before the cut-off, each
 * post counting half as much every `halfLife` (60 days): "both are active lately".
 */
export function decayedActivity(
  posts: readonly { memberId: string; at: number }[],
  cutoff: number,
  halfLife = 60 * 86_400_000,
): (a: string, b: string) => number {
  const activity = new Map<string, number>();
  for (const { memberId, at } of posts) {
    if (at >= cutoff) continue;
    activity.set(memberId, (activity.get(memberId) ?? 0) + 0.5 ** ((cutoff - at) / halfLife));
  }
  return (a, b) => (activity.get(a) ?? 0) * (activity.get(b) ?? 0);
}

/** The classic neighbourhood baselines over the training graph, and a seeded random one. */
export function baselines(split: Split, seed = 1): Record<string, (a: string, b: string) => number> {
  const { train } = split;
  const common = (a: string, b: string) => {
    const [x, y] =
      train.get(a)!.size <= train.get(b)!.size ? [train.get(a)!, train.get(b)!] : [train.get(b)!, train.get(a)!];
    const out: string[] = [];
    for (const z of x) if (y.has(z)) out.push(z);
    return out;
  };
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: reproducible across runs and platforms.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
  return {
    random: () => random(),
    common_neighbours: (a, b) => common(a, b).length,
    adamic_adar: (a, b) => common(a, b).reduce((s, z) => s + 1 / Math.log(train.get(z)!.size), 0),
    preferential_attachment: (a, b) => train.get(a)!.size * train.get(b)!.size,
  };
}
