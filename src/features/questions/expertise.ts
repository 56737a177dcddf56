/**
 * The expertise index: who answered what, how often, how fast, at which hours and how recently.
 * Pure in-memory data, no database: the store rebuilds it from the tables (store.ts `loadExpertise`)
 * and the service updates it per event; the routing eval replays an archive into the same class.
 *
 * Built for one question among 100k members with 1M past messages in a few milliseconds:
 * members are dense integer slots, counters decay lazily (value + time of last update), the term
 * postings (term → member → weight) are kept in "boosted" units so that recency never needs a sweep,
 * and members are kept in a most-recently-active list so the router can take the last K active
 * without sorting anyone.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Half-lives of the decayed counters (why these: tuned on the urho3d archive before its test period). */
export const HALF_LIFE = {
  /** Any post: "is around these days". */
  activityShort: 3 * DAY_MS,
  activityLong: 45 * DAY_MS,
  /** Replies to other people's questions. */
  repliesShort: 14 * DAY_MS,
  repliesLong: 120 * DAY_MS,
  /** First responses: the people who pick up new questions. */
  firsts: 60 * DAY_MS,
  /** Topic expertise fades slowly: what someone answered two years ago still counts, half as much. */
  expertise: 730 * DAY_MS,
} as const;

/** Extra weight of an answer that solved the question (accepted, ✅, solved tag). */
export const SOLVED_BONUS = 1;

/** Decayed counter read at `now`. */
function decayed(value: number, at: number, now: number, halfLife: number): number {
  if (value === 0) return 0;
  return value * 2 ** (-(Math.max(0, now - at)) / halfLife);
}

class Decayed {
  readonly value: number[] = [];
  readonly at: number[] = [];
  constructor(readonly halfLife: number) {}
  grow(): void {
    this.value.push(0);
    this.at.push(0);
  }
  add(i: number, t: number, w = 1): void {
    const v = this.value[i]!;
    const last = this.at[i]!;
    if (v === 0) {
      this.value[i] = w;
      this.at[i] = t;
    } else if (t >= last) {
      this.value[i] = v * 2 ** (-(t - last) / this.halfLife) + w;
      this.at[i] = t;
    } else {
      // An event older than the last one (out-of-order delivery, backfill): add it already decayed.
      this.value[i] = v + w * 2 ** (-(last - t) / this.halfLife);
    }
  }
  get(i: number, now: number): number {
    return decayed(this.value[i]!, this.at[i]!, now, this.halfLife);
  }
}

export interface ResponseInput {
  memberId: string;
  askerId: string;
  /** Terms of the question answered (title + opening post). */
  terms: readonly string[];
  /** When the member first replied. */
  at: number;
  askedAt: number;
  /** Whether this member was the first to respond. */
  first: boolean;
}

export class ExpertiseIndex {
  private readonly ids: string[] = [];
  private readonly slotOf = new Map<string, number>();

  readonly lastAt: number[] = [];
  readonly firstAt: number[] = [];
  readonly gone: boolean[] = [];
  readonly posts: number[] = [];
  readonly activityShort = new Decayed(HALF_LIFE.activityShort);
  readonly activityLong = new Decayed(HALF_LIFE.activityLong);
  readonly repliesShort = new Decayed(HALF_LIFE.repliesShort);
  readonly repliesLong = new Decayed(HALF_LIFE.repliesLong);
  readonly firsts = new Decayed(HALF_LIFE.firsts);
  /** Questions answered in all (not decayed): for the "why" in a nudge. */
  readonly answered: number[] = [];
  readonly solved: number[] = [];
  /** Sum of log1p(hours to respond) over responses, and their count: how fast someone answers. */
  readonly latencyLogSum: number[] = [];
  readonly latencyCount: number[] = [];
  /** Posts per UTC hour, 24 slots per member. */
  readonly hours: number[] = [];

  /** term → member slot → weight in boosted units (see `boost`). */
  private readonly postings = new Map<string, Map<number, number>>();
  /** Per member: sum of term weights of answered questions (BM25 document length), boosted units. */
  readonly docLength: number[] = [];
  private docLengthTotal = 0;
  private docCount = 0;
  private base = Number.NaN;

