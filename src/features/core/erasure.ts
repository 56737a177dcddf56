/**
 * What identifies an erased member in other people's data, decided in plain code: their whole names
 * (username, display name) and their id. A name counts only whole (not a piece of another word), so
 * erasing "Ann" leaves "announce" alone.
 */
import { words } from '../../text/tokenize.js';

export interface ErasedMember {
  guildId: string;
  memberId: string;
  /** Whole names in lower case, as written and without . _ - ("bon_hoffer" and "bonhoffer"). */
  names: string[];
  /** Terms (stems and lower-cased forms) that are one of those names: never a topic, only the name. */
  nameTerms: Set<string>;
}

/** Names shorter than this are left alone in other people's text: they are pieces of everyday words. */
const MIN_NAME = 3;

export function erasedMember(guildId: string, memberId: string, names: readonly string[]): ErasedMember {
  const whole = new Set<string>();
  for (const name of names) {
    const lower = name.trim().toLowerCase();
    if (lower.length < MIN_NAME) continue;
    whole.add(lower);
    const joined = lower.replace(/[._-]/g, '');
    if (joined.length >= MIN_NAME) whole.add(joined);
  }
  const nameTerms = new Set<string>();
  for (const name of whole) {
    const found = words(name);
    // A name that reads as one word is stored as that word's term; a longer name has no one term.
    if (found.length === 1) nameTerms.add(found[0]!.stem).add(found[0]!.form.toLowerCase());
    if (!/\s/.test(name)) nameTerms.add(name);
  }
  return { guildId, memberId, names: [...whole], nameTerms };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a rendered text (an outbox action as JSON, a reason) names the member or carries their id. */
export function namesMember(text: string, who: ErasedMember): boolean {
  if (text.includes(`"${who.memberId}"`) || text.includes(`<@${who.memberId}>`) || text.includes(`<@!${who.memberId}>`))
    return true;
  const lower = text.toLowerCase();
  return who.names.some(
    (name) =>
      lower.includes(name) && new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(name)}(?![\\p{L}\\p{N}])`, 'u').test(lower),
  );
}

/** A stored `terms` column ("stem=Form stem …") without the member's name. */
export function withoutName(terms: string, who: ErasedMember): string {
  if (!terms) return terms;
  return terms
    .split(' ')
    .filter((part) => {
      const at = part.indexOf('=');
      const stem = at < 0 ? part : part.slice(0, at);
      const form = at < 0 ? part : part.slice(at + 1).toLowerCase();
      return !who.nameTerms.has(stem) && !who.nameTerms.has(form);
    })
    .join(' ');
}

/**
 * A stored JSON value (an audit row's before/after) without the member's id: a string that is their
 * id becomes '' (the shape stays, so the row still says what changed), a mention of them is cut out.
 */
export function withoutId(value: unknown, memberId: string): unknown {
  if (typeof value === 'string') {
    if (value === memberId) return '';
    return value.includes(memberId) ? value.replaceAll(`<@${memberId}>`, '').replaceAll(`<@!${memberId}>`, '') : value;
  }
  if (Array.isArray(value)) return value.map((v) => withoutId(v, memberId));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutId(v, memberId)]));
  return value;
}
