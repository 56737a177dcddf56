/**
 * The expertise index: who answered what, how often, how fast, at which hours and how recently.
 * Pure in-memory data, no database: the store rebuilds it from the tables (expertiseStore.ts `loadExpertise`)
 * and the service updates it per event; the routing eval replays an archive into the same class.
 *
 * Built for one question among 100k members with 1M past messages in a few milliseconds:
 * - members are dense integer slots with per-member numbers in flat arrays;
 * - counters decay lazily (value + time of last update), never in a sweep;
 * - the term postings (term → member → weight) are open-addressing hash tables in typed arrays
 *   (IntFloatMap), in "boosted" units so that recency needs no sweep either;
 * - members are kept in a most-recently-active list, so the router takes the last K active without
 *   sorting anyone.
 */
import { Booster, Decayed, IntFloatMap } from './decay.js';

export { IntFloatMap } from './decay.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Half-lives of the decayed counters (tuned on the urho3d archive before its test period). */
export const HALF_LIFE = {
  /** Any post: "is around these days". */
  activityShort: 3 * DAY_MS,
  activityLong: 45 * DAY_MS,
  /** Replies to other people's questions. */
  repliesShort: 30 * DAY_MS,
  repliesLong: 180 * DAY_MS,
  /** Replies in one channel/category. */
  channelReplies: 90 * DAY_MS,
  /** First responses: the people who pick up new questions. */
  firsts: 60 * DAY_MS,
  /**
   * Topic expertise does not fade: recency is what the presence and reply counters measure, and
   * expertise is best at saying what someone knows. With the weights re-tuned for each
   * (scripts/tuneRouting.ts), the first responder's MRR on the urho3d validation questions (the two
   * years before the eval cutoff) is 0.474 with a two-year half-life and 0.479 with none.
   */
  expertise: Number.POSITIVE_INFINITY,
} as const;

/** How far down the recency list an out-of-order activity looks for its place. */
const REPOSITION_WALK = 1_000;

/** Extra weight of an answer that solved the question (accepted, ✅, solved tag): it counts double. */
export const SOLVED_BONUS = 1;
/**
 * Weight of the terms of a member's own replies, next to those of the questions they replied to (1):
 * what people write when they help says what they know (validation MRR 0.467 → 0.475 on urho3d).
 */
export const REPLY_TERMS_WEIGHT = 1;
/** Terms of a question that feed expertise: its title's and its opening's first ones say what it is about. */
export const MAX_QUESTION_TERMS = 32;

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
  /** The question's top-level channel (forum channel, category). */
  channelId: string | null;
}

const isWeekend = (date: Date) => date.getUTCDay() === 0 || date.getUTCDay() === 6;

export class ExpertiseIndex {
  private readonly ids: string[] = [];
  private readonly slotOf = new Map<string, number>();

  readonly lastAt: number[] = [];
  readonly lastReplyAt: number[] = [];
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
  /** Questions they were the first to answer, in all. */
  readonly firstCount: number[] = [];
  readonly solved: number[] = [];
  /** Sum of log1p(hours to respond) over responses, and their count: how fast someone answers. */
  readonly latencyLogSum: number[] = [];
  readonly latencyCount: number[] = [];
  /** Posts per UTC hour, 24 slots per member. */
  readonly hours: number[] = [];
  /** Posts on weekdays and on weekends (UTC), 2 slots per member. */
  readonly weekdays: number[] = [];

  /** term → member slot → weight, boosted by `expertiseBoost`. */
  private readonly postings = new Map<string, IntFloatMap>();
  /** Per member: sum of term weights of answered questions (BM25 document length), boosted. */
  readonly docLength: number[] = [];
  private docLengthTotal = 0;
  private docCount = 0;
  private readonly expertiseBoost = new Booster(HALF_LIFE.expertise, (f) => {
    for (const m of this.postings.values()) m.scale(f);
    for (let i = 0; i < this.docLength.length; i++) this.docLength[i]! *= f;
    this.docLengthTotal *= f;
  });

