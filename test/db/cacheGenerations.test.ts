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

  it('GIVEN a look inside an open transaction THEN it waits for the next look outside one', () => {
    const { a, b, heard } = twoConnections();
    a.transaction(() => bumpCache(a, 'settings', 'g1'));
    b.transaction(() => checkCaches(b));
    expect(heard.b).toEqual([]);
    checkCaches(b);
    expect(heard.b).toEqual(['g1']);
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
