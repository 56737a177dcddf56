/**
 * The only place that knows better-sqlite3. Opens the file with the pragmas a bot needs
 * (WAL so readers never block the writer, busy_timeout for a second process, foreign keys on),
 * and applies drizzle-kit's migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

export function openDb(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // WAL + NORMAL is durable across process crashes (only an OS crash can lose the last commits).
  sqlite.pragma('synchronous = NORMAL');
  return drizzle(sqlite, { schema }) as Db;
}

/** Apply pending migrations; returns how many were applied (0 on a second start). */
export function migrateDb(db: Db): number {
  const countApplied = () => {
    try {
      const row = db.$client.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
      return row.n;
    } catch {
      // The bookkeeping table does not exist before the first migration: nothing applied yet.
      return 0;
    }
  };
  const before = countApplied();
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return countApplied() - before;
}

/** Size of the database in bytes (page_count × page_size), for /convene status. */
export function databaseSize(db: Db): number {
  const pages = db.$client.pragma('page_count', { simple: true }) as number;
  const size = db.$client.pragma('page_size', { simple: true }) as number;
  return pages * size;
}
