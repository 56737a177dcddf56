/**
 * The same test on both engines: `describe.each(ENGINES)('… on %s', (engine) => …)` with
 * `await testDatabase(engine)` in beforeEach for an empty, migrated database: a new SQLite file
 * (makeTestDb), or this test file's own PostgreSQL database (copied once from the run's migrated
 * template, test/helpers/postgresServer.ts) with every table emptied.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, inject } from 'vitest';
import { openDb } from '../../src/db/connection.js';
import { closeDatabase, type Database, postgresDatabase, sqliteDatabase } from '../../src/db/database.js';
import { openPgPool } from '../../src/db/pg/connection.js';
import { makeTestDb } from './db.js';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/** This file's PostgreSQL database, made at the first call. */
let fileDatabase: string | undefined;
/** Databases of their own (newPostgresDatabase), dropped after the file's tests. */
const ownDatabases: string[] = [];
/** PostgreSQL handles of the current test (closed at the next call: tests of a file run one at a time). */
const pgOpen: Database[] = [];
const sqliteOpen: Database[] = [];

afterAll(async () => {
  for (const db of [...sqliteOpen.splice(0), ...pgOpen.splice(0)]) await closeDatabase(db);
  const drop = [...ownDatabases.splice(0), ...(fileDatabase ? [fileDatabase] : [])];
  fileDatabase = undefined;
  if (drop.length === 0) return;
  const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
  try {
    for (const name of drop) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

/** The test engine of a run: CONVENE_TEST_ENGINE (`sqlite`, the default, or `postgres`). */
export function testEngine(): Engine {
  const engine = process.env.CONVENE_TEST_ENGINE || 'sqlite';
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new Error(`CONVENE_TEST_ENGINE must be one of ${ENGINES.join(', ')}, not ${engine}`);
  }
  return engine as Engine;
}

/**
 * The URL of a new, migrated PostgreSQL database of its own (copied from the run's template), for a
 * bot or processes to open (or a copy of `from`, a database of this run); dropped after the file's tests. Unlike testDatabase, every call gives
 * another database, so two communities of one test never share one.
 */
export async function newPostgresDatabase(from?: string): Promise<string> {
  const name = `convene_${randomBytes(6).toString('hex')}`;
  // A copy of another database of the run (nobody may be connected to it), or of the migrated template.
  const template = from ? new URL(from).pathname.slice(1) : inject('postgresTemplate');
  const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  ownDatabases.push(name);
  return postgresUrlOf(name);
}

/** An empty database with the real migrations. */
export async function testDatabase(engine: Engine): Promise<Database> {
  return (await testConnections(engine, 1))[0]!;
}

/**
 * `count` connections to one empty database, as separate processes would have: SQLite connections
 * to one file (each with its own mutex), PostgreSQL pools of their own.
 */
export async function testConnections(engine: Engine, count: number): Promise<Database[]> {
  if (engine === 'sqlite') {
    const first = makeTestDb();
    const dbs = [sqliteDatabase(first)];
    while (dbs.length < count) dbs.push(sqliteDatabase(openDb(first.path)));
    sqliteOpen.push(...dbs);
    return dbs;
  }
  for (const db of pgOpen.splice(0)) await closeDatabase(db);
  if (fileDatabase) await emptyAll(postgresUrlOf(fileDatabase));
  else {
    const name = `convene_${randomBytes(6).toString('hex')}`;
    const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplate')}`);
    } finally {
      await admin.end();
    }
    fileDatabase = name;
  }
  while (pgOpen.length < count) pgOpen.push(postgresDatabase(await openPgPool(postgresUrlOf(fileDatabase))));
  return [...pgOpen];
}

/** The URL of the database the last testDatabase('postgres') gave, for processes of their own to open. */
export function testPostgresUrl(): string {
  if (!fileDatabase) throw new Error("call testDatabase('postgres') first");
  return postgresUrlOf(fileDatabase);
}

/** Empty every table of the schema (identities restart), leaving the migrations' bookkeeping. */
async function emptyAll(url: string): Promise<void> {
  const pool = await openPgPool(url, { max: 1 });
  try {
    const { rows } = await pool.query<{ name: string }>(
      "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'",
    );
    await pool.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')} RESTART IDENTITY`);
  } finally {
    await pool.end();
  }
}

/** The URL of a database on the run's server. */
export function postgresUrlOf(database: string): string {
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${database}`;
  return url.toString();
}
