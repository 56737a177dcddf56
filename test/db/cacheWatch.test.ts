/**
 * Cache generations through the engine-neutral handle, on both engines: two connections to one
 * database (as two processes have), a change bumped in a transaction on one, heard by the other.
 */
import type { Pool } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { bumpCacheIn, type CacheWatcher, sharedWatcher, watchCaches } from '../../src/db/cacheWatch.js';
import { closeDatabase, transaction } from '../../src/db/database.js';
import { opsOf } from '../../src/db/handle.js';
import { ENGINES, type Engine, testConnections } from '../helpers/engines.js';

/** A on one connection, B's watcher on another, and what B's caches heard. */
async function twoProcesses(engine: Engine) {
  const [a, b] = await testConnections(engine, 2);
  const watcher = await watchCaches(b!);
  const heard: string[] = [];
  watcher.on('settings', (g) => heard.push(`settings:${g}`));
  watcher.on('pairs', (g) => heard.push(`pairs:${g}`));
  /** Until B's caches heard `what`. */
  const hear = async (what: string) => {
    const deadline = Date.now() + 5_000;
    while (!heard.includes(what)) {
      if (Date.now() > deadline) throw new Error(`B did not hear ${what}; it heard ${heard.join(', ')}`);
      await watcher.check();
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { a: a!, watcher, heard, hear };
}

let watchers: CacheWatcher[] = [];
afterEach(async () => {
  for (const w of watchers) await w.close();
  watchers = [];
});
const start = async (engine: Engine) => {
  const made = await twoProcesses(engine);
  watchers.push(made.watcher);
  return made;
};

describe.each(ENGINES)('cache generations on %s', (engine) => {
  it('GIVEN a change committed through A THEN B hears its scope and guild', async () => {
    const { a, heard, hear } = await start(engine);
    await transaction(a, (tx) => bumpCacheIn(tx, 'settings', 'g1'));
    await hear('settings:g1');
    await transaction(a, async (tx) => {
      await bumpCacheIn(tx, 'settings', 'g1');
      await bumpCacheIn(tx, 'pairs', 'discourse:forum.example');
    });
    await hear('pairs:discourse:forum.example');
    expect(heard).toEqual(['settings:g1', 'settings:g1', 'pairs:discourse:forum.example']);
  });

  it('GIVEN a change whose transaction rolls back THEN B never hears it (the next commit is heard alone)', async () => {
    const { a, heard, hear } = await start(engine);
    await expect(
      transaction(a, async (tx) => {
        await bumpCacheIn(tx, 'settings', 'rolled-back');
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await transaction(a, (tx) => bumpCacheIn(tx, 'settings', 'g2'));
    await hear('settings:g2');
    expect(heard).toEqual(['settings:g2']);
  });
});

describe('cache generations on postgres, a lost LISTEN connection', () => {
  it('GIVEN B lost its LISTEN connection while A committed a change THEN B hears it at its next check, once', async () => {
    const { a, heard, hear } = await start('postgres');
    await transaction(a, (tx) => bumpCacheIn(tx, 'settings', 'g3'));
    await hear('settings:g3');
    const pool = opsOf(a).root as Pool;
    // The server ends B's listening session, as a restart or a network cut would.
    const ended = await pool.query(
      "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT scope || %'",
    );
    expect(ended.rows).toEqual([{ ended: true }]);
    await transaction(a, (tx) => bumpCacheIn(tx, 'pairs', 'g4'));
    await hear('pairs:g4');
    expect(heard).toEqual(['settings:g3', 'pairs:g4']);
  });
});

describe('the shared watcher on postgres', () => {
  it('GIVEN two calls THEN one LISTEN client serves both, and closing the database releases it so the pool ends', async () => {
    const [db] = await testConnections('postgres', 1);
    const pool = opsOf(db!).root as Pool;
    const [first, second] = await Promise.all([sharedWatcher(db!), sharedWatcher(db!)]);
    expect(second).toBe(first);
    expect(pool.totalCount - pool.idleCount).toBe(1);
    // Without the release, pool.end() waits for the LISTEN client forever and this times out.
    await closeDatabase(db!);
    expect(pool.ended).toBe(true);
    expect(pool.totalCount).toBe(0);
  });
});
