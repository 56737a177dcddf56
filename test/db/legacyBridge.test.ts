/**
 * The port's bridge (db/database.ts legacyDb): code still on the synchronous SQLite API runs inside
 * an async transaction's scope on the same connection, PostgreSQL refuses it by name, and a
 * synchronous statement of another flow during an open async transaction is caught.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { legacyDb, NotPortedError, TransactionMisuseError, transaction } from '../../src/db/database.js';
import { syncCursors } from '../../src/db/schema.js';
import { testDatabase } from '../helpers/engines.js';

const GUILD = 'g1';
const row = (scope: string) => ({ guildId: GUILD, scope, syncedAt: 1, updatedAt: 1 });

describe('legacyDb: the synchronous SQLite API while the port goes on', () => {
  it('GIVEN unported code inside an async transaction THEN its writes roll back with the body', async () => {
    const db = await testDatabase('sqlite');
    const failed = transaction(db, async (tx) => {
      await tx.insert(tx.tables.syncCursors).values(row('ported'));
      legacyDb(tx).insert(syncCursors).values(row('unported')).run();
      throw new Error('decided against it');
    });
    await expect(failed).rejects.toThrow('decided against it');
    expect(legacyDb(db).select().from(syncCursors).where(eq(syncCursors.guildId, GUILD)).all()).toEqual([]);
  });

  it('GIVEN a PostgreSQL store THEN unported code is refused with what is missing', async () => {
    const db = await testDatabase('postgres');
    expect(() => legacyDb(db)).toThrow(NotPortedError);
    expect(() => legacyDb(db)).toThrow('not available on PostgreSQL yet');
  });

  it("GIVEN another flow's write while an async transaction is open THEN it commits with it", async () => {
    const db = await testDatabase('sqlite');
    const sync = legacyDb(db);
    const body = transaction(db, async (tx) => {
      await tx.insert(tx.tables.syncCursors).values(row('inside'));
      await sleep(20);
    });
    // Another flow, outside the transaction's scope, while the body waits.
    await sleep(5);
    sync.insert(syncCursors).values(row('foreign')).run();
    await body;
    const scopes = sync.select({ scope: syncCursors.scope }).from(syncCursors).all();
    expect(scopes.map((r) => r.scope).sort()).toEqual(['foreign', 'inside']);
  });

  it("GIVEN another flow's write while an async transaction is open WHEN that transaction rolls back THEN the loss is caught", async () => {
    const db = await testDatabase('sqlite');
    const sync = legacyDb(db);
    const body = transaction(db, async (tx) => {
      await tx.insert(tx.tables.syncCursors).values(row('inside'));
      await sleep(20);
      throw new Error('decided against it');
    });
    await sleep(5);
    sync.insert(syncCursors).values(row('foreign')).run();
    await expect(body).rejects.toThrow(TransactionMisuseError);
    await expect(body).rejects.toThrow(/took back 1 write\(s\) of another flow.*sync_cursors/);
  });

  it('GIVEN one SQL text run by a mapped select and then as raw SQL THEN the reused statement answers rows as objects', async () => {
    const db = await testDatabase('sqlite');
    const sync = legacyDb(db);
    sync.insert(syncCursors).values(row('a')).run();
    const mapped = sync.select({ scope: syncCursors.scope }).from(syncCursors);
    // drizzle runs a mapped select in raw mode (arrays) and maps the columns itself.
    expect(mapped.all()).toEqual([{ scope: 'a' }]);
    // The same text, prepared again: the cached statement must not still be in raw mode.
    expect(sync.all(sql.raw(mapped.toSQL().sql))).toEqual([{ scope: 'a' }]);
    expect(await db.all(sql.raw(mapped.toSQL().sql))).toEqual([{ scope: 'a' }]);
  });
});
