/**
 * Tokenizing community text into terms: words in any script (Unicode letters), code identifiers
 * split, stop words and noise (urls, numbers, mentions, code blocks) dropped, each word stemmed in
 * the language of its text (stem.ts, stopWords.ts) so "shaders"/"shader" and "asking"/"ask" meet.
 * Shared by intros (what members talk about) and questions (what a question is about).
 *
 * A term is a stem: good for matching, never for reading ("advoc", "configur"). What members read
 * is the word as they wrote it, so the store keeps, beside each stem, the surface form the message
 * used when it differs: `storedTermsOf` writes "stem" or "stem=Form" (see `formsOf`).
 */
import { stem } from './stem.js';
import { guessLanguage, isStopWord, type Language } from './stopWords.js';

const URL = /https?:\/\/\S+/g;
const MENTION = /<[@#][!&]?\d+>|@[\p{L}\p{N}_.-]+/gu;
const CODE_FENCE = /```[\s\S]*?```/g;
/** Emoji shortcodes (":slight_smile:", Discord's "<:name:id>"): reactions in words, not topics. */
const EMOJI = /<a?:\w+:\d+>|:[a-z0-9_+-]+:/g;
/** A word starts with a letter; inner dots, dashes and underscores join identifiers ("node.js"). */
const WORD = /(?<![\p{L}\p{N}])\p{L}[\p{L}\p{M}\p{N}+#]*(?:['’]\p{L}+)?(?:[._-][\p{L}\p{M}\p{N}+#]+)*/gu;
const SEPARATOR = /[._-]/;
const SEPARATORS = /[._-]/;
const ALL_SEPARATORS = /[._-]/g;
/** Scripts written without spaces: words come from the platform's word segmenter (ICU). */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
/** The end of a sentence: a capital after it is the sentence's, not the word's. */
const SENTENCE_END = /[.!?:\n]\s*$/;

export { stem } from './stem.js';

/** A term and the word it came from, as written (case kept, except a sentence's first capital). */
export interface Word {
  stem: string;
  form: string;
}

let segmenter: Intl.Segmenter | null = null;
const NON_ASCII = /[^\t\n\r\x20-\x7e]/;
/** The same word shape in ASCII: most chat is, and this expression runs several times faster. */
const ASCII_WORD = /(?<![a-z0-9])[a-z][a-z0-9+#]*(?:'[a-z]+)?(?:[._-][a-z0-9+#]+)*/g;

/** Raw words of a lower-cased text in order, with where each starts. */
function rawWords(lower: string, ascii: boolean): { word: string; at: number }[] {
  const out: { word: string; at: number }[] = [];
  if (!ascii && UNSPACED.test(lower)) {
    segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
    for (const s of segmenter.segment(lower)) {
      if (s.isWordLike && /^\p{L}/u.test(s.segment)) out.push({ word: s.segment, at: s.index });
    }
    return out;
  }
  const re = ascii ? ASCII_WORD : WORD;
  re.lastIndex = 0;
  for (let m = re.exec(lower); m !== null; m = re.exec(lower)) out.push({ word: m[0], at: m.index });
  return out;
}

/** The form to show: as written, but "Shaders are…" at a sentence's start shows as "shaders". */
function formOf(written: string, lower: string, at: number, text: string): string {
  if (written === lower) return lower;
  const rest = written.slice(1);
  if (rest !== rest.toLowerCase()) return written;
  return at === 0 || SENTENCE_END.test(text.slice(Math.max(0, at - 4), at)) ? lower : written;
}

/** Words of a text with their stems, in order, with repeats. */
export function words(text: string): Word[] {
  // The replacements are skipped when their marker is absent: most chat lines have none (hot path).
  let cleaned = text;
  if (cleaned.includes('```')) cleaned = cleaned.replace(CODE_FENCE, ' ');
  if (cleaned.includes('http')) cleaned = cleaned.replace(URL, ' ');
  if (cleaned.includes('@') || cleaned.includes('<')) cleaned = cleaned.replace(MENTION, ' ');
  if (cleaned.includes(':')) cleaned = cleaned.replace(EMOJI, ' ');
  const ascii = !NON_ASCII.test(cleaned);
  const lowered = cleaned.toLowerCase().replace(/’/g, "'");
  // Lower-casing keeps positions in all but a few scripts; where it does not, words are cased one by one.
  const aligned = lowered.length === cleaned.length;
  const raw = rawWords(aligned ? lowered : cleaned, ascii);
  const lower = aligned ? raw.map((r) => r.word) : raw.map((r) => r.word.toLowerCase());
  const language: Language = guessLanguage(lower);
  const out: Word[] = [];
  const push = (part: string, form: string) => {
    if (part.length < 2 || part.length > 40 || isStopWord(part, language)) return;
    out.push({ stem: stem(part, language), form });
  };
  for (let i = 0; i < raw.length; i++) {
    const { word, at } = raw[i]!;
    const whole = lower[i]!;
    const written = aligned ? cleaned.slice(at, at + word.length) : word;
    const form = formOf(written, whole, at, cleaned);
    if (!SEPARATOR.test(whole)) {
      push(whole, form);
      continue;
    }
    // Split identifiers like "vertex_buffer" / "render.path" into parts and keep the whole too.
    const formParts = form.split(SEPARATORS);
    const parts = whole.split(SEPARATORS);
    for (let k = 0; k < parts.length; k++) if (parts[k]) push(parts[k]!, formParts[k] ?? parts[k]!);
    push(whole.replace(ALL_SEPARATORS, ''), form);
  }
  return out;
}

/** Terms (stems) of a text, in order, with repeats (for term frequencies). */
export function tokenize(text: string): string[] {
  return words(text).map((w) => w.stem);
}

/** Distinct terms of a text joined by spaces (stems only: what matching compares). */
export function termsOf(text: string, max = 64): string {
  const seen = new Set<string>();
  for (const w of words(text)) {
    seen.add(w.stem);
    if (seen.size >= max) break;
  }
  return [...seen].join(' ');
}

/**
 * Distinct terms of a text as the store keeps them instead of the text: "stem" where the message
 * wrote the stem itself, "stem=Form" where it wrote another form ("render=rendering",
 * "vulkan=Vulkan"); the first form of each stem in the text.
 */
export function storedTermsOf(text: string, max = 64): string {
  const seen = new Map<string, string>();
  for (const w of words(text)) {
    if (!seen.has(w.stem)) seen.set(w.stem, w.form);
    if (seen.size >= max) break;
  }
  return [...seen].map(([s, f]) => (s === f ? s : `${s}=${f}`)).join(' ');
}

/** Parse a stored `terms` column back into its stems. */
export function splitTerms(terms: string): string[] {
  if (!terms) return [];
  const parts = terms.split(' ');
  if (!terms.includes('=')) return parts;
  return parts.map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? p : p.slice(0, eq);
  });
}

/**
 * The surface forms a stored `terms` column records: stem → form. A column written before forms
 * were kept holds bare stems of an older stemmer (no "=" anywhere): it records no form, so no stem
 * is ever shown as if it were a word. In a newer column a bare term is its own form.
 */
export function formsOf(terms: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!terms.includes('=')) return out;
  for (const p of terms.split(' ')) {
    const eq = p.indexOf('=');
    if (eq < 0) out.set(p, p);
    else out.set(p.slice(0, eq), p.slice(eq + 1));
  }
  return out;
}
