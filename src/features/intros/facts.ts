/**
 * Reads that several intros operations share: names, consent and the scorer's context, for one
 * guild or for a paired community (keys of the other platform are `<away>/<id>`, across.ts). Reads
 * only, in bulk; the deciding is in the pure files.
 */
import type { Db } from '../../db/connection.js';
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
export function namesFor(
  db: Db,
  guildId: GuildId,
  scores: readonly PairScore[],
  c: Community | null = null,
  now?: number,
): Names {
  const { members, channels } = mentionedIn(scores);
  if (c) return { ...communityNames(db, c, members, channels), ...(now !== undefined ? { now } : {}) };
  return namesFrom(memberNames(db, guildId, [...members]), channelNames(db, guildId, [...channels]), now);
}

/** Names of community keys: home members from the home guild, `<away>/<id>` from the other one. */
function communityNames(db: Db, c: Community, ids: ReadonlySet<string>, chans: ReadonlySet<string>): Names {
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
  const members = memberNames(db, c.home, m.home);
  for (const [id, name] of memberNames(db, c.away, m.away)) members.set(awayKey(c.away, id), name);
  const ch = split(chans);
  const channelIds = channelNames(db, c.home, ch.home);
  for (const [id, name] of channelNames(db, c.away, ch.away)) channelIds.set(awayKey(c.away, id), name);
  return namesFrom(members, channelIds);
}

/** Display names of `ids` (community keys when paired); absent: unknown. */
export function displayNames(
  db: Db,
  guildId: GuildId,
  c: Community | null,
  ids: readonly string[],
): Map<string, string> {
  if (!c) return memberNames(db, guildId, ids);
  const names = communityNames(db, c, new Set(ids), new Set());
  return new Map(ids.map((id) => [id, names.member(id)]));
}

/** Who of `ids` is in intros: by this guild's consent, or the community's when it is paired. */
export const inIntros = (db: Db, guildId: GuildId, c: Community | null, ids: readonly string[]) =>
  c ? communityConsent(db, c, ids) : consentingIds(db, guildId, ids);

/** The scorer's context for a community pool (graph facts by key, both builds, the home's history). */
export function communityContext(db: Db, c: Community, pool: CommunityPool, now: number): ScoreContext {
  return contextOf(
    pool.profiles,
    pool.facts,
    communityBuild(db, c),
    new Set(pool.profiles.keys()),
    introHistory(db, c.home, now),
    now,
  );
}

/**
 * The scorer's context for a set of loaded profiles: graph facts (from `rows` when the caller
 * has them, else one lookup), hubs, history.
 */
export function scoreContext(
  db: Db,
  guildId: GuildId,
  profiles: Map<string, Profile>,
  consented: Set<string>,
  now: number,
  rows?: ReadonlyMap<string, { degree: number; community: number | null }>,
): ScoreContext {
  const facts = rows ?? graphFacts(db, guildId, [...profiles.keys()]);
  return contextOf(profiles, facts, lastBuild(db, guildId), consented, introHistory(db, guildId, now), now);
}

/** Profile rows of community keys: home ids (and linked people) from home, the rest from away. */
export function rowsOf(db: Db, c: Community, keys: readonly string[]) {
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
    home: home.length > 0 ? consentingProfiles(db, c.home, home) : new Map<string, ProfileRow>(),
    away: away.length > 0 ? consentingProfiles(db, c.away, away) : new Map<string, ProfileRow>(),
  };
}
