/**
 * Cache generations on a real SQLite file opened twice (two connections behave as two processes:
 * PRAGMA data_version moves for the other's commits only).
 */
import { describe, expect, it } from 'vitest';
import { bumpCache, checkCaches, onCacheChange } from '../../src/db/cacheGenerations.js';
import { openDb } from '../../src/db/connection.js';
import { makeTestDb } from '../helpers/db.js';

function twoConnections() {
  const a = makeTestDb();
  const b = openDb(a.path);
  const heard = { a: [] as string[], b: [] as string[] };
  onCacheChange(a, 'settings', (g) => heard.a.push(g));
  onCacheChange(b, 'settings', (g) => heard.b.push(g));
  onCacheChange(b, 'erased', (g) => heard.b.push(`erased:${g}`));
  return { a, b, heard };
}

describe('cache generations', () => {
  it('GIVEN a change committed on one connection THEN the other hears its scope and guild at its next look, once', () => {
    const { a, b, heard } = twoConnections();
    a.transaction(() => bumpCache(a, 'settings', 'g1'));
    expect(heard.b).toEqual([]);
    checkCaches(b);
    checkCaches(b);
    expect(heard.b).toEqual(['g1']);
    a.transaction(() => {
      bumpCache(a, 'settings', 'g1');
      bumpCache(a, 'erased', 'g2');
    });
    checkCaches(b);
    expect(heard.b).toEqual(['g1', 'g1', 'erased:g2']);
  });

  it('GIVEN a change on a connection THEN its own caches hear it too (its commits do not move its data_version)', () => {
    const { a, heard } = twoConnections();
    a.transaction(() => bumpCache(a, 'settings', 'g1'));
    checkCaches(a);
    expect(heard.a).toEqual(['g1']);
  });

  it('GIVEN a change whose transaction rolls back THEN no connection hears it', () => {
    const { a, b, heard } = twoConnections();
    expect(() =>
      a.transaction(() => {
        bumpCache(a, 'settings', 'g1');
        throw new Error('the change failed');
      }),
    ).toThrow('the change failed');
    checkCaches(a);
    checkCaches(b);
    expect(heard).toEqual({ a: [], b: [] });
  });

  it('GIVEN a bump and a look inside a transaction that rolls back THEN the caches are dropped then, again after it, and the next bump (same number) is heard', () => {
    const { a, b, heard } = twoConnections();
    expect(() =>
      b.transaction((tx) => {
        bumpCache(tx, 'settings', 'g2');
        // The transaction reads its own change: its caches must not hold the old state.
        checkCaches(b);
        expect(heard.b).toEqual(['g2']);
        throw new Error('the change failed');
      }),
    ).toThrow('the change failed');
    a.transaction((tx) => bumpCache(tx, 'settings', 'g3'));
    checkCaches(b);
    // g2 again: a cache refilled inside the transaction may hold what the rollback took back.
    expect(heard.b).toEqual(['g2', 'g2', 'g3']);
  });

  it('GIVEN other writes but no bump THEN nothing is heard', () => {
    const { a, b, heard } = twoConnections();
    a.$client
      .prepare("INSERT INTO guilds (id, platform, name, created_at, updated_at) VALUES ('g9', 'discord', 'G', 0, 0)")
      .run();
    checkCaches(b);
    expect(heard.b).toEqual([]);
  });
});
