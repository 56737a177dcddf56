import { describe, expect, it } from 'vitest';
import { maxWeightMatching } from '../../../src/features/intros/blossom.js';
import {
  cleanEdges,
  formGroups,
  greedyPairs,
  matchingScore,
  matchPairs,
  type ScoredEdge,
} from '../../../src/features/intros/match.js';

/** Deterministic random numbers (LCG) so every run checks the same graphs. */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

type Edge = [number, number, number];

function randomGraph(r: () => number, n: number, p: number, maxWeight: number, maxEdges = Infinity): Edge[] {
  const edges: Edge[] = [];
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) if (r() < p) edges.push([a, b, Math.floor(r() * maxWeight)]);
  return edges.slice(0, maxEdges);
}

/** The best matching by trying every subset of edges: [weight, size]. */
function bruteForce(n: number, edges: Edge[], maxCardinality: boolean): [number, number] {
  let best: [number, number] = [0, 0];
  const used = new Array(n).fill(false);
  const visit = (i: number, w: number, c: number) => {
    if (i === edges.length) {
      const better = maxCardinality ? c > best[1] || (c === best[1] && w > best[0]) : w > best[0];
      if (better) best = [w, c];
      return;
    }
    visit(i + 1, w, c);
    const [a, b, x] = edges[i]!;
    if (!used[a] && !used[b]) {
      used[a] = used[b] = true;
      visit(i + 1, w + x, c + 1);
      used[a] = used[b] = false;
    }
  };
  visit(0, 0, 0);
  return best;
}

function run(n: number, edges: Edge[], options: { maxCardinality?: boolean; restartEachAugmentation?: boolean } = {}) {
  const mate = maxWeightMatching(
    { n, from: edges.map((e) => e[0]), to: edges.map((e) => e[1]), weight: edges.map((e) => e[2]) },
    options,
  );
  let weight = 0;
  let size = 0;
  for (const [a, b, w] of edges) {
    if (mate[a] === b) {
      weight += w;
      size++;
    }
  }
  return { mate, weight, size };
}

describe('maximum-weight matching (blossom)', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'GIVEN 400 random small graphs (seed %i) THEN the matching weighs as much as the best found by brute force',
    (seed) => {
      const r = rng(seed);
      for (let t = 0; t < 400; t++) {
        const n = 2 + Math.floor(r() * 8);
        const edges = randomGraph(r, n, 0.55, r() < 0.3 ? 4 : 30, 16);
        const maxCardinality = r() < 0.5;
        const got = run(n, edges, { maxCardinality });
        const [weight, size] = bruteForce(n, edges, maxCardinality);
        expect(got.weight).toBe(weight);
        if (maxCardinality) expect(got.size).toBe(size);
        for (let v = 0; v < n; v++) if (got.mate[v]! >= 0) expect(got.mate[got.mate[v]!]).toBe(v);
      }
    },
  );

  it('GIVEN medium graphs THEN keeping the search forest across augmentations finds the same optimum as restarting it', () => {
    const r = rng(99);
    for (let t = 0; t < 60; t++) {
      const n = 30 + Math.floor(r() * 150);
      const edges = randomGraph(r, n, 4 / n, r() < 0.3 ? 3 : 1000);
      for (const maxCardinality of [false, true]) {
        const fast = run(n, edges, { maxCardinality });
        const slow = run(n, edges, { maxCardinality, restartEachAugmentation: true });
        expect([fast.weight, fast.size]).toEqual([slow.weight, slow.size]);
      }
    }
  });

  it.each([
    [
      'a path where the middle edge is heaviest',
      4,
      [
        [0, 1, 5],
        [1, 2, 6],
        [2, 3, 5],
      ] as Edge[],
      10,
    ],
    [
      'an odd cycle with a tail (a blossom)',
      6,
      [
        [0, 1, 8],
        [1, 2, 9],
        [2, 0, 10],
        [2, 3, 7],
        [3, 4, 6],
        [4, 5, 8],
      ] as Edge[],
      23,
    ],
    ['no edges', 3, [] as Edge[], 0],
  ])('GIVEN %s THEN the total weight is the optimum', (_name, n, edges, expected) => {
    expect(run(n, edges).weight).toBe(expected);
  });

  it('GIVEN a non-integer weight THEN it refuses (exact integer duals are what make it correct)', () => {
    expect(() => maxWeightMatching({ n: 2, from: [0], to: [1], weight: [1.5] })).toThrow(/integer/);
  });
});

