/**
 * Building profiles: the daily build of a guild (and before every round), and the build a member
 * needs at once: someone who has just joined, or who asks /meet before the first build, must not
 * wait a day to be found or to find anyone.
 */
import type { Db } from '../../db/connection.js';
import { asGuildId, type GuildId, type MemberId } from '../../events.js';
import { linkedAcross, partnerOf } from '../links/identity.js';
import { buildProfiles, type Vocabulary, vocabularyOf } from './profile.js';
import {
  hasMessagesBeyond,
  lastBuild,
  markBuildStale,
  membership,
  profileRow,
  profileSource,
  saveProfiles,
} from './store.js';

const DAY_MS = 86_400_000;

/** How far back messages count for a profile. */
export const PROFILE_WINDOW_MS = 365 * DAY_MS;
/** Profiles are rebuilt when older than this (the scan job) and before every round. */
export const PROFILE_MAX_AGE_MS = DAY_MS;
/**
 * A guild with at most this many messages in the profile window is rebuilt on the spot when a
 * member needs a profile (well under a second); a bigger one is marked stale, and the next scan
 * (every few minutes) rebuilds it.
 */
export const ON_DEMAND_MESSAGES = 50_000;

/** Rebuild every consenting member's profile and the term index (when stale, or `force`). */
export function refreshProfiles(db: Db, guildId: GuildId, now: number, force = false): boolean {
  const last = lastBuild(db, guildId);
  if (!force && last && now - last.builtAt < PROFILE_MAX_AGE_MS) return false;
  const source = profileSource(db, guildId, now - PROFILE_WINDOW_MS, now);
  const { profiles, stats } = buildProfiles(source, now, sharedVocabulary(db, guildId, now));
  saveProfiles(
    db,
    guildId,
    profiles,
    { degree: stats.degree, community: stats.community, hubDegree: stats.hubDegree },
    now,
  );
  return true;
}

/**
 * Make sure a member in intros has a profile built since they joined: build the guild's profiles
 * now when it is small enough, else have the next scan do it. Returns whether it was built now.
 */
export function ensureProfile(db: Db, guildId: GuildId, memberId: MemberId, now: number): boolean {
  const joinedAt = membership(db, guildId, memberId)?.joinedAt;
  const builtAt = profileRow(db, guildId, memberId)?.builtAt ?? null;
  if (joinedAt === undefined || (builtAt !== null && builtAt >= joinedAt)) return false;
  if (hasMessagesBeyond(db, guildId, now - PROFILE_WINDOW_MS, ON_DEMAND_MESSAGES)) {
    markBuildStale(db, guildId);
    return false;
  }
  return refreshProfiles(db, guildId, now, true);
}

/**
 * In a paired community, the other platform's words (its linked accounts left out: their person is
 * counted here), so that two people who talk about the same thing on different platforms match.
 */
function sharedVocabulary(db: Db, guildId: GuildId, now: number): Vocabulary | undefined {
  const partner = partnerOf(db, guildId);
  if (partner === null) return undefined;
  const linked = new Set(linkedAcross(db, partner).keys());
  return vocabularyOf(profileSource(db, asGuildId(partner), now - PROFILE_WINDOW_MS, now), linked);
}
