/**
 * Intros in a paired community (a Discord guild and its forum, /convene forum connect): which guild
 * runs the community's round, who is in its pool (as keys, see across.ts), which profile stands for
 * a linked person and where each person is contacted. Reads only; service.ts decides and writes.
 *
 * Everything here reads in bulk (one query per guild and per 500 ids), never per member in a loop.
 */
import type { Database } from '../../db/database.js';
import { asGuildId, type GuildId, type Platform } from '../../events.js';
import { isForumGuild } from '../../forumIds.js';
import { readSettings } from '../../guildSettings.js';
import { awayIdOf, awayKey, type Handle, linkedConsents, linkedSkips, rekeyProfile } from './across.js';
import { activeSidesOf, linkedAcrossOf, pairedGuildOf } from './pairs.js';
import type { Profile } from './profile.js';
import {
  consentingIds,
  lastBuild,
  type Membership,
  memberHandles,
  memberships,
  type ProfileRow,
  platformOf,
  rowToProfile,
} from './store.js';

export interface Community {
  /** The guild whose round, /meet or intro this is. */
  home: GuildId;
  homePlatform: Platform;
  /** The other platform's guild of the pair. */
  away: GuildId;
  awayPlatform: Platform;
  homeToAway: ReadonlyMap<string, string>;
  awayToHome: ReadonlyMap<string, string>;
}

/** The community `guildId` belongs to, seen from it; null when it is not paired (intros as always). */
export async function communityOf(db: Database, guildId: GuildId): Promise<Community | null> {
  const away = await pairedGuildOf(db, guildId);
  if (away === null) return null;
  const homeToAway = await linkedAcrossOf(db, guildId, away);
  const awayToHome = new Map<string, string>();
  for (const [h, a] of homeToAway) awayToHome.set(a, h);
  return {
    home: guildId,
    homePlatform: await platformOf(db, guildId),
    away: asGuildId(away),
    awayPlatform: await platformOf(db, asGuildId(away)),
    homeToAway,
    awayToHome,
  };
}

/**
 * Which guild runs the round of `guildId`'s community: itself when unpaired. While paired, one round
 * covers both platforms and the Discord guild runs it (its schedule, size and channel); the forum's
 * own scheduled round is skipped. Only when the Discord guild has intros off and the forum has them
 * on does the forum run the community round.
 */
export async function roundGuildOf(db: Database, guildId: GuildId): Promise<GuildId> {
  const other = await pairedGuildOf(db, guildId);
  if (other === null) return guildId;
  const forumSide = isForumGuild(guildId);
  const discord = asGuildId(forumSide ? other : guildId);
  const forum = asGuildId(forumSide ? guildId : other);
  const discordOn = (await readSettings(db, discord)).intros.enabled;
  const forumOn = (await readSettings(db, forum)).intros.enabled;
  return !discordOn && forumOn ? forum : discord;
}

export const keyOfAway = (c: Community, id: string) => c.awayToHome.get(id) ?? awayKey(c.away, id);

export interface CommunityPool {
  /** Every person once, by key, with the profile that stands for them. */
  profiles: Map<string, Profile>;
  /** Degree and partition by key (away partitions are renumbered below zero: never equal to home's). */
  facts: Map<string, { degree: number; community: number | null }>;
  /** Where each person is contacted (a linked person: the platform of their most recent post). */
  contact: Map<string, { guildId: GuildId; memberId: string; platform: Platform }>;
}

/**
 * The people of the community among `homeRows` and `awayRows` (consenting members of each guild, as
 * the store returns them), each once. A linked person is in when their latest decision on either
 * platform is "in" (and, for a round, neither side skips this one); their profile is the one of the
 * platform where they posted last (the other one when that side has none).
 */
