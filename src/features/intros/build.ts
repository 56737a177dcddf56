/**
 * Building profiles: the daily build of a guild (and before every round), and the build a member
 * needs at once: someone who has just joined, or who asks /meet before the first build, must not
 * wait a day to be found or to find anyone.
 */
import type { Database } from '../../db/database.js';
import { asGuildId, type GuildId, type MemberId } from '../../events.js';
import { linkedAcrossOf, pairedGuildOf } from './pairs.js';
import { profileBuilder, type Vocabulary, vocabularyBuilder } from './profile.js';
import {
  hasMessagesBeyond,
  lastBuild,
  markBuildStale,
  membership,
  profileSource,
  readProfileRow,
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
export async function refreshProfiles(db: Database, guildId: GuildId, now: number, force = false): Promise<boolean> {
  const last = await lastBuild(db, guildId);
  if (!force && last && now - last.builtAt < PROFILE_MAX_AGE_MS) return false;
  const shared = await sharedVocabulary(db, guildId, now);
  const { source, pages } = await profileSource(db, guildId, now - PROFILE_WINDOW_MS, now);
  const builder = profileBuilder(source, now);
  for await (const page of pages) for (const msg of page) builder.add(msg);
  const { profiles, stats } = builder.finish(shared);
  await saveProfiles(
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
export async function ensureProfile(db: Database, guildId: GuildId, memberId: MemberId, now: number): Promise<boolean> {
  const joinedAt = (await membership(db, guildId, memberId))?.joinedAt;
  const builtAt = (await readProfileRow(db, guildId, memberId))?.builtAt ?? null;
  if (joinedAt === undefined || (builtAt !== null && builtAt >= joinedAt)) return false;
  if (await hasMessagesBeyond(db, guildId, now - PROFILE_WINDOW_MS, ON_DEMAND_MESSAGES)) {
    await markBuildStale(db, guildId);
    return false;
  }
  return refreshProfiles(db, guildId, now, true);
}

/**
 * In a paired community, the other platform's words (its linked accounts left out: their person is
 * counted here), so that two people who talk about the same thing on different platforms match.
 */
async function sharedVocabulary(db: Database, guildId: GuildId, now: number): Promise<Vocabulary | undefined> {
  const partner = await pairedGuildOf(db, guildId);
  if (partner === null) return undefined;
  const linked = new Set((await linkedAcrossOf(db, partner, guildId)).keys());
  const { source, pages } = await profileSource(db, asGuildId(partner), now - PROFILE_WINDOW_MS, now);
  const builder = vocabularyBuilder(source, linked);
  for await (const page of pages) for (const msg of page) builder.add(msg);
  return builder.finish();
}
