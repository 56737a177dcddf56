/**
 * PostgreSQL through node-postgres (`pg`): a pool for statements and transactions (drizzle takes one
 * client per transaction), and a client of its own is there for LISTEN/NOTIFY when it is needed.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

export const MIGRATIONS_PG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../migrations-pg');

let parsersSet = false;

/**
 * bigint (int8) and numeric arrive as strings by default. Times are epoch ms and counts are small, so
 * numbers are exact (up to 2^53); a value past that fails loudly rather than being rounded. drizzle
 * reads the global parsers (it ignores a pool's own), hence global, set once.
 */
function useNumberParsers(): void {
  if (parsersSet) return;
  parsersSet = true;
  const toNumber = (text: string) => {
    const n = Number(text);
    if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
      throw new RangeError(`PostgreSQL returned ${text}, past the integers a JS number holds exactly`);
    }
    return n;
  };
  pg.types.setTypeParser(pg.types.builtins.INT8, toNumber);
  pg.types.setTypeParser(pg.types.builtins.NUMERIC, toNumber);
}

export async function openPgPool(url: string, options: { max?: number } = {}): Promise<pg.Pool> {
  useNumberParsers();
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client's error (the server restarting) would crash the process without a listener; the
  // pool drops that client and the next query gets a new one or fails with the reason.
  pool.on('error', () => {});
  // Fail at start-up, not at the first event, when the server cannot be reached.
  const client = await pool.connect();
  client.release();
  return pool;
}

/** Any number that is Convene's: the advisory lock processes migrating one database take in turn. */
const MIGRATION_LOCK = 7_306_202_615;

/**
 * Apply pending PostgreSQL migrations; returns how many were applied. Processes started together
 * take turns under an advisory lock: drizzle reads what is applied before its transaction begins,
 * so two at once would both make the tables and one would fail start-up.
 */
export async function migratePg(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  const count = async () => {
    try {
      const { rows } = await client.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations');
      return Number(rows[0].n);
    } catch {
      // The bookkeeping table does not exist before the first migration: nothing applied yet.
      return 0;
    }
  };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const before = await count();
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_PG_DIR });
    return (await count()) - before;
  } finally {
    // A client going back to the pool must not keep the lock: if unlocking fails, it is closed instead.
    const unlocked = await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).then(
      () => true,
      () => false,
    );
    client.release(!unlocked);
  }
}
