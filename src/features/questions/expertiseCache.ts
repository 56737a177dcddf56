/**
 * The expertise index cache: a per-process cache of the tables (rebuilt on first use and every
 * REBUILD_MS, updated by events in between), so a second process or a restart loses nothing. An
 * erasure or a changed pair or link in any process drops the guild's index (db/cacheGenerations.ts),
 * heard through the process's shared watcher (db/cacheWatch.ts: the connection's watch on SQLite,
 * LISTEN on PostgreSQL). An index built while a drop arrived is not kept.
 */
import type { CacheScope } from '../../db/cacheGenerations.js';
import { type CacheWatcher, sharedWatcher } from '../../db/cacheWatch.js';
import type { Database } from '../../db/database.js';
import { opsOf } from '../../db/handle.js';
import type { Account } from '../links/identity.js';
import { readCounterpart, readLinkedAcross, readPairedGuild } from '../links/identity.js';
import type { ExpertiseIndex } from './expertise.js';
import { loadExpertise } from './expertiseStore.js';

const HOUR_MS = 3_600_000;

/** A process that did not see every event (a second shard, a long run) re-reads the tables this often. */
const REBUILD_MS = 6 * HOUR_MS;

/** What drops a guild's index. */
const SCOPES: readonly CacheScope[] = ['erased', 'pairs'];

interface Entry {
  index: ExpertiseIndex;
  builtAt: number;
}

interface Cache {
  entries: Map<string, Entry>;
  /** Drops heard per guild: an index built across one is stale when done. */
  drops: Map<string, number>;
  /** The process's watch of the database, made at the first use. */
  watcher: Promise<CacheWatcher>;
}

/** One cache per connection (SQLite) or pool (PostgreSQL): a transaction's handle shares its database's. */
const caches = new WeakMap<object, Cache>();

function cacheFor(database: Database): Cache {
  const root = opsOf(database).root;
  let c = caches.get(root);
  if (!c) {
    const entries = new Map<string, Entry>();
    const drops = new Map<string, number>();
    c = {
      entries,
      drops,
      watcher: sharedWatcher(database).then((w) => {
        // An erasure or a changed pair/link, committed by any process: rebuilt on next use.
        for (const scope of SCOPES) {
          w.on(scope, (guildId) => {
            entries.delete(guildId);
            drops.set(guildId, (drops.get(guildId) ?? 0) + 1);
          });
        }
        return w;
      }),
    };
    // No watch (the server went away): the next use tries again; the failure is the caller's.
    c.watcher.catch(() => caches.delete(root));
    caches.set(root, c);
  }
  return c;
}

/** The guild's entry if it still holds (nothing was erased or (un)linked since it was made), and the drops so far. */
async function entryOf(db: Database, guildId: string): Promise<{ entry?: Entry; drops: number }> {
  const c = cacheFor(db);
  await (await c.watcher).check();
  return { entry: c.entries.get(guildId), drops: c.drops.get(guildId) ?? 0 };
}

/** Keep an index built from what was read after `drops` drops, unless another came meanwhile. */
function keep(db: Database, guildId: string, entry: Entry, drops: number): void {
  const c = cacheFor(db);
  if ((c.drops.get(guildId) ?? 0) === drops) c.entries.set(guildId, entry);
}

/** The guild's expertise index, rebuilt from the tables when missing or older than REBUILD_MS. */
export async function expertiseOf(db: Database, guildId: string, now: number): Promise<ExpertiseIndex> {
  const { entry: hit, drops } = await entryOf(db, guildId);
  if (hit && now - hit.builtAt < REBUILD_MS && now >= hit.builtAt) return hit.index;
  const other = await readPairedGuild(db, guildId);
  const index = await loadExpertise(
    db,
    guildId,
    other === null ? undefined : { guildId: other, ids: await readLinkedAcross(db, other) },
  );
  keep(db, guildId, { index, builtAt: now }, drops);
  return index;
}

/**
 * The cached index of the other platform, and this member's id there, when the member is linked
 * (their posts and answers here also count there: one person, one expertise record).
 */
export async function twinOf(
  db: Database,
  guildId: string,
  memberId: string,
): Promise<{ index: ExpertiseIndex; id: string; guildId: string } | null> {
  const other = await readCounterpart(db, guildId, memberId);
  if (!other) return null;
  const index = await cachedIndex(db, other.guildId);
  return index ? { index, id: other.memberId, guildId: other.guildId } : null;
}

/** How an asker here is known in the other platform's index (see expertiseStore.ts replayInto). */
export async function askerThere(db: Database, guildId: string, askerId: string): Promise<string> {
  return (await readCounterpart(db, guildId, askerId))?.memberId ?? `${guildId}/${askerId}`;
}

/**
 * Two accounts were just linked: each platform's cached index is rebuilt from the tables at its next
 * use, with the account's history from the other platform (the link's 'pairs' generation drops them
 * in every other process). The links feature calls it inside its transaction.
 */
export function mergeExpertise(db: Database, discord: Account, forum: Account, _now: number): void {
  const { entries } = cacheFor(db);
  entries.delete(discord.guildId);
  entries.delete(forum.guildId);
}

/**
 * Install an index built elsewhere (a rebuild done off the hot path, a benchmark) as the guild's
 * cache, as of `now`. It must reflect the tables: events after `now` keep it current.
 */
export async function useExpertise(db: Database, guildId: string, index: ExpertiseIndex, now: number): Promise<void> {
  const { drops } = await entryOf(db, guildId);
  keep(db, guildId, { index, builtAt: now }, drops);
}

/** Drop the cached index (after an erase): the next use rebuilds it from the tables. */
export function forgetExpertise(db: Database, guildId: string): void {
  cacheFor(db).entries.delete(guildId);
}

/** The index only if it is built: events update it, and a missing one is built from the tables later. */
export async function cachedIndex(db: Database, guildId: string): Promise<ExpertiseIndex | undefined> {
  return (await entryOf(db, guildId)).entry?.index;
}
