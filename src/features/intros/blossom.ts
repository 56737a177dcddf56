/**
 * Maximum-weight matching in a general graph: Edmonds' blossom algorithm with the primal-dual
 * method, after Galil's survey ("Efficient algorithms for finding maximum matching in graphs",
 * ACM Computing Surveys 1986) in the array layout popularised by J. van Rantwijk's reference
 * implementation (O(n³) worst case; far less on the sparse candidate graphs intros builds).
 *
 * Written here rather than taken from npm: the packages available (edmonds-blossom 1.0.0 and its
 * "-fixed" fork) are unmaintained untyped ports of the same code with known bugs, whereas this
 * one is typed, uses typed arrays (a 100k-vertex round fits in memory) and is tested against brute
 * force on thousands of random graphs (test/features/intros/match.test.ts).
 *
 * Weights must be integers (the caller scales scores): with integer weights every dual variable
 * stays an integer (duals are kept doubled), so no floating-point tie can make the result wrong.
 *
 * Vertices are 0..n-1; non-trivial blossoms n..2n-1. Edge k has endpoints 2k and 2k+1.
 */

export interface MatchingGraph {
  /** Number of vertices. */
  n: number;
  from: ArrayLike<number>;
  to: ArrayLike<number>;
  /** Integer weights (≥ 0). */
  weight: ArrayLike<number>;
}

/**
 * mate[v] is the vertex matched to v, or -1. With `maxCardinality`, only matchings of maximum
 * size are considered (a round wants everyone paired first, then the best pairs).
 */
/** A binary min-heap of (key, a, b) triples for the delta steps; stale entries are skipped on read. */
class DeltaHeap {
  private keys: number[] = [];
  private as: number[] = [];
  private bs: number[] = [];
  get size() {
    return this.keys.length;
  }
  clear() {
    this.keys.length = 0;
    this.as.length = 0;
    this.bs.length = 0;
  }
  push(key: number, a: number, b: number) {
    const { keys, as, bs } = this;
    let i = keys.length;
    keys.push(key);
    as.push(a);
    bs.push(b);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      as[i] = as[parent]!;
      bs[i] = bs[parent]!;
      i = parent;
    }
    keys[i] = key;
    as[i] = a;
    bs[i] = b;
  }
  topKey() {
    return this.keys[0]!;
  }
  topA() {
    return this.as[0]!;
  }
  topB() {
    return this.bs[0]!;
  }
  pop() {
    const { keys, as, bs } = this;
    const last = keys.length - 1;
    const key = keys[last]!;
    const a = as[last]!;
    const b = bs[last]!;
    keys.length = last;
    as.length = last;
    bs.length = last;
    if (last === 0) return;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && keys[child + 1]! < keys[child]!) child++;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      as[i] = as[child]!;
      bs[i] = bs[child]!;
      i = child;
    }
    keys[i] = key;
    as[i] = a;
    bs[i] = b;
  }
}

export interface MatchingOptions {
  /** Only matchings of maximum size count (then the heaviest of those). */
  maxCardinality?: boolean;
  /**
   * The textbook schedule: drop every label after each augmentation and grow all trees again.
   * Off by default: only the two trees that augmented are dissolved and the search goes on, which
   * makes a 10k-member round ~10× faster. Kept for the equivalence tests.
   */
  restartEachAugmentation?: boolean;
}

