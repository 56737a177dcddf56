/**
 * transaction(db, async (tx) => …) keeps the same contract on SQLite and on a real PostgreSQL: the
 * body's writes commit together or not at all, and nothing from another async flow lands inside it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Database, TransactionMisuseError, transaction } from '../../src/db/database.js';
import { ENGINES, testDatabase } from '../helpers/engines.js';

const GUILD = 'g1';

async function scopes(db: Database): Promise<string[]> {
  const { syncCursors } = db.tables;
  const rows = await db.select({ scope: syncCursors.scope }).from(syncCursors).where(eq(syncCursors.guildId, GUILD));
  return rows.map((r) => r.scope).sort();
}

function put(db: Database, scope: string, at = 1) {
  const { syncCursors } = db.tables;
  return db.insert(syncCursors).values({ guildId: GUILD, scope, syncedAt: at, updatedAt: at });
}

describe.each(ENGINES)('transaction on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN a body that returns THEN its writes are committed and its value returned', async () => {
    const value = await transaction(db, async (tx) => {
      await put(tx, 'a');
      await put(tx, 'b');
      return 'done';
    });
    expect(value).toBe('done');
    expect(await scopes(db)).toEqual(['a', 'b']);
  });

  it('GIVEN a body that throws after writing THEN nothing of it is kept and the error reaches the caller', async () => {
    await put(db, 'before');
    const failed = transaction(db, async (tx) => {
      await put(tx, 'a');
      await tx.update(tx.tables.syncCursors).set({ syncedAt: 99 });
      throw new Error('decided against it');
    });
    await expect(failed).rejects.toThrow('decided against it');
    expect(await scopes(db)).toEqual(['before']);
    const { syncCursors } = db.tables;
    expect((await db.select({ at: syncCursors.syncedAt }).from(syncCursors))[0]!.at).toBe(1);
  });

  it('GIVEN two transactions at once, one rolled back THEN the other keeps all its writes', async () => {
    const first = transaction(db, async (tx) => {
      await put(tx, 'first-1');
      await sleep(20);
      await put(tx, 'first-2');
      throw new Error('first gives up');
    });
    const second = transaction(db, async (tx) => {
      await put(tx, 'second-1');
      await sleep(10);
      await put(tx, 'second-2');
      return 'kept';
    });
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a.status).toBe('rejected');
    expect(b).toEqual({ status: 'fulfilled', value: 'kept' });
    expect(await scopes(db)).toEqual(['second-1', 'second-2']);
  });

  it('GIVEN a write outside any transaction while one is open THEN it is not rolled back with it', async () => {
    const events: string[] = [];
    let opened!: () => void;
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const failing = transaction(db, async (tx) => {
      await put(tx, 'inside');
      opened();
      await sleep(30);
      events.push('rolled back');
      throw new Error('rollback');
    });
    await open;
    await put(db, 'outside');
    events.push('outside written');
    await expect(failing).rejects.toThrow('rollback');
    expect(await scopes(db)).toEqual(['outside']);
    // SQLite has one connection: the outside write waited for the transaction to end (PostgreSQL runs
    // it on another connection, whenever that connection is ready).
    if (engine === 'sqlite') expect(events).toEqual(['rolled back', 'outside written']);
  });

  it('GIVEN the outer handle used inside a body THEN it throws instead of writing outside the transaction', async () => {
    const misuse = transaction(db, async () => {
      await put(db, 'wrong handle');
    });
    await expect(misuse).rejects.toBeInstanceOf(TransactionMisuseError);
    expect(await scopes(db)).toEqual([]);
  });

  it('GIVEN a tx kept after its transaction THEN using it throws', async () => {
    let kept: Database | undefined;
    await transaction(db, async (tx) => {
      kept = tx;
    });
    await expect(put(kept!, 'late')).rejects.toBeInstanceOf(TransactionMisuseError);
  });

  it('GIVEN a nested transaction that throws THEN only its writes are undone', async () => {
    await transaction(db, async (tx) => {
      await put(tx, 'outer');
      await expect(
        transaction(tx, async (inner) => {
          await put(inner, 'inner');
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      await transaction(tx, async (inner) => put(inner, 'inner-ok'));
    });
    expect(await scopes(db)).toEqual(['inner-ok', 'outer']);
  });

  it('GIVEN SQLite-only synchronous calls THEN they throw on both engines', async () => {
    const { syncCursors } = db.tables;
    const query = db.select().from(syncCursors) as unknown as { all(): unknown };
    expect(() => query.all()).toThrow(/await the query/);
  });

  it('GIVEN raw SQL THEN rows and changed counts come back on both engines', async () => {
    await put(db, 'a', 5);
    await put(db, 'b', 7);
    const { syncCursors } = db.tables;
    const changed = await db.run(
      sql`UPDATE ${syncCursors} SET ${sql.identifier('synced_at')} = 9 WHERE ${syncCursors.syncedAt} < 6`,
    );
    expect(changed).toBe(1);
    const rows = await db.all<{ n: number; total: number }>(
      sql`SELECT count(*) AS n, sum(${syncCursors.syncedAt}) AS total FROM ${syncCursors}`,
    );
    expect(rows).toEqual([{ n: 2, total: 16 }]);
  });
});
