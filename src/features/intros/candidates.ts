/**
 * Candidate generation (pure): who is worth scoring for a member, without scoring all pairs.
 *
 * An inverted index term → members (the strongest few per term), answers → members who answer a
 * term, and the neighbourhood (people two hops away). A member's candidates are those reached
 * through their strongest terms, the questions they ask and the people they talk with. Only
 * consenting members are ever indexed. The store has the same index as a table for `/meet`.
 *
 * Members are dense integers inside (votes in a typed array, postings as typed arrays): a round
 * over 10k members asks for 10k candidate lists.
 */
import { answerWeight, type Profile } from './profile.js';
import { type PairScore, type ScoreContext, scorePair } from './score.js';

export const INDEX_LIMITS = {
  /** Strongest members kept per term (a term everybody uses says little anyway). */
  postingsPerTerm: 48,
  /** A member's terms used to look up others. */
  queryTerms: 16,
  /** Neighbours whose neighbours are looked at (two hops). */
  hopNeighbours: 16,
  /** Candidates scored per member for /meet. */
  candidates: 80,
} as const;

interface Postings {
  ids: Int32Array;
  weights: Float64Array;
}

const topKeys = <V>(map: ReadonlyMap<string, V>, n: number, weight: (v: V) => number): string[] =>
  [...map]
    .sort((x, y) => weight(y[1]) - weight(x[1]) || (x[0] < y[0] ? -1 : 1))
    .slice(0, n)
    .map(([k]) => k);

export class CandidateIndex {
  private readonly ids: string[] = [];
  private readonly slot = new Map<string, number>();
  private readonly postings = new Map<string, Postings>();
  private readonly answerers = new Map<string, Postings>();
  /** Per member (slot): query terms with weights, asked terms, hop neighbours' slots. */
  private readonly queries: {
    terms: string[];
    weights: number[];
    asked: string[];
    hops: Int32Array;
    direct: Set<number>;
  }[] = [];
  private readonly votes: Float64Array;
  private readonly touched: Int32Array;

  constructor(private readonly ctx: ScoreContext) {
    for (const p of ctx.profiles.values()) {
      if (!ctx.consented.has(p.memberId)) continue;
      this.slot.set(p.memberId, this.ids.length);
      this.ids.push(p.memberId);
    }
    const raw = new Map<string, [number, number][]>();
    const rawAnswers = new Map<string, [number, number][]>();
    const add = (map: Map<string, [number, number][]>, t: string, i: number, w: number) => {
      const list = map.get(t) ?? [];
      map.set(t, list);
      list.push([i, w]);
    };
    this.ids.forEach((id, i) => {
      const p = ctx.profiles.get(id)!;
      for (const [t, w] of p.terms) add(raw, t, i, w);
      for (const [t, answered] of p.answered) add(rawAnswers, t, i, answerWeight(answered));
      const terms = topKeys(p.terms, INDEX_LIMITS.queryTerms, (w) => w);
      const hops = topKeys(p.neighbours, INDEX_LIMITS.hopNeighbours, (w) => w);
      this.queries.push({
        terms,
        weights: terms.map((t) => p.terms.get(t)!),
        asked: topKeys(p.asked, INDEX_LIMITS.queryTerms, (x) => x),
        hops: Int32Array.from(hops.map((z) => this.slot.get(z) ?? -1).filter((z) => z >= 0)),
        direct: new Set([...p.neighbours.keys()].map((z) => this.slot.get(z) ?? -1).filter((z) => z >= 0)),
      });
    });
    for (const [source, target] of [
      [raw, this.postings],
      [rawAnswers, this.answerers],
    ] as const) {
      for (const [t, list] of source) {
        list.sort((x, y) => y[1] - x[1] || x[0] - y[0]);
        const kept = list.slice(0, INDEX_LIMITS.postingsPerTerm);
        target.set(t, {
          ids: Int32Array.from(kept.map((x) => x[0])),
          weights: Float64Array.from(kept.map((x) => x[1])),
        });
      }
    }
    this.votes = new Float64Array(this.ids.length);
    this.touched = new Int32Array(this.ids.length);
  }

