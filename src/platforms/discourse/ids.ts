/**
 * How Discourse objects become Convene ids. A forum is one guild, `discourse:<host>`. Topics are
 * threads and keep their bare id ("16"), posts are messages ("24"), users are members ("7").
 * Categories are channels too, and Discourse numbers categories and topics separately, so category 4
 * and topic 4 both exist: categories carry a prefix ("category:4") to keep them apart in one table.
 * A role is a group ("45") or, for journeys that reward with badges, a badge ("badge:3").
 */
import { asChannelId, asMemberId, asMessageId, type ChannelId } from '../../events.js';

// Which guild ids are forums is platform-neutral (features use it): it lives in src/forumIds.ts.
export { forumHost, guildIdFor, isForumGuild } from '../../forumIds.js';

export const platform = 'discourse' as const;

const CATEGORY = 'category:';
const BADGE = 'badge:';

export const categoryChannelId = (id: number | string): ChannelId => asChannelId(`${CATEGORY}${id}`);
export const topicChannelId = (id: number | string): ChannelId => asChannelId(String(id));
export const postMessageId = (id: number | string) => asMessageId(String(id));
export const userMemberId = (id: number | string) => asMemberId(String(id));
export const badgeRoleId = (id: number | string) => `${BADGE}${id}`;

const POSITIVE_INT = /^\d+$/;

export type ChannelRef = { kind: 'category'; id: number } | { kind: 'topic'; id: number };

/** A channel id of ours back to what it names on the forum; null when it is not a Discourse id. */
export function parseChannelId(id: string): ChannelRef | null {
  if (id.startsWith(CATEGORY)) {
    const rest = id.slice(CATEGORY.length);
    return POSITIVE_INT.test(rest) ? { kind: 'category', id: Number(rest) } : null;
  }
  return POSITIVE_INT.test(id) ? { kind: 'topic', id: Number(id) } : null;
}

export type RoleRef = { kind: 'group'; id: number } | { kind: 'badge'; id: number };

export function parseRoleId(id: string): RoleRef | null {
  if (id.startsWith(BADGE)) {
    const rest = id.slice(BADGE.length);
    return POSITIVE_INT.test(rest) ? { kind: 'badge', id: Number(rest) } : null;
  }
  return POSITIVE_INT.test(id) ? { kind: 'group', id: Number(id) } : null;
}

/** Discourse's ISO-8601 timestamps to epoch ms; null for a missing or unreadable value. */
export function isoToMs(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
