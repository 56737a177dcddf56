/** Links to a question on its platform (pure). */
import type { Platform } from '../../events.js';
import { forumHost } from '../../platforms/discourse/ids.js';

/**
 * Discord: https://discord.com/channels/<guild>/<channel>[/<message>] opens in every client.
 * Discourse: the guild id is "discourse:<host>" and a thread id is the topic id
 * (src/platforms/discourse/ids.ts), so https://<host>/t/<topic>. Null when no link can be made.
 */
export function questionLink(
  platform: Platform,
  guildId: string,
  channelId: string,
  messageId: string | null = null,
): string | null {
  if (platform === 'discord') {
    return `https://discord.com/channels/${guildId}/${channelId}${messageId ? `/${messageId}` : ''}`;
  }
  const host = forumHost(guildId);
  if (!host || !/^\d+$/.test(channelId)) return null;
  return `https://${host}/t/${channelId}`;
}