  /** asker slot → responder slot → how many of the asker's questions they answered. */
  private readonly askerResponders = new Map<number, Map<number, number>>();
  /** channel → member slot → posts there. */
  private readonly channelPosts = new Map<string, Map<number, number>>();

  /** Most-recently-active list (doubly linked over slots): head is the latest. */
  private readonly prev: number[] = [];
  private readonly next: number[] = [];
  private head = -1;
  private tail = -1;

  // Global rates for priors.
  private globalLatencyLogSum = 0;
  private globalLatencyCount = 0;
  private totalPosts = 0;
  readonly globalHours: number[] = new Array(24).fill(0);

  get memberCount(): number {
    return this.ids.length;
  }

  slot(memberId: string): number | undefined {
    return this.slotOf.get(memberId);
  }

  idOf(slot: number): string {
    return this.ids[slot]!;
  }

  private ensure(memberId: string): number {
    let s = this.slotOf.get(memberId);
    if (s !== undefined) return s;
    s = this.ids.length;
    this.ids.push(memberId);
    this.slotOf.set(memberId, s);
    this.lastAt.push(Number.NEGATIVE_INFINITY);
    this.firstAt.push(Number.POSITIVE_INFINITY);
    this.gone.push(false);
    this.posts.push(0);
    this.activityShort.grow();
    this.activityLong.grow();
    this.repliesShort.grow();
    this.repliesLong.grow();
    this.firsts.grow();
    this.answered.push(0);
    this.solved.push(0);
    this.latencyLogSum.push(0);
    this.latencyCount.push(0);
    for (let h = 0; h < 24; h++) this.hours.push(0);
    this.docLength.push(0);
    this.prev.push(-1);
    this.next.push(-1);
    return s;
  }

  /** A member left or erased their data: never a candidate again (until they post again). */
  setGone(memberId: string, gone: boolean): void {
    const s = this.slotOf.get(memberId);
    if (s !== undefined) this.gone[s] = gone;
  }

  /** Any post by a member (question, answer or chat), in `channelId` (top-level channel / category). */
  noteActivity(memberId: string, at: number, channelId: string | null): void {
    const s = this.ensure(memberId);
    this.gone[s] = false;
    this.posts[s]! += 1;
    this.totalPosts += 1;
    this.activityShort.add(s, at);
    this.activityLong.add(s, at);
    const hour = new Date(at).getUTCHours();
    this.hours[s * 24 + hour]! += 1;
    this.globalHours[hour]! += 1;
    if (at < this.firstAt[s]!) this.firstAt[s] = at;
    if (at > this.lastAt[s]!) {
      this.lastAt[s] = at;
      this.moveToFront(s);
    }
    if (channelId) {
      let m = this.channelPosts.get(channelId);
      if (!m) this.channelPosts.set(channelId, (m = new Map()));
      m.set(s, (m.get(s) ?? 0) + 1);
    }
  }

  /** A member's first reply to someone else's question. Call once per (question, member). */
  noteResponse(r: ResponseInput): void {
    const s = this.ensure(r.memberId);
    const a = this.ensure(r.askerId);
    this.repliesShort.add(s, r.at);
    this.repliesLong.add(s, r.at);
    if (r.first) this.firsts.add(s, r.at);
    this.answered[s]! += 1;
    const hours = Math.log1p(Math.max(0, r.at - r.askedAt) / HOUR_MS);
    this.latencyLogSum[s]! += hours;
    this.latencyCount[s]! += 1;
    this.globalLatencyLogSum += hours;
    this.globalLatencyCount += 1;
    let byAsker = this.askerResponders.get(a);
    if (!byAsker) this.askerResponders.set(a, (byAsker = new Map()));
    byAsker.set(s, (byAsker.get(s) ?? 0) + 1);
    this.addTerms(s, r.terms, r.askedAt, 1);
  }