  /** asker slot → responder slot → how many of the asker's questions they answered. */
  private readonly askerResponders = new Map<number, IntFloatMap>();
  /** channel → member slot → replies there, boosted by `channelBoost`. */
  private readonly channelReplies = new Map<string, IntFloatMap>();
  private readonly channelBoost = new Booster(HALF_LIFE.channelReplies, (f) => {
    for (const m of this.channelReplies.values()) m.scale(f);
  });

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
  readonly globalWeekdays: number[] = [0, 0];

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
    this.lastReplyAt.push(Number.NEGATIVE_INFINITY);
    this.firstAt.push(Number.POSITIVE_INFINITY);
    this.gone.push(false);
    this.posts.push(0);
    this.activityShort.grow();
    this.activityLong.grow();
    this.repliesShort.grow();
    this.repliesLong.grow();
    this.firsts.grow();
    this.answered.push(0);
    this.firstCount.push(0);
    this.solved.push(0);
    this.latencyLogSum.push(0);
    this.latencyCount.push(0);
    for (let h = 0; h < 24; h++) this.hours.push(0);
    this.weekdays.push(0, 0);
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

  /** Any post by a member (question, answer or chat). */
  noteActivity(memberId: string, at: number): void {
    const s = this.ensure(memberId);
    this.gone[s] = false;
    this.posts[s]! += 1;
    this.totalPosts += 1;
    this.activityShort.add(s, at);
    this.activityLong.add(s, at);
    const date = new Date(at);
    const hour = date.getUTCHours();
    this.hours[s * 24 + hour]! += 1;
    this.globalHours[hour]! += 1;
    const weekend = isWeekend(date) ? 1 : 0;
    this.weekdays[s * 2 + weekend]! += 1;
    this.globalWeekdays[weekend]! += 1;
    if (at < this.firstAt[s]!) this.firstAt[s] = at;
    if (at > this.lastAt[s]!) {
      this.lastAt[s] = at;
      this.reposition(s);
    }
  }

  /** A member's first reply to someone else's question. Call once per (question, member). */
  noteResponse(r: ResponseInput): void {
    const s = this.ensure(r.memberId);
    const a = this.ensure(r.askerId);
    if (r.at > this.lastReplyAt[s]!) this.lastReplyAt[s] = r.at;
    if (r.channelId) {
      let m = this.channelReplies.get(r.channelId);
      if (!m) {
        m = new IntFloatMap();
        this.channelReplies.set(r.channelId, m);
      }
      m.add(s, this.channelBoost.at(r.at));
    }
    this.repliesShort.add(s, r.at);
    this.repliesLong.add(s, r.at);
    if (r.first) {
      this.firsts.add(s, r.at);
      this.firstCount[s]! += 1;
    }
    this.answered[s]! += 1;
    const hours = Math.log1p(Math.max(0, r.at - r.askedAt) / HOUR_MS);
    this.latencyLogSum[s]! += hours;
    this.latencyCount[s]! += 1;
    this.globalLatencyLogSum += hours;
    this.globalLatencyCount += 1;
    let byAsker = this.askerResponders.get(a);
    if (!byAsker) {
      byAsker = new IntFloatMap();
      this.askerResponders.set(a, byAsker);
    }
    byAsker.add(s, 1);
    this.addTerms(s, r.terms, r.askedAt, 1);
  }

  /** Terms of a reply the member wrote to someone else's question (every reply, not only the first). */
  noteReplyTerms(memberId: string, terms: readonly string[], at: number): void {
    this.addTerms(this.ensure(memberId), terms, at, REPLY_TERMS_WEIGHT);
  }

  /** The member's answer solved a question (accepted answer, ✅ by the asker, solved tag). */
  noteSolved(memberId: string, terms: readonly string[], askedAt: number): void {
    const s = this.ensure(memberId);
    this.solved[s]! += 1;
    this.addTerms(s, terms, askedAt, SOLVED_BONUS);
  }

