/** Links to a question on its platform (pure). */
import type { Platform } from '../../events.js';
import { forumHost } from '../../forumIds.js';

/** Where to build links from: the configured forum address (DISCOURSE_URL), when there is one. */
export interface LinkBase {
  forumUrl?: string | undefined;
}

/**
 * The forum's web address for a forum guild: the configured URL when it is this forum's (its scheme
 * and sub-path kept: a forum at http://host:8080/community/ links there), else https://<host>.
 */
export function forumBase(guildId: string, forumUrl?: string): string | null {
  const host = forumHost(guildId);
  if (!host) return null;
  if (forumUrl) {
    try {
      const url = new URL(forumUrl);
      if (url.host === host) return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      // Config validated it as a URL; a bad value here means another forum's: fall through to the host.
    }
  }
  return `https://${host}`;
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
  forumUrl?: string,
): string | null {
  if (platform === 'discord') {
    return `https://discord.com/channels/${guildId}/${channelId}${messageId ? `/${messageId}` : ''}`;
  }
  const base = forumBase(guildId, forumUrl);
  if (!base || !/^\d+$/.test(channelId)) return null;
  return `${base}/t/${channelId}`;
}

/** The link base from the bot's config (DISCOURSE_URL). */
export const linksOf = (config: { discourse?: { url: string } | undefined }): LinkBase => ({
  forumUrl: config.discourse?.url,
});