  /** The member's answer solved a question (accepted answer, ✅ by the asker, solved tag). */
  noteSolved(memberId: string, terms: readonly string[], askedAt: number): void {
    const s = this.ensure(memberId);
    this.solved[s]! += 1;
    this.addTerms(s, terms, askedAt, SOLVED_BONUS);
  }

  private boost(t: number): number {
    if (Number.isNaN(this.base)) this.base = t;
    let x = (t - this.base) / HALF_LIFE.expertise;
    if (x > 40) {
      // Keep boosted weights far from overflow: rescale everything to a new base (once per 40 half-lives).
      this.rebase(t);
      x = 0;
    }
    return 2 ** x;
  }

  private rebase(t: number): void {
    const f = 2 ** (-(t - this.base) / HALF_LIFE.expertise);
    for (const m of this.postings.values()) for (const [k, v] of m) m.set(k, v * f);
    for (let i = 0; i < this.docLength.length; i++) this.docLength[i]! *= f;
    this.docLengthTotal *= f;
    this.base = t;
  }

  private addTerms(s: number, terms: readonly string[], at: number, weight: number): void {
    if (terms.length === 0) return;
    const w = weight * this.boost(at);
    const unique = new Set(terms);
    for (const term of unique) {
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = new Map()));
      p.set(s, (p.get(s) ?? 0) + w);
    }
    if (this.docLength[s] === 0) this.docCount += 1;
    this.docLength[s]! += w * unique.size;
    this.docLengthTotal += w * unique.size;
  }

  // -------------------------------------------------------------------------------------------
  // Reads for the router

  /** Multiply boosted weights by this to get weights as of `now`. */
  unboost(now: number): number {
    if (Number.isNaN(this.base)) return 1;
    return 2 ** (-(now - this.base) / HALF_LIFE.expertise);
  }

  postingsOf(term: string): ReadonlyMap<number, number> | undefined {
    return this.postings.get(term);
  }

  /** BM25 statistics of the member documents ("questions this member answered"). */
  corpus(): { docCount: number; avgDocLength: number } {
    return {
      docCount: this.docCount,
      avgDocLength: this.docCount === 0 ? 1 : this.docLengthTotal / this.docCount,
    };
  }

  respondersTo(askerId: string): ReadonlyMap<number, number> | undefined {
    const a = this.slotOf.get(askerId);
    return a === undefined ? undefined : this.askerResponders.get(a);
  }

  channelShare(channelId: string | null, s: number): number {
    if (!channelId) return 0;
    const n = this.channelPosts.get(channelId)?.get(s) ?? 0;
    return n / Math.max(1, this.posts[s]!);
  }

  channelPostCount(channelId: string | null, s: number): number {
    if (!channelId) return 0;
    return this.channelPosts.get(channelId)?.get(s) ?? 0;
  }

  /** Mean log1p(hours) of everyone's responses, the prior for members with few. */
  globalLatency(): number {
    return this.globalLatencyCount === 0 ? Math.log1p(6) : this.globalLatencyLogSum / this.globalLatencyCount;
  }

  /** Share of all posts at this UTC hour, for normalising a member's hour profile. */
  globalHourShare(hour: number): number {
    return (this.globalHours[hour]! + 1) / (this.totalPosts + 24);
  }

  /** Up to `limit` slots, most recently active first (skips members marked gone). */
  *recentSlots(limit = Number.POSITIVE_INFINITY): Generator<number> {
    let n = 0;
    for (let s = this.head; s !== -1 && n < limit; s = this.next[s]!) {
      if (this.gone[s]) continue;
      n += 1;
      yield s;
    }
  }

  private moveToFront(s: number): void {
    if (this.head === s) return;
    const p = this.prev[s]!;
    const n = this.next[s]!;
    // Unlink (a new slot has prev = next = -1 and is not the tail unless the list has only it).
    if (p !== -1) this.next[p] = n;
    if (n !== -1) this.prev[n] = p;
    if (this.tail === s) this.tail = p;
    this.prev[s] = -1;
    this.next[s] = this.head;
    if (this.head !== -1) this.prev[this.head] = s;
    this.head = s;
    if (this.tail === -1) this.tail = s;
  }
}
