/**
 * Processes started together on a new store each migrate it at start-up. drizzle's migrator reads
 * the last applied migration before its transaction begins, so a second process could read "none",
 * then find the tables made by the first and fail start-up ("table `audit_log` already exists"). On
 * SQLite that was 1 of 60 processes started six at a time; the first test makes the interleaving
 * certain. On PostgreSQL, three pools migrating at once failed every time.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS_DIR, migrateDb, openDb } from '../../src/db/connection.js';
import { MIGRATIONS_PG_DIR, migratePg, openPgPool } from '../../src/db/pg/connection.js';
import { tempDir } from '../helpers/db.js';
import { postgresUrlOf } from '../helpers/engines.js';

const journal = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

const created: string[] = [];
afterAll(async () => {
  const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('migrations of processes started together', () => {
  it("GIVEN another process that migrates a new SQLite file between this one's read of what is applied and its transaction THEN this one starts, and every migration is recorded once", () => {
    const path = join(tempDir(), 'convene.db');
    const starting = openDb(path);
    const other = openDb(path);
    // drizzle's migrator reads the last applied migration, then runs BEGIN: the other process
    // migrates the whole file at that instant (what two processes started together can do).
    const session = (starting as unknown as { session: { run: (q: SQL) => unknown } }).session;
    const run = session.run.bind(session);
    let raced = false;
    session.run = (query: SQL) => {
      if (!raced && new SQLiteSyncDialect().sqlToQuery(query).sql === 'BEGIN') {
        raced = true;
        migrateDb(other);
      }
      return run(query);
    };
    let outcome: string;
    try {
      outcome = `applied ${migrateDb(starting)}`;
    } catch (error) {
      outcome = `failed: ${(error as Error).message.split('\n')[0]}`;
    }
    const recorded = other.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
    starting.$client.close();
    other.$client.close();

    console.log(outcome);
    expect(raced).toBe(true);
    expect(outcome).toBe('applied 0');
    expect(recorded.n).toBe(journal(MIGRATIONS_DIR));
  });

  it('GIVEN three processes migrating a new PostgreSQL database at once THEN all start, and every migration is applied once', async () => {
    const name = `convene_race_${randomBytes(4).toString('hex')}`;
    const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    created.push(name);
    const pools = await Promise.all([1, 2, 3].map(() => openPgPool(postgresUrlOf(name), { max: 2 })));
    try {
      const results = await Promise.allSettled(pools.map((p) => migratePg(p)));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason).split('\n')[0]] : []));
      console.log(
        JSON.stringify({ results: results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed')), failures }),
      );
      expect(failures).toEqual([]);
      const applied = results.map((r) => (r.status === 'fulfilled' ? r.value : -1));
      expect(applied.reduce((a, b) => a + b, 0)).toBe(journal(MIGRATIONS_PG_DIR));
      const { rows } = await pools[0]!.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
      expect(Number(rows[0].n)).toBe(journal(MIGRATIONS_PG_DIR));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  }, 30_000);
});
