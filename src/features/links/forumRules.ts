/**
 * Whether a Discord guild may connect a forum by command (pure). One forum belongs to one server
 * and one server connects one forum at a time (issue 12 §4): a second server never takes over.
 */
import type { Pair } from './identity.js';

export interface ConnectFacts {
  guildId: string;
  forumGuildId: string;
  /** The pair holding the forum, if any. */
  forumPair: Pair | null;
  /** The pair of this Discord guild, if any. */
  guildPair: Pair | null;
  /** The forum this guild connected by command, if any ("discourse:<host>"). */
  storedForumGuildId: string | null;
}

export type ConnectDecision =
  | { kind: 'new' }
  /** Same forum again: new API settings, the webhook secret stays. */
  | { kind: 'update' }
  | { kind: 'held-elsewhere'; holderGuildId: string }
  | { kind: 'other-forum'; forumGuildId: string };

export function decideConnect(f: ConnectFacts): ConnectDecision {
  if (f.forumPair && f.forumPair.guildId !== f.guildId)
    return { kind: 'held-elsewhere', holderGuildId: f.forumPair.guildId };
  const current = f.storedForumGuildId ?? f.guildPair?.forumGuildId ?? null;
  if (current !== null && current !== f.forumGuildId) return { kind: 'other-forum', forumGuildId: current };
  return f.storedForumGuildId === f.forumGuildId ? { kind: 'update' } : { kind: 'new' };
}

/** A forum address as typed → its base URL (no trailing slash, no query), or null when it is not one. */
export function normalizeForumUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // Not parseable: the caller tells the moderator what an address looks like.
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  // "forum.example." is forum.example fully qualified: the same forum must have one guild id, or a
  // second server could hold it under the dotted name.
  url.hostname = url.hostname.replace(/\.+$/, '');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The events Convene reads, as Discourse's admin names them (Admin → API → Webhooks). */
export const WEBHOOK_EVENTS = ['Topic Event', 'Post Event', 'User Event', 'Category Event', 'Solved Event'] as const;

/** Each forum connected by command has its own webhook path, checked with its own secret. */
export const forumWebhookPath = (forumId: string) => `/webhooks/discourse/${forumId}`;
