/**
 * Words for introductions (pure): a score's reasons as one or two true lines, a conversation
 * starter drawn from what two people share, and the messages the bot sends. Names come in as
 * display names: nothing here pings anyone (mentions are added by the caller, explicitly).
 */
import { ago } from '../../text/ago.js';
import { safeText } from '../../text/fit.js';
import { andList } from '../../text/list.js';
import type { PairScore, Reason } from './score.js';

export interface Names {
  member(id: string): string;
  channel(id: string): string;
  /** Now, for "the last one 9 days ago" (absent: no times are told). */
  now?: number;
}

/*
 * Topic words come in the reasons already as members wrote them (Reason `words`, `word`): the
 * profile build keeps only words that are topics in this community (text/topicWords.ts). A reason
 * with no such word tells no topic rather than a stem, a name or "help".
 */

/** A member's name or words in a sentence: shown as text, never a ping, a link or a bidi trick. */
export const quiet = (text: string) => safeText(text, 100);

/** A member's word in a sentence: markup escaped, never a ping (the digest's own escaping). */
const shown = (word: string) => safeText(word, 60);

/** One reason as a short sentence, from the point of view of `viewer` (null: both people). */
export function reasonLine(reason: Reason, names: Names, viewer: string | null): string | null {
  switch (reason.kind) {
    case 'topics': {
      const words = reason.words ?? [];
      return words.length > 0 ? `you both talk about ${andList(words.slice(0, 2).map(shown))}` : null;
    }
    case 'interests':
      return `you both listed ${andList(reason.items.slice(0, 2).map(quiet))} as interests`;
    case 'answers': {
      if (!reason.word) return null;
      const who = reason.helper === viewer ? 'you' : quiet(names.member(reason.helper));
      const when = reason.recent ? ' this month' : '';
      const q = reason.count === 1 ? 'a question' : `${reason.count} questions`;
      const last =
        reason.lastAt !== undefined && names.now !== undefined
          ? `${reason.count === 1 ? '' : ', the last one'} ${ago(names.now - reason.lastAt)}`
          : '';
      const asker = reason.asker === viewer ? 'you ask' : `${quiet(names.member(reason.asker))} asks`;
      return `${who} answered ${q} about ${shown(reason.word)}${when}${last}, which ${asker} about`;
    }
    case 'newcomer': {
      const n = reason.newcomer === viewer ? 'you are' : `${quiet(names.member(reason.newcomer))} is`;
      const g = reason.guide === viewer ? 'you have' : `${quiet(names.member(reason.guide))} has`;
      return `${n} new here and ${g} been helping people`;
    }
    case 'channels':
      return `you are both active in ${andList(reason.channelIds.map((c) => quiet(names.channel(c))))}`;
    case 'mutuals': {
      const named = (reason.memberIds ?? []).map((id) => quiet(names.member(id)));
      if (named.length === 0)
        return reason.count === 1
          ? 'you have both talked with the same person'
          : `you have both talked with ${reason.count} of the same people`;
      const others = reason.count - named.length;
      return others > 0
        ? `you have both talked with ${named.join(', ')} and ${others === 1 ? 'one other' : `${others} others`}`
        : `you have both talked with ${andList(named)}`;
    }
    case 'bridge':
      // Different circles of who-talks-with-whom (profile.ts), not different channels: "different
      // corners" read as a contradiction beside "you are both active in #help".
      return 'you mostly talk with different people here';
    case 'hours':
      return 'you are around at the same hours';
  }
}

/** The explanation of a pair in one or two lines (the strongest reasons first). */
export function explain(score: Pick<PairScore, 'reasons'>, names: Names, viewer: string | null, max = 2): string {
  const lines = score.reasons.map((r) => reasonLine(r, names, viewer)).filter((x): x is string => !!x);
  if (lines.length === 0) return 'You both joined intros';
  const text = lines.slice(0, max).join('; ');
  // Only Convene's own "you" takes a capital: a line that opens with a member's name keeps it as they
  // write it ("jmiller answered …", not "Jmiller").
  return text.startsWith('you ') ? `Y${text.slice(1)}` : text;
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
 * what one answered that the other asks), in their words; none of those: a general one.
 */
export function conversationStarter(reasons: readonly Reason[], seed: string): string {
  let topic: string | undefined;
  for (const r of reasons) if (r.kind === 'interests') topic ??= r.items[0];
  for (const r of reasons) if (r.kind === 'topics') topic ??= r.words?.[0];
  for (const r of reasons) if (r.kind === 'answers') topic ??= r.word;
  const h = hash(seed);
  if (!topic) return 'What brought you to this community, and what are you hoping to find here?';
  return STARTERS[h % STARTERS.length]!(shown(topic));
}