  /** Consenting members worth scoring for `id`, strongest first (never `id` itself). */
  candidatesFor(id: string, limit: number = INDEX_LIMITS.candidates): string[] {
    const self = this.slot.get(id);
    if (self === undefined) return [];
    const q = this.queries[self]!;
    const { votes, touched } = this;
    let count = 0;
    // Votes are kept positive (+1e-9) so that "0" means "not touched yet".
    for (let k = 0; k < q.terms.length; k++) {
      const post = this.postings.get(q.terms[k]!);
      if (!post) continue;
      const w = q.weights[k]!;
      for (let i = 0; i < post.ids.length; i++) {
        const other = post.ids[i]!;
        if (other === self) continue;
        if (votes[other] === 0) touched[count++] = other;
        votes[other]! += w * post.weights[i]! + 1e-9;
      }
    }
    for (const t of q.asked) {
      const post = this.answerers.get(t);
      if (!post) continue;
      for (let i = 0; i < post.ids.length; i++) {
        const other = post.ids[i]!;
        if (other === self) continue;
        if (votes[other] === 0) touched[count++] = other;
        votes[other]! += 0.05 * Math.log1p(post.weights[i]!) + 1e-9;
      }
    }
    for (const z of q.hops) {
      for (const other of this.queries[z]!.direct) {
        if (other === self || q.direct.has(other)) continue;
        if (votes[other] === 0) touched[count++] = other;
        votes[other]! += 0.1;
      }
    }
    const chosen = count <= limit ? Array.from(touched.subarray(0, count)) : this.strongest(count, limit);
    chosen.sort((x, y) => votes[y]! - votes[x]! || x - y);
    for (let i = 0; i < count; i++) votes[touched[i]!] = 0;
    return chosen.map((i) => this.ids[i]!);
  }

  /**
   * The `limit` touched members with the most votes, by a bounded min-heap (a big community makes
   * hundreds of touched members per ask; sorting them all was the slowest part of a round).
   */
  private strongest(count: number, limit: number): number[] {
    const { votes, touched } = this;
    const heap = new Int32Array(limit);
    let size = 0;
    const less = (x: number, y: number) => votes[x]! < votes[y]! || (votes[x] === votes[y] && x > y);
    for (let i = 0; i < count; i++) {
      const v = touched[i]!;
      if (size < limit) {
        let k = size++;
        heap[k] = v;
        while (k > 0) {
          const parent = (k - 1) >> 1;
          if (!less(heap[k]!, heap[parent]!)) break;
          [heap[k], heap[parent]] = [heap[parent]!, heap[k]!];
          k = parent;
        }
      } else if (less(heap[0]!, v)) {
        heap[0] = v;
        let k = 0;
        for (;;) {
          const l = 2 * k + 1;
          if (l >= size) break;
          const c = l + 1 < size && less(heap[l + 1]!, heap[l]!) ? l + 1 : l;
          if (!less(heap[c]!, heap[k]!)) break;
          [heap[k], heap[c]] = [heap[c]!, heap[k]!];
          k = c;
        }
      }
    }
    return Array.from(heap.subarray(0, size));
  }

  /** Score `id`'s candidates and keep the best `k` (positive scores only). */
  bestFor(id: string, k: number, limit?: number, withReasons = true): PairScore[] {
    const out: PairScore[] = [];
    for (const other of this.candidatesFor(id, limit)) {
      const s = scorePair(id, other, this.ctx, withReasons);
      if (s && s.score > 0) out.push(s);
    }
    out.sort((x, y) => y.score - x.score || (x.b < y.b ? -1 : 1));
    return out.slice(0, k);
  }
}

export type { Profile };
