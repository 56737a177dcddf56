/**
 * Which guild ids are Discourse forums, and their host: a forum is one guild, `discourse:<host>`.
 * Platform-neutral (features read it to word links and statuses), so it lives outside
 * `platforms/`; `platforms/discourse/ids.ts` re-exports it with the rest of the forum's id mapping.
 */
import { asGuildId, type GuildId } from './events.js';

const FORUM = 'discourse:';

/** The guild id of the forum at this URL. */
export function guildIdFor(forumUrl: string): GuildId {
  return asGuildId(`${FORUM}${new URL(forumUrl).host}`);
}

/** Whether a guild id is a forum's (else a Discord guild's). */
export const isForumGuild = (guildId: string): boolean => guildId.startsWith(FORUM);

/** The forum's host ("forum.example") from its guild id; "" for a Discord guild. */
export const forumHost = (guildId: string): string => (isForumGuild(guildId) ? guildId.slice(FORUM.length) : '');

/**
 * The forum's web address for a forum guild, from the addresses of the forums Convene knows
 * (DISCOURSE_URL and the forums connected by command): the one on this host, its scheme and sub-path
 * kept (a forum at http://host:8080/community/ links there); https://<host> when none is known.
 */
export function forumBase(guildId: string, knownUrls: readonly string[] = []): string | null {
  const host = forumHost(guildId);
  if (!host) return null;
  for (const known of knownUrls) {
    try {
      const url = new URL(known);
      if (url.host === host) return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      // Stored and configured addresses were validated as URLs; another value is not this forum's.
    }
  }
  return `https://${host}`;
}
