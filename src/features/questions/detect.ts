/**
 * What is a question (pure). Out of the box: every post opening a thread in a forum channel; in text
 * channels whose name says help, support, question(s), ask or q-and-a, a message that asks. A
 * moderator can list the watched channels instead, or turn detection off per channel.
 */
import { termsOf } from '../../text/tokenize.js';

export interface ChannelFacts {
  id: string;
  name: string;
  /** 'text' | 'forum' | 'thread' | … (src/events.ts ChannelKind). */
  kind: string;
}

/** The questions section's detection rules (see settings.ts). */
export interface WatchRules {
  /** Use the defaults (forums, help-like text channels) for channels not listed in `channels`. */
  auto: boolean;
  /** Per top-level channel: true = watched, false = never. */
  channels: Readonly<Record<string, boolean>>;
}

export interface MessageFacts {
  content: string;
  /** The channel the message was posted in (a thread, or the channel itself). */
  channel: ChannelFacts;
  /** The thread's parent when `channel` is a thread. */
  parent: ChannelFacts | null;
  /** True for the post that opens a thread (forum post, Discourse topic). */
  opensThread: boolean;
}

const HELP_WORDS = ['help', 'support', 'question', 'q-and-a', 'qanda', 'q&a'];
const HELP_PARTS = new Set(['ask', 'asks', 'faq', 'qa']);

/** True when a channel's name marks it as a place for questions ("#help", "#ask-the-team", "#q-and-a"). */
export function soundsLikeHelp(name: string): boolean {
  const lower = name.toLowerCase();
  if (HELP_WORDS.some((w) => lower.includes(w))) return true;
  // "ask" only as its own word: "#task-board" and "#basket" are not help channels.
  return lower.split(/[^a-z0-9]+/).some((part) => HELP_PARTS.has(part));
}

/** Whether questions are detected in this top-level channel (forum channel, text channel, category). */
export function isWatched(channel: ChannelFacts, rules: WatchRules): boolean {
  const explicit = rules.channels[channel.id];
  if (explicit !== undefined) return explicit;
  if (!rules.auto) return false;
  return channel.kind === 'forum' || (channel.kind === 'text' && soundsLikeHelp(channel.name));
}

const STARTERS = new Set([
  'how',
  "how's",
  'why',
  'what',
  "what's",
  'whats',
  'where',
  'when',
  'who',
  'which',
  'can',
  'could',
  'does',
  'do',
  'did',
  'is',
  'are',
  'was',
  'should',
  'would',
  'will',
  'anyone',
  'anybody',
  'someone',
  'somebody',
  'any',
  'has',
  'have',
  'help',
]);

/** A message that asks: a sentence ending with "?", or one opening with a question word. */
export function asks(content: string): boolean {
  const text = content
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .trim();
  if (text.length === 0) return false;
  const words = text.split(/\s+/);
  if (/\?+[)\]"'*_~!.\s]*$/.test(text) || /\?\s+\S/.test(text)) return words.length >= 2;
  const first = (words[0] ?? '').toLowerCase().replace(/[^a-z']/g, '');
  // Three words at least: "what" or "how come" alone are reactions, not questions.
  return STARTERS.has(first) && words.length >= 3;
}

/** Whether this message is a question to route. */
export function isQuestion(message: MessageFacts, rules: WatchRules): boolean {
  const inThread = message.channel.kind === 'thread';
  const top = inThread ? message.parent : message.channel;
  if (!top || !isWatched(top, rules)) return false;
  if (top.kind === 'forum') return inThread && message.opensThread;
  // A thread opened under a watched text channel is a question when its opening post asks.
  if (inThread) return message.opensThread && asks(message.content);
  return asks(message.content);
}

/** The terms a question is routed on: its title's (thread name, topic title) first, then its body's. */
export function questionTerms(title: string, bodyTerms: string | readonly string[], max = 96): string[] {
  const body = typeof bodyTerms === 'string' ? (bodyTerms ? bodyTerms.split(' ') : []) : bodyTerms;
  const out = new Set<string>(title ? termsOf(title).split(' ').filter(Boolean) : []);
  for (const t of body) {
    if (out.size >= max) break;
    if (t) out.add(t);
  }
  return [...out];
}
