/**
 * A test world built on SQLite (through the real, still synchronous ingest applier), seen on the
 * engine under test: on SQLite the same file's Database, on PostgreSQL an empty test database that
 * gets every row of every table, copied through drizzle (so JSON, booleans and numbers arrive as the
 * store would have written them).
 */
import type { Db } from '../../src/db/connection.js';
import { type Database, sqliteDatabase } from '../../src/db/database.js';
import * as schema from '../../src/db/schema.js';
import { type Engine, testDatabase } from './engines.js';

/** PostgreSQL's limit is 65,535 parameters per statement: a few hundred rows at a time stays far below it. */
const CHUNK = 200;

export async function worldOn(engine: Engine, source: Db): Promise<Database> {
  if (engine === 'sqlite') return sqliteDatabase(source);
  const target = await testDatabase('postgres');
  await copyRows(source, target);
  return target;
}

/** Copy every row of every table from a SQLite database into `target` (an empty database). */
export async function copyRows(source: Db, target: Database): Promise<void> {
  const tables = target.tables as unknown as Record<string, never>;
  for (const [key, table] of Object.entries(schema)) {
    if (!(key in tables)) continue;
    const rows = source
      .select()
      .from(table as never)
      .all() as Record<string, unknown>[];
    for (let i = 0; i < rows.length; i += CHUNK) {
      await target.insert(tables[key]!).values(rows.slice(i, i + CHUNK) as never);
    }
  }
}
