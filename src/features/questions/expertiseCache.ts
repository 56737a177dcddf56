/**
 * The expertise index cache: a per-process cache of the tables (rebuilt on first use and every
 * REBUILD_MS, updated by events in between), so a second process or a restart loses nothing. An
 * erasure or a changed pair or link in any process drops the guild's index (db/cacheGenerations.ts).
 */
import { checkCaches, onCacheChange } from '../../db/cacheGenerations.js';
import type { Db } from '../../db/connection.js';
import { type Account, counterpart, linkedAcross, pairedGuild } from '../links/identity.js';
import type { ExpertiseIndex } from './expertise.js';
import { loadExpertise, replayInto } from './expertiseStore.js';

const HOUR_MS = 3_600_000;

/** A process that did not see every event (a second shard, a long run) re-reads the tables this often. */
const REBUILD_MS = 6 * HOUR_MS;

const caches = new WeakMap<Db, Map<string, { index: ExpertiseIndex; builtAt: number }>>();

function cacheOf(db: Db): Map<string, { index: ExpertiseIndex; builtAt: number }> {
  let c = caches.get(db);
  if (!c) {
    const made = new Map<string, { index: ExpertiseIndex; builtAt: number }>();
    // An erasure or a changed pair/link, committed by any process (db/cacheGenerations.ts): rebuilt on next use.
    onCacheChange(db, 'erased', (guildId) => made.delete(guildId));
    onCacheChange(db, 'pairs', (guildId) => made.delete(guildId));
    caches.set(db, made);
    c = made;
  }
  checkCaches(db);
  return c;
}

/** The guild's expertise index, rebuilt from the tables when missing or older than REBUILD_MS. */
export function expertiseOf(db: Db, guildId: string, now: number): ExpertiseIndex {
  const cache = cacheOf(db);
  const hit = cache.get(guildId);
  if (hit && now - hit.builtAt < REBUILD_MS && now >= hit.builtAt) return hit.index;
  const other = pairedGuild(db, guildId);
  const index = loadExpertise(
    db,
    guildId,
    other === null ? undefined : { guildId: other, ids: linkedAcross(db, other) },
  );
  cache.set(guildId, { index, builtAt: now });
  return index;
}

/**
 * The cached index of the other platform, and this member's id there, when the member is linked
 * (their posts and answers here also count there: one person, one expertise record).
 */
export function twinOf(
  db: Db,
  guildId: string,
  memberId: string,
): { index: ExpertiseIndex; id: string; guildId: string } | null {
  const other = counterpart(db, guildId, memberId);
  if (!other) return null;
  const index = cachedIndex(db, other.guildId);
  return index ? { index, id: other.memberId, guildId: other.guildId } : null;
}

/** How an asker here is known in the other platform's index (see expertiseStore.ts replayInto). */
export function askerThere(db: Db, guildId: string, askerId: string): string {
  return counterpart(db, guildId, askerId)?.memberId ?? `${guildId}/${askerId}`;
}

/**
 * Two accounts were just linked: add each account's history to the other platform's cached index
 * (an index not built yet includes it when it is built).
 */
export function mergeExpertise(db: Db, discord: Account, forum: Account, _now: number): void {
  for (const [into, from] of [
    [discord, forum],
    [forum, discord],
  ] as const) {
    const index = cachedIndex(db, into.guildId);
    if (index) replayInto(index, db, from.guildId, new Map([[from.memberId, into.memberId]]));
  }
}

/**
 * Install an index built elsewhere (a rebuild done off the hot path, a benchmark) as the guild's
 * cache, as of `now`. It must reflect the tables: events after `now` keep it current.
 */
export function useExpertise(db: Db, guildId: string, index: ExpertiseIndex, now: number): void {
  cacheOf(db).set(guildId, { index, builtAt: now });
}

/** Drop the cached index (after an erase): the next use rebuilds it from the tables. */
export function forgetExpertise(db: Db, guildId: string): void {
  cacheOf(db).delete(guildId);
}

/** The index only if it is built: events update it, and a missing one is built from the tables later. */
export const cachedIndex = (db: Db, guildId: string) => cacheOf(db).get(guildId)?.index;
