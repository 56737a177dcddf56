/**
 * The same test on both engines: `describe.each(ENGINES)('… on %s', (engine) => …)` with
 * `await testDatabase(engine)` for a fresh, migrated database: a SQLite file (makeTestDb), or a
 * PostgreSQL database of this test file copied from the run's migrated template (test/helpers/postgresServer.ts).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { openDb } from '../../src/db/connection.js';
import { closeDatabase, type Database, postgresDatabase, sqliteDatabase } from '../../src/db/database.js';
import { openPgPool } from '../../src/db/pg/connection.js';
import { makeTestDb } from './db.js';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

const opened: { db: Database; name?: string }[] = [];

afterAll(async () => {
  const pg = opened.filter((o) => o.name);
  const all = new Set(opened.splice(0).map((o) => o.db));
  for (const db of all) await closeDatabase(db);
  if (pg.length === 0) return;
  const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
  for (const { name } of pg) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

/** A fresh database with the real migrations, closed (and dropped) after the file's tests. */
export async function testDatabase(engine: Engine): Promise<Database> {
  return (await testConnections(engine, 1))[0]!;
}

/**
 * `count` connections to one fresh database, as separate processes would have: SQLite connections
 * to one file (each with its own mutex), PostgreSQL pools of their own.
 */
export async function testConnections(engine: Engine, count: number): Promise<Database[]> {
  if (engine === 'sqlite') {
    const first = makeTestDb();
    const dbs = [sqliteDatabase(first)];
    while (dbs.length < count) dbs.push(sqliteDatabase(openDb(first.path)));
    for (const db of dbs) opened.push({ db });
    return dbs;
  }
  const name = `convene_${randomBytes(6).toString('hex')}`;
  const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplate')}`);
  } finally {
    await admin.end();
  }
  const dbs: Database[] = [];
  while (dbs.length < count) dbs.push(postgresDatabase(await openPgPool(postgresUrlOf(name))));
  // Closed before the database is dropped (afterAll closes in order, then drops the named ones).
  for (const db of dbs) opened.push({ db });
  opened.push({ db: dbs[0]!, name });
  return dbs;
}

/** The URL of a database on the run's server. */
export function postgresUrlOf(database: string): string {
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${database}`;
  return url.toString();
}
