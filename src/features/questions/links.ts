/** Links to a question on its platform (pure). */
import type { Platform } from '../../events.js';
import { forumBase } from '../../forumIds.js';

/** Where to build links from: the addresses of the forums Convene knows (see forumBase). */
export interface LinkBase {
  forumUrls?: readonly string[];
}

/**
 * Discord: https://discord.com/channels/<guild>/<channel>[/<message>] opens in every client.
 * Discourse: the guild id is "discourse:<host>" and a thread id is the topic id
 * (src/platforms/discourse/ids.ts), so <forum>/t/<topic>. Null when no link can be made.
 */
export function questionLink(
  platform: Platform,
  guildId: string,
  channelId: string,
  messageId: string | null = null,
  forumUrls: readonly string[] = [],
): string | null {
  if (platform === 'discord') {
    return `https://discord.com/channels/${guildId}/${channelId}${messageId ? `/${messageId}` : ''}`;
  }
  const base = forumBase(guildId, forumUrls);
  if (!base || !/^\d+$/.test(channelId)) return null;
  return `${base}/t/${channelId}`;
}
