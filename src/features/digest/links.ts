/** Links to a thread on its platform (pure). */
import type { GuildId, Platform } from '../../events.js';
import { forumHost } from '../../forumIds.js';

/**
 * Discord: the channel URL every client opens. Discourse: the guild id is "discourse:<host>" and a
 * thread id is the topic id (src/platforms/discourse/ids.ts), so "/t/<id>" on that host.
 */
export function threadUrl(platform: Platform, guildId: GuildId, threadId: string): string | undefined {
  if (platform === 'discord') return `https://discord.com/channels/${guildId}/${threadId}`;
  const host = forumHost(guildId);
  if (!host || !/^\d+$/.test(threadId)) return undefined;
  return `https://${host}/t/${threadId}`;
}
