/**
 * Stop words per language (stopwords-iso: the most complete maintained collection, 58 languages)
 * and a guess of a text's language from them.
 *
 * The guess is per text, not per community: the stem is stored with each word, so a community that
 * writes in two languages gets each message stemmed in its own. It only needs to be right where it
 * matters (which stemmer and which stop words): a message votes for the languages whose stop words
 * it uses, and English (the default) keeps it unless another language has more votes and at least two.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** ISO 639-1 code → stop words (lower case). */
const LISTS = require('stopwords-iso') as Record<string, string[]>;

export type Language = string;
export const DEFAULT_LANGUAGE: Language = 'en';

/**
 * Word → the languages other than English (indexes into LANGUAGES) that list it; English votes
 * are counted apart ("la", "de" and "no" are English stop words too, and vote for both).
 */
const LANGUAGES = Object.keys(LISTS).sort();
const stopSets = new Map(LANGUAGES.map((lang) => [lang, new Set(LISTS[lang]!.map((w) => w.toLowerCase()))]));
const ENGLISH = stopSets.get(DEFAULT_LANGUAGE)!;
const otherLanguages = new Map<string, number[]>();
LANGUAGES.forEach((lang, i) => {
  if (lang === DEFAULT_LANGUAGE) return;
  for (const w of stopSets.get(lang)!) {
    const list = otherLanguages.get(w) ?? [];
    list.push(i);
    otherLanguages.set(w, list);
  }
});
/** Scratch votes (the guess runs on ingest's hot path: no allocation per text). */
const votes = new Int32Array(LANGUAGES.length);
const touched: number[] = [];

/** Whether `word` (lower case) is a stop word of `language` or of English (chat mixes both). */
export function isStopWord(word: string, language: Language = DEFAULT_LANGUAGE): boolean {
  if (ENGLISH.has(word)) return true;
  return language !== DEFAULT_LANGUAGE && (stopSets.get(language)?.has(word) ?? false);
}

/** The language a text is most likely in, from the stop words among its words (lower case). */
export function guessLanguage(words: readonly string[]): Language {
  let english = 0;
  for (const w of words) {
    if (ENGLISH.has(w)) english++;
    const langs = otherLanguages.get(w);
    if (!langs) continue;
    for (const i of langs) if (votes[i]!++ === 0) touched.push(i);
  }
  let best = DEFAULT_LANGUAGE;
  let bestVotes = 0;
  for (const i of touched) {
    const v = votes[i]!;
    if (v > bestVotes || (v === bestVotes && LANGUAGES[i]! < best)) {
      best = LANGUAGES[i]!;
      bestVotes = v;
    }
    votes[i] = 0;
  }
  touched.length = 0;
  return bestVotes >= 2 && bestVotes > english ? best : DEFAULT_LANGUAGE;
}
