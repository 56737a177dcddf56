/**
 * Per-process caches of database state that must agree across processes (a guild's settings, who
 * erased their data, which forum is paired with which server) are invalidated through the database:
 *
 * - The change bumps its (scope, guild) row of cache_generations in its own transaction
 *   (`bumpCache`): the bump commits or rolls back with the change. Generations come from one
 *   sequence over the table (the highest plus one), which SQLite's single writer hands out in commit
 *   order, so "every row above the last one seen" is exactly what changed since.
 * - A cache registers what it drops (`onCacheChange`) and calls `checkCaches` before it trusts an
 *   entry. The check is one `PRAGMA data_version` (does the file hold commits of another connection
 *   since the last look?) and reads the table only when it does, or when this process bumped (a
 *   connection's own commits do not move its data_version). A change committed before an event reaches a
 *   process is therefore seen by that process before it handles the event.
 *
 * PostgreSQL has no data_version, and max+1 is not in commit order under READ COMMITTED: there the
 * bump is per row and announced with NOTIFY, heard through LISTEN (cacheWatch.ts, which also gives
 * stores on the engine-neutral handle the same bump and watch on SQLite).
 */
import type { Statement } from 'better-sqlite3';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './connection.js';

/** What changed: a guild's settings document, a member's erasure/opt-out, a forum pairing or account link. */
export type CacheScope = 'settings' | 'erased' | 'pairs';

type Drop = (guildId: string) => void;

interface Watch {
  /** The highest generation whose listeners ran. */
  seen: number;
  dataVersion: number;
  /** `bumps` at the last look: this process bumped since (data_version does not move for a connection's own commits). */
  bumps: number;
  /** `bumps` at the last look inside a transaction. */
  txBumps: number;
  /** Dropped inside a transaction: dropped again after it (what it refilled may be rolled back). */
  again: { scope: CacheScope; guildId: string }[];
  listeners: Map<CacheScope, Set<Drop>>;
  version: Statement<[], number>;
  since: Statement<[number], { scope: CacheScope; guildId: string; generation: number }>;
}

const watches = new WeakMap<object, Watch>();
/** Bumps made by this process: its own connections look at the table after one. */
let bumps = 0;

type Client = Db['$client'];

function watchOf(client: Client): Watch {
  let w = watches.get(client);
  if (!w) {
    const version = client.prepare<[], number>('PRAGMA data_version').pluck();
    w = {
      // Caches start empty: only what changes from now on matters.
      seen: (client.prepare('SELECT max(generation) FROM cache_generations').pluck().get() as number | null) ?? 0,
      dataVersion: version.get()!,
      bumps,
      txBumps: bumps,
      again: [],
      listeners: new Map(),
      version,
      since: client.prepare(
        'SELECT scope, guild_id AS guildId, generation FROM cache_generations WHERE generation > ? ORDER BY generation',
      ),
    };
    watches.set(client, w);
  }
  return w;
}

/**
 * Mark `scope` of `guildId` changed; call inside the transaction that makes the change (with its
 * handle: a drizzle transaction or the Db), so that the mark commits exactly when the change does.
 */
export function bumpCache(tx: { run(query: SQL): unknown }, scope: CacheScope, guildId: string): void {
  tx.run(
    sql`INSERT INTO cache_generations (scope, guild_id, generation)
        SELECT ${scope}, ${guildId}, coalesce(max(generation), 0) + 1 FROM cache_generations WHERE true
        ON CONFLICT (scope, guild_id) DO UPDATE SET generation = excluded.generation`,
  );
  bumpedHere();
}

/** This process bumped (through any handle): its watches read the table at their next look. */
export function bumpedHere(): void {
  bumps++;
}

/** Call `drop(guildId)` whenever `scope` of a guild changes, in this process or another. Returns the unsubscribe. */
export function onCacheChange(db: Db, scope: CacheScope, drop: Drop): () => void {
  return onChangeOf(db.$client, scope, drop);
}

export function onChangeOf(client: Client, scope: CacheScope, drop: Drop): () => void {
  const w = watchOf(client);
  let set = w.listeners.get(scope);
  if (!set) {
    set = new Set();
    w.listeners.set(scope, set);
  }
  set.add(drop);
  return () => set.delete(drop);
}

/**
 * Run the listeners of every change committed since the last look. Cheap when nothing was
 * committed (one pragma). Inside an open transaction only this process's own bumps are looked at
 * (another process's commits are caught by the look before it, e.g. ingest's before each batch),
 * and without counting them as seen: the rows may be the transaction's own, which a rollback takes
 * back (with the number, which the next bump reuses), and what a cache refills from them too, so
 * the same caches are dropped again at the first look after the transaction.
 */
export function checkCaches(db: Db): void {
  checkClient(db.$client);
}

export function checkClient(client: Client): void {
  const w = watchOf(client);
  if (client.inTransaction) {
    if (w.txBumps === bumps) return;
    w.txBumps = bumps;
    for (const row of w.since.all(w.seen)) {
      drop(w, row);
      w.again.push(row);
    }
    return;
  }
  const dataVersion = w.version.get()!;
  if (w.bumps === bumps && dataVersion === w.dataVersion && w.again.length === 0) return;
  w.dataVersion = dataVersion;
  w.bumps = bumps;
  w.txBumps = bumps;
  for (const row of w.again.splice(0)) drop(w, row);
  for (const row of w.since.all(w.seen)) {
    w.seen = Math.max(w.seen, row.generation);
    drop(w, row);
  }
}

function drop(w: Watch, row: { scope: CacheScope; guildId: string }): void {
  for (const listener of w.listeners.get(row.scope) ?? []) listener(row.guildId);
}
