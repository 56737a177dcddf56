/**
 * Tokenizing community text into terms: lower-cased words, code identifiers split, stop words and
 * noise (urls, numbers, mentions) dropped, a light English stemmer so "shaders"/"shader" meet.
 * Shared by intros (what members talk about) and questions (what a question is about).
 */
import { STOP_WORDS } from './stopWords.js';

const URL = /https?:\/\/\S+/g;
const MENTION = /<[@#][!&]?\d+>|@[\w.-]+/g;
const CODE_FENCE = /```[\s\S]*?```/g;
const WORD = /[a-z][a-z0-9+#]*(?:[._-][a-z0-9+#]+)*/g;
const SEPARATOR = /[._-]/;
const SEPARATORS = /[._-]/;
const ALL_SEPARATORS = /[._-]/g;

/** A light suffix stripper (not Porter): enough to merge plurals and common verb forms. */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  if (word.endsWith('ies') && word.length > 5) return `${word.slice(0, -3)}y`;
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ing') && word.length > 6) return word.slice(0, -3);
  if (word.endsWith('ed') && word.length > 5 && !word.endsWith('eed')) return word.slice(0, -2);
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is'))
    return word.slice(0, -1);
  return word;
}

/** Terms of a text, in order, with repeats (for term frequencies). */
export function tokenize(text: string): string[] {
  // The replacements are skipped when their marker is absent: most chat lines have none (hot path).
  let cleaned = text.toLowerCase();
  if (cleaned.includes('```')) cleaned = cleaned.replace(CODE_FENCE, ' ');
  if (cleaned.includes('http')) cleaned = cleaned.replace(URL, ' ');
  if (cleaned.includes('@')) cleaned = cleaned.replace(MENTION, ' ');
  const out: string[] = [];
  const push = (part: string) => {
    if (part.length < 2 || part.length > 40 || STOP_WORDS.has(part)) return;
    out.push(stem(part));
  };
  WORD.lastIndex = 0;
  for (let match = WORD.exec(cleaned); match !== null; match = WORD.exec(cleaned)) {
    const whole = match[0];
    if (!SEPARATOR.test(whole)) {
      push(whole);
      continue;
    }
    // Split identifiers like "vertex_buffer" / "render.path" into parts and keep the whole too.
    for (const part of whole.split(SEPARATORS)) if (part) push(part);
    push(whole.replace(ALL_SEPARATORS, ''));
  }
  return out;
}

/** Distinct terms of a text joined by spaces: what the store keeps instead of the message text. */
export function termsOf(text: string, max = 64): string {
  const seen = new Set<string>();
  for (const term of tokenize(text)) {
    seen.add(term);
    if (seen.size >= max) break;
  }
  return [...seen].join(' ');
}

/** Parse a stored `terms` column back into a list. */
export function splitTerms(terms: string): string[] {
  return terms ? terms.split(' ') : [];
}
