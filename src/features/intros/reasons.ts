/**
 * Words for introductions (pure): a score's reasons as one or two true lines, a conversation
 * starter drawn from what two people share, and the messages the bot sends. Names come in as
 * display names: nothing here pings anyone (mentions are added by the caller, explicitly).
 */
import type { PairScore, Reason } from './score.js';

export interface Names {
  member(id: string): string;
  channel(id: string): string;
  /**
   * Whether a word is too common in this community to say anything about two people ("help" in a
   * help server): such words still count in the score, but are never shown as the reason or the
   * conversation starter. Absent: no word is.
   */
  generic?(term: string): boolean;
}

/** The shared words worth naming, rarest-first order kept. */
const telling = (terms: readonly string[], names: Pick<Names, 'generic'>) =>
  names.generic ? terms.filter((t) => !names.generic!(t)) : [...terms];

const list = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** Neutralise anything in user-supplied text that could look like a ping or markup trick. */
export const quiet = (text: string) =>
  text
    .replace(/@(everyone|here)/gi, '@\u200b$1')
    .replace(/<@/g, '<@\u200b')
    .replace(/<#/g, '<#\u200b');

/** One reason as a short sentence, from the point of view of `viewer` (null: both people). */
export function reasonLine(reason: Reason, names: Names, viewer: string | null): string | null {
  switch (reason.kind) {
    case 'topics': {
      const terms = telling(reason.terms, names);
      return terms.length > 0 ? `you both talk about ${list(terms.slice(0, 2))}` : null;
    }
    case 'interests':
      return `you both listed ${list(reason.items.slice(0, 2).map(quiet))} as interests`;
    case 'answers': {
      const who = reason.helper === viewer ? 'you' : quiet(names.member(reason.helper));
      const when = reason.recent ? ' this month' : '';
      const q = reason.count === 1 ? 'a question' : `${reason.count} questions`;
      const asker = reason.asker === viewer ? 'you ask' : `${quiet(names.member(reason.asker))} asks`;
      return `${who} answered ${q} about ${reason.term}${when}, which ${asker} about`;
    }
    case 'newcomer': {
      const n = reason.newcomer === viewer ? 'you are' : `${quiet(names.member(reason.newcomer))} is`;
      const g = reason.guide === viewer ? 'you have' : `${quiet(names.member(reason.guide))} has`;
      return `${n} new here and ${g} been helping people`;
    }
    case 'channels':
      return `you are both active in ${list(reason.channelIds.map((c) => quiet(names.channel(c))))}`;
    case 'mutuals':
      return reason.count === 1
        ? 'you have talked with the same person'
        : `you have talked with ${reason.count} of the same people`;
    case 'bridge':
      return 'you are in different corners of the community';
    case 'hours':
      return 'you are around at the same hours';
  }
}

/** The explanation of a pair in one or two lines (the strongest reasons first). */
export function explain(score: Pick<PairScore, 'reasons'>, names: Names, viewer: string | null, max = 2): string {
  const lines = score.reasons.map((r) => reasonLine(r, names, viewer)).filter((x): x is string => !!x);
  if (lines.length === 0) return 'you both joined intros';
  const text = lines.slice(0, max).join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const STARTERS = [
  (t: string) => `What got you into ${t}?`,
  (t: string) => `What are you working on with ${t} at the moment?`,
  (t: string) => `What is one thing about ${t} you wish you had known earlier?`,
  (t: string) => `What is the most interesting ${t} problem you have run into lately?`,
];

/** A deterministic small hash (the same intro always gets the same starter). */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/**
 * One conversation starter drawn from what they share (declared interests first, then topics, then
 * what one answered that the other asks), never about a word too common here to mean anything.
 */
export function conversationStarter(
  reasons: readonly Reason[],
  seed: string,
  names: Pick<Names, 'generic'> = {},
): string {
  const interests = reasons.find((r) => r.kind === 'interests');
  const topics = reasons.find((r) => r.kind === 'topics');
  const answers = reasons.find((r) => r.kind === 'answers');
  const topic =
    interests?.kind === 'interests'
      ? interests.items[0]
      : topics?.kind === 'topics' && telling(topics.terms, names).length > 0
        ? telling(topics.terms, names)[0]
        : answers?.kind === 'answers' && telling([answers.term], names).length > 0
          ? answers.term
          : undefined;
  const h = hash(seed);
  if (!topic) return 'What brought you to this community, and what are you hoping to find here?';
  return STARTERS[h % STARTERS.length]!(quiet(topic));
}
