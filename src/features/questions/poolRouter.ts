/**
 * Ranking many questions at once among a fixed pool of members (a nudge scan). Pure: the same scores
 * as route.ts rankAnswerers, computed once per member and per term.
 */
import { bm25Of, rawFeatures, routeContext } from './candidates.js';
import type { ExpertiseIndex } from './expertise.js';
import {
  DEFAULT_WEIGHTS,
  type Features,
  type QuestionToRoute,
  type Ranked,
  type RouteOptions,
  type RouterWeights,
  scoreOf,
  withReasons,
} from './route.js';
import { pushTop } from './topK.js';

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
