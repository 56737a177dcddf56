/**
 * Sync cursors on both engines: the first store ported to the async, engine-neutral API (the pattern
 * the others follow). Backfills read them and move them forward, never back.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { asGuildId } from '../../src/events.js';
import { advanceCursors, readCursor, readCursors } from '../../src/ingest/cursors.js';
import { ENGINES, testDatabase } from '../helpers/engines.js';

const GUILD = asGuildId('g1');
const OTHER = asGuildId('g2');

describe.each(ENGINES)('sync cursors on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN no cursor THEN none is read', async () => {
    expect(await readCursors(db, GUILD)).toEqual(new Map());
    expect(await readCursor(db, GUILD, 'c1')).toBeUndefined();
  });

  it('GIVEN cursors advanced THEN each scope reads back its own time, per guild', async () => {
    await advanceCursors(
      db,
      GUILD,
      [
        ['c1', 100],
        ['c2', 200],
      ],
      1_000,
    );
    await advanceCursors(db, OTHER, [['c1', 999]], 1_000);
    expect(await readCursors(db, GUILD)).toEqual(
      new Map([
        ['c1', 100],
        ['c2', 200],
      ]),
    );
    expect(await readCursor(db, GUILD, 'c2')).toBe(200);
    expect(await readCursor(db, OTHER, 'c1')).toBe(999);
  });

  it('GIVEN a later checkpoint THEN a slower backfill does not move the cursor back', async () => {
    await advanceCursors(db, GUILD, [['c1', 500]], 1_000);
    await advanceCursors(
      db,
      GUILD,
      [
        ['c1', 300],
        ['c2', 50],
      ],
      2_000,
    );
    expect(await readCursors(db, GUILD)).toEqual(
      new Map([
        ['c1', 500],
        ['c2', 50],
      ]),
    );
    const { syncCursors } = db.tables;
    const rows = await db.select({ scope: syncCursors.scope, updatedAt: syncCursors.updatedAt }).from(syncCursors);
    // The refused move did not touch the row either.
    expect(rows.sort((a, b) => a.scope.localeCompare(b.scope))).toEqual([
      { scope: 'c1', updatedAt: 1_000 },
      { scope: 'c2', updatedAt: 2_000 },
    ]);
  });

  it('GIVEN one scope named twice in one call THEN it moves to the later time', async () => {
    await advanceCursors(
      db,
      GUILD,
      [
        ['c1', 700],
        ['c1', 400],
      ],
      1_000,
    );
    expect(await readCursor(db, GUILD, 'c1')).toBe(700);
    await advanceCursors(db, GUILD, [], 3_000);
    expect(await readCursor(db, GUILD, 'c1')).toBe(700);
  });

  it('GIVEN epoch-millisecond times THEN they come back as exact numbers', async () => {
    const at = Date.UTC(2026, 11, 3, 4, 5, 6, 789);
    await advanceCursors(db, GUILD, [['topics', at]], at);
    const read = await readCursor(db, GUILD, 'topics');
    expect(typeof read).toBe('number');
    expect(read).toBe(at);
  });
});
