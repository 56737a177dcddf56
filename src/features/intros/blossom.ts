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

/**
 * mate[v] is the vertex matched to v, or -1. With `maxCardinality`, only matchings of maximum
 * size are considered (a round wants everyone paired first, then the best pairs).
 */
export function maxWeightMatching(graph: MatchingGraph, options: MatchingOptions = {}): Int32Array {
  const maxCardinality = options.maxCardinality ?? false;
  const restart = options.restartEachAugmentation ?? false;
  const { n, from, to, weight } = graph;
  const m = from.length;
  const result = new Int32Array(n).fill(-1);
  if (n === 0 || m === 0) return result;

  let maxWeight = 0;
  for (let k = 0; k < m; k++) {
    const w = weight[k]!;
    if (!Number.isInteger(w) || w < 0) throw new Error(`edge ${k}: weight must be a non-negative integer`);
    const a = from[k]!;
    const b = to[k]!;
    if (a === b || a < 0 || b < 0 || a >= n || b >= n) throw new Error(`edge ${k}: bad endpoints ${a}-${b}`);
    if (w > maxWeight) maxWeight = w;
  }

  const endpoint = new Int32Array(2 * m);
  const w2 = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    endpoint[2 * k] = from[k]!;
    endpoint[2 * k + 1] = to[k]!;
    w2[k] = 2 * weight[k]!;
  }
  // neighbend in CSR form: the remote endpoints of the edges at each vertex.
  const nbStart = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) {
    nbStart[from[k]! + 1]!++;
    nbStart[to[k]! + 1]!++;
  }
  for (let v = 0; v < n; v++) nbStart[v + 1]! += nbStart[v]!;
  const nbEnd = new Int32Array(2 * m);
  {
    const fill = nbStart.slice(0, n);
    for (let k = 0; k < m; k++) {
      nbEnd[fill[from[k]!]!++] = 2 * k + 1;
      nbEnd[fill[to[k]!]!++] = 2 * k;
    }
  }

  const n2 = 2 * n;
  /** Remote endpoint of v's matched edge, or -1. */
  const mate = new Int32Array(n).fill(-1);
  /** Top-level blossom label: 0 free, 1 S, 2 T (5 = S with a breadcrumb during scanBlossom). */
  const label = new Int8Array(n2);
  const labelEnd = new Int32Array(n2).fill(-1);
  const inBlossom = new Int32Array(n);
  for (let v = 0; v < n; v++) inBlossom[v] = v;
  const blossomParent = new Int32Array(n2).fill(-1);
  const blossomChilds: (number[] | null)[] = new Array(n2).fill(null);
  const blossomBase = new Int32Array(n2).fill(-1);
  for (let v = 0; v < n; v++) blossomBase[v] = v;
  const blossomEndps: (number[] | null)[] = new Array(n2).fill(null);
  const bestEdge = new Int32Array(n2).fill(-1);
  const blossomBestEdges: (number[] | null)[] = new Array(n2).fill(null);
  const unused: number[] = [];
  for (let b = n2 - 1; b >= n; b--) unused.push(b);
  /** One past the highest blossom number ever used: bounds the blossom loops. */
  let allocated = n;
  const allowEdge = new Uint8Array(m);
  const bestEdgeTo = new Int32Array(n2).fill(-1);
  let queue: number[] = [];

  // Duals move lazily: `clock` is the sum of all deltas so far and each dual is stored as a value
  // at some clock time plus a rate (S-vertex -1, T-vertex +1, top-level S-blossom +1, T-blossom -1;
  // vertex duals are doubled). A dual update is then one addition instead of a pass over the graph,
  // and the three kinds of delta come from heaps keyed by the clock time at which they hit zero.
  let clock = 0;
  const vDual0 = new Float64Array(n).fill(maxWeight);
  const vTime0 = new Float64Array(n);
  const vRate = new Int8Array(n);
  const bDual0 = new Float64Array(n2);
  const bTime0 = new Float64Array(n2);
  const bRate = new Int8Array(n2);
  const dualV = (v: number) => vDual0[v]! + vRate[v]! * (clock - vTime0[v]!);
  const dualB = (b: number) => bDual0[b]! + bRate[b]! * (clock - bTime0[b]!);
  const slack = (k: number) => dualV(endpoint[2 * k]!) + dualV(endpoint[2 * k + 1]!) - w2[k]!;
  /** delta2: free vertex → least-slack edge to an S-vertex (slack falls by 1 per clock unit). */
  const heap2 = new DeltaHeap();
  /** delta3: S-blossom → least-slack edge to another S-blossom (slack falls by 2). */
  const heap3 = new DeltaHeap();
  /** delta4: T-blossom → its dual (falls by 1). */
  const heap4 = new DeltaHeap();

  const syncVertex = (v: number) => {
    const l = label[inBlossom[v]!]!;
    const rate = l === 1 || l === 5 ? -1 : l === 2 ? 1 : 0;
    if (rate === vRate[v]) return;
    vDual0[v] = dualV(v);
    vTime0[v] = clock;
    vRate[v] = rate;
    if (rate === 0 && bestEdge[v] !== -1) heap2.push(clock + slack(bestEdge[v]!), v, bestEdge[v]!);
  };
  const syncBlossom = (b: number) => {
    if (b < n) return;
    const l = label[b]!;
    const rate = blossomParent[b] !== -1 || blossomBase[b]! < 0 ? 0 : l === 1 || l === 5 ? 1 : l === 2 ? -1 : 0;
    if (rate === bRate[b]) return;
    bDual0[b] = dualB(b);
    bTime0[b] = clock;
    bRate[b] = rate;
    if (rate === -1) heap4.push(clock + bDual0[b]!, b, 0);
  };
  const setBestEdgeOfVertex = (v: number, e: number) => {
    bestEdge[v] = e;
    if (e !== -1) heap2.push(clock + slack(e), v, e);
  };
  const setBestEdgeOfBlossom = (b: number, e: number) => {
    bestEdge[b] = e;
    if (e !== -1) heap3.push(clock + slack(e) / 2, b, e);
  };

  /** The free vertex at the root of the alternating tree a vertex was labelled in (-1: none). */
  const rootOf = new Int32Array(n).fill(-1);
  /** Vertices labelled in each root's tree (may hold stale entries: checked against rootOf). */
  const treeMembers: (number[] | undefined)[] = new Array(n);
  const stamp = new Int32Array(n);
  let stampNow = 0;

  const at = (list: number[], i: number) => list[i < 0 ? i + list.length : i]!;

  const leaves = (b: number, out: number[]) => {
    if (b < n) {
      out.push(b);
      return out;
    }
    const stack = [b];
    while (stack.length > 0) {
      const x = stack.pop()!;
      for (const c of blossomChilds[x]!) {
        if (c < n) out.push(c);
        else stack.push(c);
      }
    }
    return out;
  };

  const assignLabel = (w0: number, t0: number, p0: number) => {
    let w = w0;
    let t = t0;
    let p = p0;
    for (;;) {
      const b = inBlossom[w]!;
      label[w] = t;
      label[b] = t;
      labelEnd[w] = p;
      labelEnd[b] = p;
      bestEdge[w] = -1;
      bestEdge[b] = -1;
      const root = p === -1 ? w : rootOf[endpoint[p]!]!;
      let members = treeMembers[root];
      if (members === undefined) {
        members = [];
        treeMembers[root] = members;
      }
      const start = members.length;
      leaves(b, members);
      for (let i = start; i < members.length; i++) {
        const x = members[i]!;
        rootOf[x] = root;
        syncVertex(x);
      }
      syncBlossom(b);
      if (t === 1) {
        for (let i = start; i < members.length; i++) queue.push(members[i]!);
        return;
      }
      // b became T: its base's mate becomes S.
      const mp = mate[blossomBase[b]!]!;
      w = endpoint[mp]!;
      t = 1;
      p = mp ^ 1;
    }
  };

  /** Trace back from v and w: the base of a new blossom, or -1 for an augmenting path. */
  const scanBlossom = (v0: number, w0: number) => {
    let v = v0;
    let w = w0;
    const path: number[] = [];
    let base = -1;
    while (v !== -1 || w !== -1) {
      let b = inBlossom[v]!;
      if (label[b]! & 4) {
        base = blossomBase[b]!;
        break;
      }
      path.push(b);
      label[b] = 5;
      if (labelEnd[b] === -1) v = -1;
      else {
        v = endpoint[labelEnd[b]!]!;
        b = inBlossom[v]!;
        v = endpoint[labelEnd[b]!]!;
      }
      if (w !== -1) {
        const x = v;
        v = w;
        w = x;
      }
    }
    for (const b of path) label[b] = 1;
    return base;
  };

  const addBlossom = (base: number, k: number) => {
    let v = endpoint[2 * k]!;
    let w = endpoint[2 * k + 1]!;
    const bb = inBlossom[base]!;
    let bv = inBlossom[v]!;
    let bw = inBlossom[w]!;
    const b = unused.pop()!;
    if (b + 1 > allocated) allocated = b + 1;
    blossomBase[b] = base;
    blossomParent[b] = -1;
    blossomParent[bb] = b;
    const path: number[] = [];
    const endps: number[] = [];
    while (bv !== bb) {
      blossomParent[bv] = b;
      path.push(bv);
      endps.push(labelEnd[bv]!);
      v = endpoint[labelEnd[bv]!]!;
      bv = inBlossom[v]!;
    }
    path.push(bb);
    path.reverse();
    endps.reverse();
    endps.push(2 * k);
    while (bw !== bb) {
      blossomParent[bw] = b;
      path.push(bw);
      endps.push(labelEnd[bw]! ^ 1);
      w = endpoint[labelEnd[bw]!]!;
      bw = inBlossom[w]!;
    }
    blossomChilds[b] = path;
    blossomEndps[b] = endps;
    label[b] = 1;
    labelEnd[b] = labelEnd[bb]!;
    bDual0[b] = 0;
    bTime0[b] = clock;
    bRate[b] = 1;
    for (const sub of path) syncBlossom(sub);
    for (const x of leaves(b, [])) {
      // A T-vertex turns S by joining an S-blossom: scan it.
      if (label[inBlossom[x]!] === 2) queue.push(x);
      inBlossom[x] = b;
      syncVertex(x);
    }
    // Least-slack edges from the new blossom to each neighbouring S-blossom.
    const touched: number[] = [];
    const consider = (e: number) => {
      let j = endpoint[2 * e + 1]!;
      if (inBlossom[j] === b) j = endpoint[2 * e]!;
      const bj = inBlossom[j]!;
      if (bj !== b && label[bj] === 1) {
        const cur = bestEdgeTo[bj]!;
        if (cur === -1) {
          touched.push(bj);
          bestEdgeTo[bj] = e;
        } else if (slack(e) < slack(cur)) bestEdgeTo[bj] = e;
      }
    };
    for (const sub of path) {
      const list = blossomBestEdges[sub];
      if (list === null) {
        for (const x of leaves(sub, [])) {
          for (let q = nbStart[x]!; q < nbStart[x + 1]!; q++) consider(nbEnd[q]! >> 1);
        }
      } else for (const e of list!) consider(e);
      blossomBestEdges[sub] = null;
      bestEdge[sub] = -1;
    }
    const best: number[] = [];
    for (const bj of touched) {
      best.push(bestEdgeTo[bj]!);
      bestEdgeTo[bj] = -1;
    }
    blossomBestEdges[b] = best;
    let be = -1;
    for (const e of best) if (be === -1 || slack(e) < slack(be)) be = e;
    setBestEdgeOfBlossom(b, be);
  };

  const expandBlossom = (b: number, endStage: boolean) => {
    const childs = blossomChilds[b]!;
    const endps = blossomEndps[b]!;
    const allLeaves = leaves(b, []);
    for (const s of childs) {
      blossomParent[s] = -1;
      if (s < n) inBlossom[s] = s;
      else if (endStage && dualB(s) === 0) expandBlossom(s, endStage);
      else for (const x of leaves(s, [])) inBlossom[x] = s;
    }
    if (!endStage && label[b] === 2) {
      // Relabel the sub-blossoms of an expanding T-blossom, from where it got its label to the base.
      const entryChild = inBlossom[endpoint[labelEnd[b]! ^ 1]!]!;
      let j = childs.indexOf(entryChild);
      let jStep: number;
      let endpTrick: number;
      if (j & 1) {
        j -= childs.length;
        jStep = 1;
        endpTrick = 0;
      } else {
        jStep = -1;
        endpTrick = 1;
      }
      let p = labelEnd[b]!;
      while (j !== 0) {
        label[endpoint[p ^ 1]!] = 0;
        label[endpoint[at(endps, j - endpTrick) ^ endpTrick ^ 1]!] = 0;
        assignLabel(endpoint[p ^ 1]!, 2, p);
        allowEdge[at(endps, j - endpTrick) >> 1] = 1;
        j += jStep;
        p = at(endps, j - endpTrick) ^ endpTrick;
        allowEdge[p >> 1] = 1;
        j += jStep;
      }
      const bv = at(childs, j);
      label[endpoint[p ^ 1]!] = 2;
      label[bv] = 2;
      labelEnd[endpoint[p ^ 1]!] = p;
      labelEnd[bv] = p;
      bestEdge[bv] = -1;
      j += jStep;
      while (at(childs, j) !== entryChild) {
        const sub = at(childs, j);
        if (label[sub] === 1) {
          // Got label S through one of its neighbours meanwhile: leave it.
          j += jStep;
          continue;
        }
        let reached = -1;
        for (const x of leaves(sub, [])) {
          if (label[x] !== 0) {
            reached = x;
            break;
          }
        }
        if (reached !== -1) {
          label[reached] = 0;
          label[endpoint[mate[blossomBase[sub]!]!]!] = 0;
          assignLabel(reached, 2, labelEnd[reached]!);
        }
        j += jStep;
      }
    }
    label[b] = -1;
    labelEnd[b] = -1;
    blossomChilds[b] = null;
    blossomEndps[b] = null;
    blossomBase[b] = -1;
    blossomBestEdges[b] = null;
    bestEdge[b] = -1;
    bDual0[b] = 0;
    bRate[b] = 0;
    unused.push(b);
    for (const s of childs) syncBlossom(s);
    for (const x of allLeaves) syncVertex(x);
  };

  const augmentBlossom = (b: number, v: number) => {
    let t = v;
    while (blossomParent[t] !== b) t = blossomParent[t]!;
    if (t >= n) augmentBlossom(t, v);
    const childs = blossomChilds[b]!;
    const endps = blossomEndps[b]!;
    const i = childs.indexOf(t);
    let j = i;
    let jStep: number;
    let endpTrick: number;
    if (i & 1) {
      j -= childs.length;
      jStep = 1;
      endpTrick = 0;
    } else {
      jStep = -1;
      endpTrick = 1;
    }
    while (j !== 0) {
      j += jStep;
      t = at(childs, j);
      const p = at(endps, j - endpTrick) ^ endpTrick;
      if (t >= n) augmentBlossom(t, endpoint[p]!);
      j += jStep;
      t = at(childs, j);
      if (t >= n) augmentBlossom(t, endpoint[p ^ 1]!);
      mate[endpoint[p]!] = p ^ 1;
      mate[endpoint[p ^ 1]!] = p;
    }
    blossomChilds[b] = [...childs.slice(i), ...childs.slice(0, i)];
    blossomEndps[b] = [...endps.slice(i), ...endps.slice(0, i)];
    blossomBase[b] = blossomBase[blossomChilds[b]![0]!]!;
  };

  const augmentMatching = (k: number) => {
    const starts: [number, number][] = [
      [endpoint[2 * k]!, 2 * k + 1],
      [endpoint[2 * k + 1]!, 2 * k],
    ];
    for (const [s0, p0] of starts) {
      let s = s0;
      let p = p0;
      for (;;) {
        const bs = inBlossom[s]!;
        if (bs >= n) augmentBlossom(bs, s);
        mate[s] = p;
        if (labelEnd[bs] === -1) break;
        const t = endpoint[labelEnd[bs]!]!;
        const bt = inBlossom[t]!;
        s = endpoint[labelEnd[bt]!]!;
        const j = endpoint[labelEnd[bt]! ^ 1]!;
        if (bt >= n) augmentBlossom(bt, j);
        mate[j] = labelEnd[bt]!;
        p = labelEnd[bt]! ^ 1;
      }
    }
  };

  /** Least-slack edge from vertex x to an S-vertex outside x's blossom, or -1. */
  const bestEdgeOfVertex = (x: number) => {
    let best = -1;
    let bestSlack = 0;
    const bx = inBlossom[x]!;
    for (let q = nbStart[x]!; q < nbStart[x + 1]!; q++) {
      const p = nbEnd[q]!;
      const by = inBlossom[endpoint[p]!]!;
      if (by === bx || label[by] !== 1) continue;
      const s = slack(p >> 1);
      if (best === -1 || s < bestSlack) {
        best = p >> 1;
        bestSlack = s;
      }
    }
    return best;
  };

  /** Least-slack edge from S-blossom b to a different S-blossom, scanning all its vertices. */
  const bestEdgeOfBlossom = (b: number) => {
    let best = -1;
    let bestSlack = 0;
    for (const x of leaves(b, [])) {
      for (let q = nbStart[x]!; q < nbStart[x + 1]!; q++) {
        const p = nbEnd[q]!;
        const other = inBlossom[endpoint[p]!]!;
        if (other === b || label[other] !== 1) continue;
        const s = slack(p >> 1);
        if (best === -1 || s < bestSlack) {
          best = p >> 1;
          bestSlack = s;
        }
      }
    }
    return best;
  };

  /**
   * After an augmentation, unlabel the two trees it ran through so the other trees keep growing
   * with the same duals. Everything that remembered those trees is recomputed: allowed edges at
   * their vertices (an unlabelled end changes the slack differently), "reached" marks they left
   * inside other trees' T-blossoms, and the least-slack edges of every vertex or S-blossom next to
   * them (the S-blossom's list is dropped so that a later merge scans its vertices afresh).
   */
  const dissolve = (roots: number[]) => {
    stampNow++;
    const gone: number[] = [];
    for (const r of roots) {
      const members = treeMembers[r];
      if (!members) continue;
      for (const x of members) {
        if (rootOf[x] !== r || stamp[x] === stampNow) continue;
        stamp[x] = stampNow;
        rootOf[x] = -1;
        gone.push(x);
      }
      treeMembers[r] = undefined;
    }
    // Zero-dual blossoms are no longer needed once their tree is gone (as at the end of a stage).
    for (const x of gone) {
      const b = inBlossom[x]!;
      if (b >= n && blossomBase[b]! >= 0 && dualB(b) === 0) expandBlossom(b, true);
    }
    for (const x of gone) {
      label[x] = 0;
      labelEnd[x] = -1;
      for (let b = blossomParent[x]!; b !== -1; b = blossomParent[b]!) {
        label[b] = 0;
        labelEnd[b] = -1;
        bestEdge[b] = -1;
        blossomBestEdges[b] = null;
      }
    }
    for (const x of gone) {
      bestEdge[x] = -1;
      syncVertex(x);
      for (let b = blossomParent[x]!; b !== -1; b = blossomParent[b]!) syncBlossom(b);
    }
    const vertices: number[] = [];
    const sBlossoms: number[] = [];
    for (const x of gone) {
      for (let q = nbStart[x]!; q < nbStart[x + 1]!; q++) {
        const p = nbEnd[q]!;
        allowEdge[p >> 1] = 0;
        const y = endpoint[p]!;
        if (stamp[y] === stampNow) continue;
        const by = inBlossom[y]!;
        if (label[by] === 1) {
          sBlossoms.push(by);
          continue;
        }
        if (label[by] === 2 && label[y] === 2 && labelEnd[y] === (p ^ 1) && by !== y && labelEnd[by] !== labelEnd[y]) {
          // y was reached from x inside another tree's T-blossom: that mark is no longer true.
          label[y] = 0;
          labelEnd[y] = -1;
        }
        if (label[y] === 0 || label[by] === 0) vertices.push(y);
      }
    }
    for (const x of gone) setBestEdgeOfVertex(x, bestEdgeOfVertex(x));
    for (const y of vertices) setBestEdgeOfVertex(y, bestEdgeOfVertex(y));
    const seen = new Set<number>();
    for (const b of sBlossoms) {
      if (seen.has(b)) continue;
      seen.add(b);
      blossomBestEdges[b] = null;
      setBestEdgeOfBlossom(b, bestEdgeOfBlossom(b));
    }
  };

  /** Top of heap2 if it is a live delta2 candidate (stale entries dropped, moved keys fixed). */
  const topOf2 = () => {
    while (heap2.size > 0) {
      const v = heap2.topA();
      const e = heap2.topB();
      const bv = inBlossom[v]!;
      if (label[bv] !== 0 || bestEdge[v] !== e) {
        heap2.pop();
        continue;
      }
      const other = endpoint[2 * e] === v ? endpoint[2 * e + 1]! : endpoint[2 * e]!;
      if (label[inBlossom[other]!] !== 1) {
        heap2.pop();
        setBestEdgeOfVertex(v, bestEdgeOfVertex(v));
        continue;
      }
      const key = clock + slack(e);
      if (heap2.topKey() !== key) {
        heap2.pop();
        heap2.push(key, v, e);
        continue;
      }
      return e;
    }
    return -1;
  };
  const topOf3 = () => {
    while (heap3.size > 0) {
      const b = heap3.topA();
      const e = heap3.topB();
      if (blossomParent[b] !== -1 || label[b] !== 1 || blossomBase[b]! < 0 || bestEdge[b] !== e) {
        heap3.pop();
        continue;
      }
      const ba = inBlossom[endpoint[2 * e]!]!;
      const bc = inBlossom[endpoint[2 * e + 1]!]!;
      if (ba === bc || label[ba] !== 1 || label[bc] !== 1) {
        heap3.pop();
        setBestEdgeOfBlossom(b, bestEdgeOfBlossom(b));
        continue;
      }
      const key = clock + slack(e) / 2;
      if (heap3.topKey() !== key) {
        heap3.pop();
        heap3.push(key, b, e);
        continue;
      }
      return e;
    }
    return -1;
  };
  const topOf4 = () => {
    while (heap4.size > 0) {
      const b = heap4.topA();
      if (blossomBase[b]! < 0 || blossomParent[b] !== -1 || label[b] !== 2) {
        heap4.pop();
        continue;
      }
      const key = clock + dualB(b);
      if (heap4.topKey() !== key) {
        heap4.pop();
        heap4.push(key, b, 0);
        continue;
      }
      return b;
    }
    return -1;
  };

  let fresh = true;
  for (let stage = 0; stage < n; stage++) {
    if (fresh) {
      for (let v = 0; v < n; v++) {
        vDual0[v] = dualV(v);
        vTime0[v] = clock;
        vRate[v] = 0;
      }
      for (let b = n; b < allocated; b++) {
        bDual0[b] = dualB(b);
        bTime0[b] = clock;
        bRate[b] = 0;
      }
      heap2.clear();
      heap3.clear();
      heap4.clear();
      label.fill(0, 0, allocated);
      bestEdge.fill(-1, 0, allocated);
      for (let b = n; b < allocated; b++) blossomBestEdges[b] = null;
      allowEdge.fill(0);
      queue = [];
      rootOf.fill(-1);
      treeMembers.fill(undefined);
      for (let v = 0; v < n; v++) {
        if (mate[v] === -1 && label[inBlossom[v]!] === 0) assignLabel(v, 1, -1);
      }
      fresh = restart;
    }
    let augmented = false;
    for (;;) {
      while (queue.length > 0 && !augmented) {
        const v = queue.pop()!;
        // Its tree may have been dissolved since it was queued.
        if (label[inBlossom[v]!] !== 1) continue;
        for (let q = nbStart[v]!; q < nbStart[v + 1]!; q++) {
          const p = nbEnd[q]!;
          const k = p >> 1;
          const w = endpoint[p]!;
          if (inBlossom[v] === inBlossom[w]) continue;
          let kSlack = 0;
          if (!allowEdge[k]) {
            kSlack = slack(k);
            if (kSlack <= 0) allowEdge[k] = 1;
          }
          const bw = inBlossom[w]!;
          if (allowEdge[k]) {
            if (label[bw] === 0) assignLabel(w, 2, p ^ 1);
            else if (label[bw] === 1) {
              const base = scanBlossom(v, w);
              if (base >= 0) addBlossom(base, k);
              else {
                const roots = [rootOf[v]!, rootOf[w]!];
                augmentMatching(k);
                if (!restart) dissolve(roots);
                augmented = true;
                break;
              }
            } else if (label[w] === 0) {
              // w sits unreached inside a T-blossom: remember how it is reached (for expansion).
              label[w] = 2;
              labelEnd[w] = p ^ 1;
            }
          } else if (label[bw] === 1) {
            const b = inBlossom[v]!;
            if (bestEdge[b] === -1 || kSlack < slack(bestEdge[b]!)) setBestEdgeOfBlossom(b, k);
          } else if (label[w] === 0) {
            if (bestEdge[w] === -1 || kSlack < slack(bestEdge[w]!)) setBestEdgeOfVertex(w, k);
          }
        }
      }
      if (augmented) break;

      // No augmenting path with the current duals: advance the clock by the largest safe delta.
      // Free vertices are S since the start, so their (minimal) dual is maxWeight - clock.
      let deltaType = -1;
      let delta = 0;
      let deltaEdge = -1;
      let deltaBlossom = -1;
      if (!maxCardinality) {
        deltaType = 1;
        delta = Math.max(0, maxWeight - clock);
      }
      const e2 = topOf2();
      if (e2 !== -1) {
        const d = heap2.topKey() - clock;
        if (deltaType === -1 || d < delta) {
          delta = d;
          deltaType = 2;
          deltaEdge = e2;
        }
      }
      const e3 = topOf3();
      if (e3 !== -1) {
        const d = heap3.topKey() - clock;
        if (deltaType === -1 || d < delta) {
          delta = d;
          deltaType = 3;
          deltaEdge = e3;
        }
      }
      const b4 = topOf4();
      if (b4 !== -1) {
        const d = heap4.topKey() - clock;
        if (deltaType === -1 || d < delta) {
          delta = d;
          deltaType = 4;
          deltaBlossom = b4;
        }
      }
      // Max-cardinality optimum: nothing left to grow.
      if (deltaType === -1) break;
      clock += delta;
      if (deltaType === 1) break;
      if (deltaType === 2) {
        allowEdge[deltaEdge] = 1;
        let i = endpoint[2 * deltaEdge]!;
        if (label[inBlossom[i]!] === 0) i = endpoint[2 * deltaEdge + 1]!;
        queue.push(i);
      } else if (deltaType === 3) {
        allowEdge[deltaEdge] = 1;
        queue.push(endpoint[2 * deltaEdge]!);
      } else expandBlossom(deltaBlossom, false);
    }
    if (!augmented) break;
    if (!restart) continue;
    // End of stage: expand S-blossoms whose dual reached zero.
    for (let b = n; b < allocated; b++) {
      if (blossomParent[b] === -1 && blossomBase[b]! >= 0 && label[b] === 1 && dualB(b) === 0) expandBlossom(b, true);
    }
  }

  for (let v = 0; v < n; v++) if (mate[v]! >= 0) result[v] = endpoint[mate[v]!]!;
  return result;
}