  private addTerms(s: number, terms: readonly string[], at: number, weight: number): void {
    if (terms.length === 0) return;
    const w = weight * this.expertiseBoost.at(at);
    const unique = new Set(terms.length > MAX_QUESTION_TERMS ? terms.slice(0, MAX_QUESTION_TERMS) : terms);
    for (const term of unique) {
      let p = this.postings.get(term);
      if (!p) {
        p = new IntFloatMap();
        this.postings.set(term, p);
      }
      p.add(s, w);
    }
    if (this.docLength[s] === 0) this.docCount += 1;
    this.docLength[s]! += w * unique.size;
    this.docLengthTotal += w * unique.size;
  }

  // -------------------------------------------------------------------------------------------
  // Reads for the router

  /** Multiply boosted expertise weights (postings, docLength) by this to read them at `now`. */
  unboost(now: number): number {
    return this.expertiseBoost.unboost(now);
  }

  postingsOf(term: string): IntFloatMap | undefined {
    return this.postings.get(term);
  }

  /** BM25 statistics of the member documents ("questions this member answered"). */
  corpus(): { docCount: number; avgDocLength: number } {
    return {
      docCount: this.docCount,
      avgDocLength: this.docCount === 0 ? 1 : this.docLengthTotal / this.docCount,
    };
  }

  /** Responder slot → how many of this asker's questions they answered. */
  respondersTo(askerId: string): IntFloatMap | undefined {
    const a = this.slotOf.get(askerId);
    return a === undefined ? undefined : this.askerResponders.get(a);
  }

  /** Replies in this channel, decayed to `now`. */
  channelRepliesOf(channelId: string | null, s: number, now: number): number {
    if (!channelId) return 0;
    const v = this.channelReplies.get(channelId)?.get(s) ?? 0;
    return v === 0 ? 0 : v * this.channelBoost.unboost(now);
  }

  /** Mean log1p(hours) of everyone's responses, the prior for members with few. */
  globalLatency(): number {
    return this.globalLatencyCount === 0 ? Math.log1p(6) : this.globalLatencyLogSum / this.globalLatencyCount;
  }

  /** Share of all posts at this UTC hour, for normalising a member's hour profile. */
  globalHourShare(hour: number): number {
    return (this.globalHours[hour]! + 1) / (this.totalPosts + 24);
  }

  /** Share of all posts on weekends (weekend = 1) or weekdays (0). */
  globalWeekdayShare(weekend: 0 | 1): number {
    return (this.globalWeekdays[weekend]! + 1) / (this.totalPosts + 2);
  }

  static isWeekend(at: number): boolean {
    return isWeekend(new Date(at));
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

  /**
   * Put `s` where its last activity belongs: at the head when it is the latest (the usual case:
   * events arrive in time order), else a bounded walk down the list; an old event (a backfill after
   * the index was built) that does not land within the walk goes to the tail.
   */
  private reposition(s: number): void {
    this.unlink(s);
    const at = this.lastAt[s]!;
    if (this.head === -1 || at >= this.lastAt[this.head]!) {
      this.next[s] = this.head;
      if (this.head !== -1) this.prev[this.head] = s;
      else this.tail = s;
      this.head = s;
      return;
    }
    let after = this.head;
    for (let steps = 0; steps < REPOSITION_WALK; steps++) {
      const n = this.next[after]!;
      if (n === -1 || this.lastAt[n]! <= at) break;
      after = n;
    }
    if (this.next[after] !== -1 && this.lastAt[this.next[after]!]! > at) after = this.tail;
    const n = this.next[after]!;
    this.prev[s] = after;
    this.next[s] = n;
    this.next[after] = s;
    if (n !== -1) this.prev[n] = s;
    else this.tail = s;
  }

  private unlink(s: number): void {
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p !== -1) this.next[p] = n;
    else if (this.head === s) this.head = n;
    if (n !== -1) this.prev[n] = p;
    else if (this.tail === s) this.tail = p;
    this.prev[s] = -1;
    this.next[s] = -1;
  }
}
