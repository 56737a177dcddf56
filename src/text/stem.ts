/**
 * Stemming with the Snowball algorithms (snowball-stemmers: Martin Porter's Snowball stemmers
 * ported to JavaScript, 23 languages, Porter2 for English), so "asking"/"ask" and
 * "logging"/"logs" meet, and German or French words are stemmed as German or French.
 *
 * That port is slow per call (tens of microseconds), and a community repeats its words: every
 * stem is memoised per language, in a bounded cache.
 */
import { createRequire } from 'node:module';
import type { Language } from './stopWords.js';

interface Stemmer {
  stem(word: string): string;
}

const require = createRequire(import.meta.url);
const snowball = require('snowball-stemmers') as { newStemmer(name: string): Stemmer; algorithms(): string[] };

/** ISO 639-1 → Snowball algorithm name, for the languages Snowball covers. */
const ALGORITHMS: Record<string, string> = {
  ar: 'arabic',
  ca: 'catalan',
  cs: 'czech',
  da: 'danish',
  de: 'german',
  en: 'english',
  es: 'spanish',
  eu: 'basque',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  hu: 'hungarian',
  hy: 'armenian',
  it: 'italian',
  nl: 'dutch',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sl: 'slovene',
  sv: 'swedish',
  tr: 'turkish',
};

/** Distinct words remembered per language before the memo starts over (a few MB). */
const MEMO_LIMIT = 200_000;

const stemmers = new Map<Language, { stemmer: Stemmer | null; memo: Map<string, string> }>();

function stemmerFor(language: Language) {
  let s = stemmers.get(language);
  if (!s) {
    const name = ALGORITHMS[language];
    s = { stemmer: name ? snowball.newStemmer(name) : null, memo: new Map() };
    stemmers.set(language, s);
  }
  return s;
}

/**
 * The stem of a lower-case word in `language`. Words Snowball has no algorithm for (Chinese,
 * Japanese, Polish…) and words with digits or code symbols ("urho3d", "c++") are their own stem.
 */
export function stem(word: string, language: Language = 'en'): string {
  const s = stemmerFor(language);
  if (!s.stemmer) return word;
  let out = s.memo.get(word);
  if (out === undefined) {
    out = /[\d+#]/.test(word) ? word : s.stemmer.stem(word);
    if (s.memo.size >= MEMO_LIMIT) s.memo.clear();
    s.memo.set(word, out);
  }
  return out;
}
