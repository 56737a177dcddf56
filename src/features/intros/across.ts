/**
 * One community on two platforms (pure): how members of a paired Discord guild and forum become one
 * pool of intros, and how each person is named to the others.
 *
 * Inside a community round or /meet, every person is one *key*:
 * - a member of the guild that runs it ("home") keeps their id;
 * - a linked person (confirmed account link) is their home id, whichever side they are active on;
 * - any other member of the paired guild ("away") is `<away guild>/<id>`.
 * Forum user ids are small integers and Discord ids are snowflakes, but test and archive ids can be
 * anything: the prefix (a guild id always has ":" or is a snowflake, never a bare member id with "/")
 * keeps an away member from ever being mistaken for a home member with the same id.
 *
 * Profiles are built per guild (terms, neighbours, channels in that guild's ids). An away profile is
 * re-keyed here: its neighbours become keys (a linked neighbour is then a neighbour in common with
 * home members, the only graph fact two platforms can share), its channels are prefixed (a forum
 * category never counts as "the same channel" as a Discord channel) except forum tags ("tag:vulkan"),
 * which mean the same topic on both platforms.
 */
import type { Platform } from '../../events.js';
import type { Profile } from './profile.js';

export interface Account {
  guildId: string;
  memberId: string;
}

/** A person's intros consent on one platform (an intros_members row). */
export interface ConsentRow {
  joinedAt: number;
  leftAt: number | null;
  skipUntil: number | null;
}

export const awayKey = (awayGuildId: string, memberId: string) => `${awayGuildId}/${memberId}`;

/** The away member id of a key, or null when the key is a home member (or a linked person). */
export function awayIdOf(awayGuildId: string, key: string): string | null {
  const prefix = `${awayGuildId}/`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : null;
}

/**
 * Whether a linked person is in intros: their most recent decision on either platform wins (joining
 * on the forum after leaving on Discord is a yes; leaving anywhere after joining is a no).
 */
export function linkedConsents(home: ConsentRow | undefined, away: ConsentRow | undefined): boolean {
  let latest: { at: number; in: boolean } | null = null;
  for (const row of [home, away]) {
    if (!row) continue;
    const decision =
      row.leftAt !== null && row.leftAt >= row.joinedAt
        ? { at: row.leftAt, in: false }
        : { at: row.joinedAt, in: true };
    if (!latest || decision.at > latest.at || (decision.at === latest.at && !decision.in)) latest = decision;
  }
  return latest?.in ?? false;
}

/** Skipping this round on either platform ("Skip me next round") skips the person. */
export const linkedSkips = (home: ConsentRow | undefined, away: ConsentRow | undefined, now: number) =>
  [home, away].some((r) => r?.skipUntil != null && r.skipUntil > now);

/**
 * An away profile under its community key: neighbours re-keyed, channels prefixed with the guild
 * (tags kept). A home profile only gets its key (`memberId`) when it differs.
 */
export function rekeyProfile(
  p: Profile,
  key: string,
  neighbourKey: ((id: string) => string) | null,
  channelPrefix: string | null,
): Profile {
  if (!neighbourKey && !channelPrefix) return key === p.memberId ? p : { ...p, memberId: key };
  const neighbours = new Map<string, number>();
  const neighbourDegree = new Map<string, number>();
  for (const [id, w] of p.neighbours) neighbours.set(neighbourKey ? neighbourKey(id) : id, w);
  for (const [id, d] of p.neighbourDegree) neighbourDegree.set(neighbourKey ? neighbourKey(id) : id, d);
  const channels = new Map<string, number>();
  for (const [c, share] of p.channels)
    channels.set(channelPrefix && !c.startsWith('tag:') ? `${channelPrefix}/${c}` : c, share);
  return { ...p, memberId: key, neighbours, neighbourDegree, channels };
}

/** How a person is reached, for naming them to someone else. */
export interface Handle {
  key: string;
  /** Where they are contacted. */
  platform: Platform;
  guildId: string;
  memberId: string;
  displayName: string;
  username: string;
}

/**
 * How to name `other` in a private message to someone on `to` (guild `toGuild`): a Discord member of
 * the same guild is mentioned (`<@id>`, and listed in `mentions`), anyone else is named with the
 * handle to find them by ("@cyd_forum on the forum", "Cyd on Discord (cyd)"). Nothing here pings a
 * member of the other platform. `quiet` neutralises user-supplied names.
 */
export function nameFor(
  other: Handle,
  to: { platform: Platform; guildId: string },
  quiet: (text: string) => string,
): { text: string; mention: string | null } {
  if (other.platform === 'discord' && to.platform === 'discord' && other.guildId === to.guildId)
    return { text: `<@${other.memberId}>`, mention: other.memberId };
  if (other.platform === 'discourse') {
    const here = to.platform === 'discourse' ? ' here' : '';
    return { text: `@${quiet(other.username)}${here} on the forum`, mention: null };
  }
  const user = other.username && other.username !== other.displayName ? ` (${quiet(other.username)})` : '';
  return { text: `${quiet(other.displayName)} on Discord${user}`, mention: null };
}
