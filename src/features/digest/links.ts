/** Links to a thread on its platform (pure). */
import type { GuildId, Platform } from '../../events.js';
import { forumBase } from '../../forumIds.js';

/**
 * Discord: the channel URL every client opens. Discourse: the guild id is "discourse:<host>" and a
 * thread id is the topic id (src/platforms/discourse/ids.ts), so "/t/<id>" at the forum's address
 * (forumBase: its scheme and sub-path, from the forums Convene knows).
 */
export function threadUrl(
  platform: Platform,
  guildId: GuildId,
  threadId: string,
  forumUrls: readonly string[] = [],
): string | undefined {
  if (platform === 'discord') return `https://discord.com/channels/${guildId}/${threadId}`;
  const base = forumBase(guildId, forumUrls);
  if (!base || !/^\d+$/.test(threadId)) return undefined;
  return `${base}/t/${threadId}`;
}