describe('greedy vs maximum weight', () => {
  it('GIVEN a path whose middle edge is heaviest THEN greedy takes it and loses total score', () => {
    const edges: ScoredEdge[] = [
      { a: 0, b: 1, score: 0.5 },
      { a: 1, b: 2, score: 0.6 },
      { a: 2, b: 3, score: 0.5 },
    ];
    expect(matchingScore(greedyPairs(4, edges), edges)).toBeCloseTo(0.6);
    expect(matchingScore(matchPairs(4, edges, false), edges)).toBeCloseTo(1.0);
  });
});

describe('formGroups', () => {
  const complete = (n: number, score: (a: number, b: number) => number): ScoredEdge[] => {
    const out: ScoredEdge[] = [];
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) out.push({ a, b, score: score(a, b) });
    return out;
  };

  it.each([2, 3, 4, 5, 7, 10, 11])('GIVEN a pool of %i in pairs THEN everyone is in exactly one group', (n) => {
    const groups = formGroups(
      n,
      complete(n, (a, b) => 1 + ((a * 7 + b * 3) % 5)),
      { size: 2 },
    );
    const seen = groups.flatMap((g) => g.members).sort((x, y) => x - y);
    expect(seen).toEqual([...Array(n).keys()]);
    const threes = groups.filter((g) => g.members.length === 3).length;
    expect(threes).toBe(n % 2);
    expect(groups.every((g) => g.members.length === 2 || g.members.length === 3)).toBe(true);
  });

  it('GIVEN an odd pool THEN the odd member joins the group they score best with', () => {
    // 0-1 and 2-3 are strong pairs; 4 gets on with 2 and 3, not with 0 and 1.
    const s = (a: number, b: number) =>
      (a === 0 && b === 1) || (a === 2 && b === 3) ? 5 : b === 4 && a >= 2 ? 2 : 0.1;
    const groups = formGroups(5, complete(5, s), { size: 2 });
    expect(groups.map((g) => g.members)).toContainEqual([2, 3, 4]);
  });

  it('GIVEN forbidden pairs (recent rounds) THEN they are never grouped, even as a fallback', () => {
    const forbidden = (a: number, b: number) => (a === 0 && b === 1) || (a === 1 && b === 0);
    const edges = complete(4, (a, b) => (a === 0 && b === 1 ? 100 : 1));
    const groups = formGroups(4, edges, { size: 2, forbidden, fallback: () => 1 });
    for (const g of groups) expect(g.members.includes(0) && g.members.includes(1)).toBe(false);
    expect(groups.flatMap((g) => g.members).sort()).toEqual([0, 1, 2, 3]);
  });

  it('GIVEN members with no candidate edge THEN the fallback scorer pairs them', () => {
    const groups = formGroups(4, [{ a: 0, b: 1, score: 1 }], { size: 2, fallback: () => 0 });
    expect(groups.map((g) => g.members)).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it.each([
    [6, [3, 3]],
    [7, [2, 2, 3]],
    [8, [2, 3, 3]],
    [9, [3, 3, 3]],
  ])('GIVEN size 3 and a pool of %i THEN the groups are %j', (n, sizes) => {
    const groups = formGroups(
      n,
      complete(n, (a, b) => 1 + ((a + b) % 4)),
      { size: 3 },
    );
    expect(groups.map((g) => g.members.length).sort()).toEqual(sizes);
    expect(groups.flatMap((g) => g.members).sort((x, y) => x - y)).toEqual([...Array(n).keys()]);
  });

  it('GIVEN duplicate and self edges THEN cleaning keeps one edge per pair with its best score', () => {
    expect(
      cleanEdges([
        { a: 1, b: 0, score: 1 },
        { a: 0, b: 1, score: 3 },
        { a: 2, b: 2, score: 9 },
        { a: 2, b: 3, score: 0 },
      ]),
    ).toEqual([{ a: 0, b: 1, score: 3 }]);
  });
});
