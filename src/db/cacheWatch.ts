/**
 * Cache generations (see cacheGenerations.ts) on the engine-neutral handle, for stores ported to the
 * async store API and for PostgreSQL:
 * - `bumpCacheIn(tx, scope, guild)` in the change's transaction. SQLite: the same sequence as
 *   bumpCache. PostgreSQL: the row's own generation plus one, and `pg_notify` on CHANNEL, which
 *   PostgreSQL delivers to every listening session when (and only if) the transaction commits.
 * - `watchCaches(db)`: what a process's caches register with. SQLite: the connection's data_version
 *   watch. PostgreSQL: a pooled client of its own holds `LISTEN`; each notification drops what it
 *   names at once. The client may be lost (a server restart): the next `check()` listens again and
 *   drops every (scope, guild) whose generation moved since the last snapshot, so nothing committed
 *   meanwhile is missed. A notification arrives within milliseconds of the commit; an event handled
 *   in that window still sees the old cache (on SQLite the check before each batch closes it).
 */
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { bumpedHere, type CacheScope, checkClient, onChangeOf } from './cacheGenerations.js';
import type { Db } from './connection.js';
import { type Database, opsOf, outermost } from './handle.js';

export const CHANNEL = 'convene_caches';

type Drop = (guildId: string) => void;

export interface CacheWatcher {
  /** Call `drop(guildId)` whenever `scope` of a guild changes, in this process or another. */
  on(scope: CacheScope, drop: Drop): () => void;
  /** Hear what was committed since the last look (SQLite), or listen again after a lost connection (PostgreSQL). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export async function bumpCacheIn(tx: Database, scope: CacheScope, guildId: string): Promise<void> {
  const ops = opsOf(tx);
  if (ops.scope) {
    const transaction = outermost(ops.scope);
    transaction.bumped ??= new Set();
    transaction.bumped.add(scope);
  }
  if (ops.engine === 'sqlite') {
    await tx.run(
      sql`INSERT INTO cache_generations (scope, guild_id, generation)
          SELECT ${scope}, ${guildId}, coalesce(max(generation), 0) + 1 FROM cache_generations WHERE true
          ON CONFLICT (scope, guild_id) DO UPDATE SET generation = excluded.generation`,
    );
    bumpedHere();
    return;
  }
  // One statement: the row's next generation, announced with it ("scope:generation:guild").
  await tx.all(
    sql`WITH bumped AS (
          INSERT INTO cache_generations (scope, guild_id, generation) VALUES (${scope}, ${guildId}, 1)
          ON CONFLICT (scope, guild_id) DO UPDATE SET generation = cache_generations.generation + 1
          RETURNING scope, guild_id, generation)
        SELECT pg_notify(${CHANNEL}, scope || ':' || generation || ':' || guild_id) FROM bumped`,
  );
}

const shared = new WeakMap<object, Promise<CacheWatcher>>();

/**
 * The process's one watcher of a database (one LISTEN connection per pool, not one per cache),
 * made at the first call; `closeDatabase` closes it before the pool ends.
 */
export function sharedWatcher(db: Database): Promise<CacheWatcher> {
  const root = opsOf(db).root;
  let watcher = shared.get(root);
  if (!watcher) {
    watcher = watchCaches(db);
    shared.set(root, watcher);
    // A failed LISTEN is not kept: the next call tries again.
    watcher.catch(() => shared.delete(root));
  }
  return watcher;
}

/** Close the shared watcher of a database, if one was made (its LISTEN client goes back to the pool). */
export async function closeSharedWatcher(db: Database): Promise<void> {
  const root = opsOf(db).root;
  const watcher = shared.get(root);
  if (!watcher) return;
  shared.delete(root);
  await (await watcher.catch(() => null))?.close();
}

/**
 * Whether the transaction `db` is a handle of changed `scope` (then its reads may differ from what
 * every other process sees: a cache must neither answer them nor keep what they read).
 */
export function changedInTransaction(db: Database, scope: CacheScope): boolean {
  const open = opsOf(db).scope;
  return open ? (outermost(open).bumped?.has(scope) ?? false) : false;
}

export async function watchCaches(db: Database): Promise<CacheWatcher> {
  const ops = opsOf(db);
  if (ops.engine === 'sqlite') {
    const client = ops.root as Db['$client'];
    return {
      on: (scope, drop) => onChangeOf(client, scope, drop),
      check: async () => checkClient(client),
      close: async () => {},
    };
  }
  const watcher = new PgWatcher(ops.root as pg.Pool);
  await watcher.listen();
  return watcher;
}

class PgWatcher implements CacheWatcher {
  private readonly listeners = new Map<CacheScope, Set<Drop>>();
  private client: pg.PoolClient | null = null;
  /** Generations as of the last (re)connect and the notifications since, to find what changed while no one listened. */
  private snapshot = new Map<string, number>();
  private closed = false;

  constructor(private readonly pool: pg.Pool) {}

  on(scope: CacheScope, drop: Drop): () => void {
    let set = this.listeners.get(scope);
    if (!set) {
      set = new Set();
      this.listeners.set(scope, set);
    }
    set.add(drop);
    return () => set.delete(drop);
  }

  async check(): Promise<void> {
    if (this.client || this.closed) return;
    const before = new Map(this.snapshot);
    await this.listen();
    for (const [key, generation] of this.snapshot) {
      if ((before.get(key) ?? 0) < generation) this.heard(key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    client?.release(true);
  }

  /** LISTEN first, then read the snapshot: a bump committed in between is both heard and in it. */
  async listen(): Promise<void> {
    const client = await this.pool.connect();
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      const [scope, generation, ...guild] = n.payload.split(':');
      const key = `${scope}:${guild.join(':')}`;
      this.snapshot.set(key, Math.max(this.snapshot.get(key) ?? 0, Number(generation)));
      this.heard(key);
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      client.release(true);
    };
    // A lost connection is listened again at the next check(); the error is that signal, not a crash.
    client.on('error', lost);
    client.on('end', lost);
    await client.query(`LISTEN ${CHANNEL}`);
    const { rows } = await client.query<{ key: string; generation: number }>(
      "SELECT scope || ':' || guild_id AS key, generation FROM cache_generations",
    );
    // Notifications heard while the snapshot was read are kept (the higher generation wins).
    for (const r of rows) this.snapshot.set(r.key, Math.max(this.snapshot.get(r.key) ?? 0, Number(r.generation)));
    this.client = client;
  }

  private heard(key: string): void {
    const at = key.indexOf(':');
    const scope = key.slice(0, at) as CacheScope;
    for (const drop of this.listeners.get(scope) ?? []) drop(key.slice(at + 1));
  }
}
