/**
 * Reads that several intros operations share: names, consent and the scorer's context, for one
 * guild or for a paired community (keys of the other platform are `<away>/<id>`, across.ts). Reads
 * only, in bulk; the deciding is in the pure files.
 */
import type { Database } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { awayIdOf, awayKey } from './across.js';
import { type Community, type CommunityPool, communityBuild, communityConsent } from './community.js';
import { contextOf, mentionedIn, namesFrom } from './context.js';
import type { Profile } from './profile.js';
import type { Names } from './reasons.js';
import type { PairScore, ScoreContext } from './score.js';
import {
  channelNames,
  consentingIds,
  consentingProfiles,
  graphFacts,
  introHistory,
  lastBuild,
  memberNames,
  type ProfileRow,
} from './store.js';

/** Names of everyone messages about `scores` mention (community keys when paired). */
export async function namesFor(
  db: Database,
  guildId: GuildId,
  scores: readonly PairScore[],
  c: Community | null = null,
  now?: number,
): Promise<Names> {
  const { members, channels } = mentionedIn(scores);
  if (c) return { ...(await communityNames(db, c, members, channels)), ...(now !== undefined ? { now } : {}) };
  const [memberIds, channelIds] = await Promise.all([
    memberNames(db, guildId, [...members]),
    channelNames(db, guildId, [...channels]),
  ]);
  return namesFrom(memberIds, channelIds, now);
}

/** Names of community keys: home members from the home guild, `<away>/<id>` from the other one. */
async function communityNames(
  db: Database,
  c: Community,
  ids: ReadonlySet<string>,
  chans: ReadonlySet<string>,
): Promise<Names> {
  const split = (items: ReadonlySet<string>) => {
    const home: string[] = [];
    const away: string[] = [];
    for (const x of items) {
      const a = awayIdOf(c.away, x);
      if (a === null) home.push(x);
      else away.push(a);
    }
    return { home, away };
  };
  const m = split(ids);
  const members = await memberNames(db, c.home, m.home);
  for (const [id, name] of await memberNames(db, c.away, m.away)) members.set(awayKey(c.away, id), name);
  const ch = split(chans);
  const channelIds = await channelNames(db, c.home, ch.home);
  for (const [id, name] of await channelNames(db, c.away, ch.away)) channelIds.set(awayKey(c.away, id), name);
  return namesFrom(members, channelIds);
}

/** Display names of `ids` (community keys when paired); absent: unknown. */
export async function displayNames(
  db: Database,
  guildId: GuildId,
  c: Community | null,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (!c) return memberNames(db, guildId, ids);
  const names = await communityNames(db, c, new Set(ids), new Set());
  return new Map(ids.map((id) => [id, names.member(id)]));
}

/** Who of `ids` is in intros: by this guild's consent, or the community's when it is paired. */
export const inIntros = (db: Database, guildId: GuildId, c: Community | null, ids: readonly string[]) =>
  c ? communityConsent(db, c, ids) : consentingIds(db, guildId, ids);

/** The scorer's context for a community pool (graph facts by key, both builds, the home's history). */
export async function communityContext(
  db: Database,
  c: Community,
  pool: CommunityPool,
  now: number,
): Promise<ScoreContext> {
  const [build, history] = await Promise.all([communityBuild(db, c), introHistory(db, c.home, now)]);
  return contextOf(pool.profiles, pool.facts, build, new Set(pool.profiles.keys()), history, now);
}

/**
 * The scorer's context for a set of loaded profiles: graph facts (from `rows` when the caller
 * has them, else one lookup), hubs, history.
 */
export async function scoreContext(
  db: Database,
  guildId: GuildId,
  profiles: Map<string, Profile>,
  consented: Set<string>,
  now: number,
  rows?: ReadonlyMap<string, { degree: number; community: number | null }>,
): Promise<ScoreContext> {
  // Independent reads: concurrent on PostgreSQL's pool (one after the other on SQLite's connection).
  const [facts, build, history] = await Promise.all([
    rows ?? graphFacts(db, guildId, [...profiles.keys()]),
    lastBuild(db, guildId),
    introHistory(db, guildId, now),
  ]);
  return contextOf(profiles, facts, build, consented, history, now);
}

/** Profile rows of community keys: home ids (and linked people) from home, the rest from away. */
export async function rowsOf(db: Database, c: Community, keys: readonly string[]) {
  const home: string[] = [];
  const away: string[] = [];
  for (const key of keys) {
    const a = awayIdOf(c.away, key);
    if (a !== null) away.push(a);
    else {
      home.push(key);
      const other = c.homeToAway.get(key);
      if (other !== undefined) away.push(other);
    }
  }
  return {
    home: home.length > 0 ? await consentingProfiles(db, c.home, home) : new Map<string, ProfileRow>(),
    away: away.length > 0 ? await consentingProfiles(db, c.away, away) : new Map<string, ProfileRow>(),
  };
}