export async function communityPool(
  db: Database,
  c: Community,
  homeRows: ReadonlyMap<string, ProfileRow>,
  awayRows: ReadonlyMap<string, ProfileRow>,
  now: number,
  forRound: boolean,
): Promise<CommunityPool> {
  const linkedHome = new Set<string>();
  for (const id of homeRows.keys()) if (c.homeToAway.has(id)) linkedHome.add(id);
  for (const id of awayRows.keys()) {
    const h = c.awayToHome.get(id);
    if (h !== undefined) linkedHome.add(h);
  }
  const linked = [...linkedHome];
  const linkedAway = linked.map((h) => c.homeToAway.get(h)!);
  const mHome = linked.length > 0 ? await memberships(db, c.home, linked) : new Map<string, Membership>();
  const mAway = linked.length > 0 ? await memberships(db, c.away, linkedAway) : new Map<string, Membership>();
  const sides = await activeSidesOf(
    db,
    c.home,
    c.away,
    linked.map((h, i) => [h, linkedAway[i]!] as const),
  );

  // Degrees are compared with one hub threshold (the home build's): away degrees are scaled by the
  // ratio of the two thresholds, so a forum's hubs are hubs and nobody else is.
  const hubHome = (await lastBuild(db, c.home))?.hubDegree;
  const hubAway = (await lastBuild(db, c.away))?.hubDegree;
  const scale = hubHome && hubAway && Number.isFinite(hubHome) && Number.isFinite(hubAway) ? hubHome / hubAway : 1;
  const out: CommunityPool = { profiles: new Map(), facts: new Map(), contact: new Map() };
  const fromAway = (id: string) => keyOfAway(c, id);
  const addHome = (key: string, row: ProfileRow) => {
    out.profiles.set(key, rekeyProfile(rowToProfile(row, now), key, null, null));
    out.facts.set(key, { degree: row.degree, community: row.community });
  };
  const addAway = (key: string, row: ProfileRow) => {
    out.profiles.set(key, rekeyProfile(rowToProfile(row, now), key, fromAway, c.away));
    out.facts.set(key, {
      degree: row.degree * scale,
      community: row.community === null ? null : -1 - row.community,
    });
  };

  for (const [id, row] of homeRows) {
    if (linkedHome.has(id)) continue;
    addHome(id, row);
    out.contact.set(id, { guildId: c.home, memberId: id, platform: c.homePlatform });
  }
  for (const [id, row] of awayRows) {
    if (c.awayToHome.has(id)) continue;
    const key = awayKey(c.away, id);
    addAway(key, row);
    out.contact.set(key, { guildId: c.away, memberId: id, platform: c.awayPlatform });
  }
  for (const h of linked) {
    const a = c.homeToAway.get(h)!;
    if (!linkedConsents(mHome.get(h), mAway.get(a))) continue;
    if (forRound && linkedSkips(mHome.get(h), mAway.get(a), now)) continue;
    // Contacted where they posted last, among the platforms they are still a member of.
    const side = sides.get(h);
    if (side === undefined) continue;
    const awayActive = side === 'there';
    const homeRow = homeRows.get(h);
    const awayRow = awayRows.get(a);
    if (awayRow && (awayActive || !homeRow)) addAway(h, awayRow);
    else if (homeRow) addHome(h, homeRow);
    else continue;
    out.contact.set(
      h,
      awayActive
        ? { guildId: c.away, memberId: a, platform: c.awayPlatform }
        : { guildId: c.home, memberId: h, platform: c.homePlatform },
    );
  }
  return out;
}

/** The account a key stands for without looking at activity (follow-ups, the Accept/Decline flow). */
export function accountOfKey(c: Community, key: string): { guildId: GuildId; memberId: string; platform: Platform } {
  const away = awayIdOf(c.away, key);
  return away === null
    ? { guildId: c.home, memberId: key, platform: c.homePlatform }
    : { guildId: c.away, memberId: away, platform: c.awayPlatform };
}

/**
 * Which of `keys` are in intros now, across both platforms (a linked person: their latest decision
 * on either platform, and consenting by the store's rules on at least one).
 */
export async function communityConsent(db: Database, c: Community, keys: readonly string[]): Promise<Set<string>> {
  const home: string[] = [];
  const away: string[] = [];
  const linked: string[] = [];
  for (const key of keys) {
    const a = awayIdOf(c.away, key);
    if (a !== null) away.push(a);
    else if (c.homeToAway.has(key)) linked.push(key);
    else home.push(key);
  }
  const out = new Set<string>();
  for (const id of await consentingIds(db, c.home, home)) out.add(id);
  for (const id of await consentingIds(db, c.away, away)) out.add(awayKey(c.away, id));
  if (linked.length > 0) {
    const linkedAway = linked.map((h) => c.homeToAway.get(h)!);
    const inHome = await consentingIds(db, c.home, linked);
    const inAway = await consentingIds(db, c.away, linkedAway);
    const mHome = await memberships(db, c.home, linked);
    const mAway = await memberships(db, c.away, linkedAway);
    for (const h of linked) {
      const a = c.homeToAway.get(h)!;
      if ((inHome.has(h) || inAway.has(a)) && linkedConsents(mHome.get(h), mAway.get(a))) out.add(h);
    }
  }
  return out;
}

/** Names and handles of the located people (two bulk reads: one per guild). */
export async function handlesOf(
  db: Database,
  contact: ReadonlyMap<string, { guildId: GuildId; memberId: string; platform: Platform }>,
  keys: readonly string[],
): Promise<Map<string, Handle>> {
  const byGuild = new Map<string, string[]>();
  for (const key of keys) {
    const at = contact.get(key);
    if (!at) continue;
    const ids = byGuild.get(at.guildId);
    if (ids) ids.push(at.memberId);
    else byGuild.set(at.guildId, [at.memberId]);
  }
  const known = new Map<string, { displayName: string; username: string }>();
  for (const [guildId, ids] of byGuild)
    for (const [id, h] of await memberHandles(db, guildId, ids)) known.set(`${guildId}\u0000${id}`, h);
  const out = new Map<string, Handle>();
  for (const key of keys) {
    const at = contact.get(key);
    if (!at) continue;
    const h = known.get(`${at.guildId}\u0000${at.memberId}`);
    out.set(key, {
      key,
      ...at,
      displayName: h?.displayName ?? 'a member',
      username: h?.username ?? h?.displayName ?? 'a member',
    });
  }
  return out;
}

/** Hub threshold and size of the whole community (both builds). */
export async function communityBuild(
  db: Database,
  c: Community,
): Promise<{ memberCount: number; hubDegree: number } | null> {
  const h = await lastBuild(db, c.home);
  const a = await lastBuild(db, c.away);
  if (!h && !a) return null;
  return {
    memberCount: (h?.memberCount ?? 0) + (a?.memberCount ?? 0),
    // Away degrees are scaled to the home threshold (communityPool).
    hubDegree: h ? h.hubDegree : Number.POSITIVE_INFINITY,
  };
}
