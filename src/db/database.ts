/**
 * One store API, two engines. `openDatabase(url)` gives a `Database` on SQLite (`file:<path>`, a
 * path or `:memory:`; better-sqlite3 through openDb, unchanged) or on PostgreSQL (`postgres://…`;
 * drizzle over node-postgres). Store functions take a `Database`, build queries with `db.tables` and
 * await them; `transaction(db, async (tx) => …)` runs the body on `tx` only, on both engines:
 *   - SQLite: one connection. The body holds the connection's async mutex from BEGIN IMMEDIATE to
 *     COMMIT/ROLLBACK; every other statement through a Database on that connection waits for it.
 *   - PostgreSQL: a pooled client of its own (drizzle's transaction), READ COMMITTED.
 * A throw rolls back and rethrows. Inside a body, the outer handle throws TransactionMisuseError
 * (on SQLite it would wait for the body forever; on PostgreSQL it would write outside the transaction).
 * Calling transaction() with a tx nests a savepoint.
 */
import { Mutex } from 'async-mutex';
import type BetterSqlite3 from 'better-sqlite3';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { closeSharedWatcher } from './cacheWatch.js';
import { checkpointTruncate, type Db, migrateDb, openDb } from './connection.js';
import {
  type Database,
  type EngineOps,
  inScope,
  makeHandle,
  opsOf,
  type Scope,
  scopes,
  type Tables,
  TransactionMisuseError,
} from './handle.js';
import { migratePg, openPgPool } from './pg/connection.js';
import { pgTables } from './pg/schema.js';
import * as schema from './schema.js';

export type { Database, Tables } from './handle.js';
export { TransactionMisuseError };

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Open (not migrate) the database a DATABASE_URL names. */
export async function openDatabase(url: string): Promise<Database> {
  if (isPostgresUrl(url)) return postgresDatabase(await openPgPool(url));
  const path = url === ':memory:' ? url : url.startsWith('file:') ? url.slice('file:'.length) : url;
  return sqliteDatabase(openDb(path));
}

/** How much space the database takes: SQLite's file (pages × page size), PostgreSQL's database. */
export async function databaseBytes(db: Database): Promise<number> {
  if (db.engine === 'sqlite') {
    const [row] = await db.all<{ bytes: number }>(
      sql`SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()`,
    );
    return Number(row?.bytes ?? 0);
  }
  const [row] = await db.all<{ bytes: string }>(sql`SELECT pg_database_size(current_database()) AS bytes`);
  return Number(row?.bytes ?? 0);
}

/**
 * After an erasure: SQLite copies its WAL into the file and truncates it, so erased rows leave no
 * older copy there (false when a reader still held old frames). PostgreSQL has no such file per
 * database to clear: true.
 */
export async function truncateWal(db: Database): Promise<boolean> {
  const ops = opsOf(db);
  if (ops.engine !== 'sqlite') return true;
  const legacy = legacyDb(db);
  // Under the connection's lock: never inside another flow's open transaction.
  return ops.scope ? false : ops.exclusive(async () => checkpointTruncate(legacy));
}

/** Apply pending migrations of the handle's engine; returns how many were applied. */
export function migrateDatabase(db: Database): Promise<number> {
  return opsOf(db).migrate();
}

/**
 * The port's bridge: code not yet moved to the async API reaches the same SQLite connection as a
 * `Db`. Inside `transaction(db, …)` on SQLite its statements run inside the open transaction (one
 * connection), so a body may mix ported and unported calls while the port goes on. On PostgreSQL
 * there is no synchronous connection: the call names what is not ported yet.
 */
export function legacyDb(db: Database): Db {
  const legacy = legacyOf.get(opsOf(db).root);
  if (!legacy) throw new NotPortedError('this code still uses the synchronous SQLite API');
  return legacy;
}

/**
 * The `Deps.db` of a process on PostgreSQL: there is no synchronous connection, and code that still
 * reaches for one names itself instead of failing with a TypeError somewhere inside it.
 */
export function notPortedDb(): Db {
  return new Proxy({} as Db, {
    get(_target, property) {
      throw new NotPortedError(`the synchronous SQLite handle (deps.db.${String(property)})`);
    },
  });
}

/** Reached code that runs on SQLite only, until the port of the stores is done. */
export class NotPortedError extends Error {
  constructor(what: string) {
    super(`not available on PostgreSQL yet: ${what}`);
    this.name = 'NotPortedError';
  }
}

const legacyOf = new WeakMap<object, Db>();

/**
 * While the port goes on, a synchronous statement of another flow can run while an async transaction
 * is open on the same connection (between the body's awaits, other flows' promise continuations
 * run). It then joins that transaction: it commits with it, a little later than it returned, and it
 * would be rolled back with it. That loss is what is caught: a rollback after another flow wrote
 * inside fails in tests and is reported as a process warning in production, naming the statements.
 */
interface ForeignWatch {
  /** Set while an async transaction (not a savepoint) is open on the connection. */
  open: boolean;
  /** Writes of other flows made inside it. */
  writes: string[];
}

function watchForeignStatements(client: BetterSqlite3.Database): ForeignWatch {
  const watch: ForeignWatch = { open: false, writes: [] };
  const prepare = cachedPrepare(client);
  client.prepare = ((source: string) => {
    const statement = prepare(source);
    if (watch.open && scopes.getStore()?.root !== client && !isPlainRead(source)) {
      watch.writes.push(source.slice(0, 120));
    }
    return statement;
  }) as typeof client.prepare;
  return watch;
}

/**
 * Statements by their SQL text, made once per connection: drizzle prepares every query it runs on
 * better-sqlite3, and preparing costs more than running a small query. A statement is reused only
 * after the last use finished (better-sqlite3 runs one to completion; nothing here iterates), and it
 * is handed back in its default mode (drizzle switches readers to raw mode for mapped selects).
 */
const STATEMENT_CACHE = 1_000;

function cachedPrepare(client: BetterSqlite3.Database): (source: string) => BetterSqlite3.Statement {
  const prepare = client.prepare.bind(client);
  const cache = new Map<string, BetterSqlite3.Statement>();
  return (source) => {
    const known = cache.get(source);
    if (known) {
      // Most recently used last: the oldest is the first one dropped.
      cache.delete(source);
      cache.set(source, known);
      if (known.reader) known.raw(false);
      return known;
    }
    const statement = prepare(source);
    cache.set(source, statement);
    if (cache.size > STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
    return statement;
  };
}

const isPlainRead = (source: string) => /^\s*select\b/i.test(source);

/** The async transaction rolled back: another flow's writes that joined it are lost with it. */
function reportLostWrites(watch: ForeignWatch): void {
  const lost = watch.writes.splice(0);
  if (lost.length === 0) return;
  const message = `a rollback took back ${lost.length} write(s) of another flow that ran inside the transaction: ${lost.join(' | ')}`;
  if (process.env.VITEST) throw new TransactionMisuseError(message);
  process.emitWarning(message, 'ConveneTransactionWarning');
}

export async function closeDatabase(db: Database): Promise<void> {
  // The LISTEN client first: a pool does not end while a client is checked out.
  await closeSharedWatcher(db);
  return opsOf(db).close();
}

/**
 * Run `body` in one transaction on `db`'s engine and return its result; a throw rolls back and is
 * rethrown. The body must use only `tx` (and store functions given `tx`).
 */
export function transaction<T>(db: Database, body: (tx: Database) => Promise<T>): Promise<T> {
  return opsOf(db).transaction(body);
}

const sqliteHandles = new WeakMap<BetterSqlite3.Database, Database>();

/**
 * The Database on a SQLite connection opened by openDb: one per connection (same mutex), so code
 * ported to the async API and code still on `Db` share the file while the port goes on.
 */
export function sqliteDatabase(db: Db): Database {
  const client = db.$client;
  const known = sqliteHandles.get(client);
  if (known) return known;
  const mutex = new Mutex();
  const watch = watchForeignStatements(client);
  let savepoints = 0;
  const make = (scope: Scope | undefined): Database => {
    const ops: EngineOps = {
      engine: 'sqlite',
      // The SQLite tables themselves, typed as their PostgreSQL twins (same keys and row types).
      tables: schema as unknown as Tables,
      root: client,
      scope,
      // A transaction's own statements already hold the mutex.
      exclusive: scope ? (run) => run() : (run) => mutex.runExclusive(run),
      all: async <T>(query: SQL) => db.all(query) as T[],
      run: async (query: SQL) => db.run(query).changes,
      transaction: (body) => {
        if (scope) {
          const name = `convene_${++savepoints}`;
          return inScope(
            client,
            {
              begin: () => void client.exec(`SAVEPOINT ${name}`),
              commit: () => void client.exec(`RELEASE ${name}`),
              rollback: () => void client.exec(`ROLLBACK TO ${name}; RELEASE ${name}`),
            },
            make,
            body,
          );
        }
        return mutex.runExclusive(() =>
          inScope(
            client,
            {
              // IMMEDIATE: take the write lock now, so a second process waits here (busy_timeout)
              // instead of failing at the first write with SQLITE_BUSY.
              begin: () => {
                client.exec('BEGIN IMMEDIATE');
                watch.open = true;
                watch.writes.length = 0;
              },
              commit: () => {
                watch.open = false;
                client.exec('COMMIT');
              },
              // A failed COMMIT may already have ended the transaction.
              rollback: () => {
                watch.open = false;
                if (client.inTransaction) client.exec('ROLLBACK');
                reportLostWrites(watch);
              },
            },
            make,
            body,
          ),
        );
      },
      migrate: async () => migrateDb(db),
      close: async () => {
        await mutex.waitForUnlock();
        client.close();
      },
    };
    return makeHandle(db, ops);
  };
  const handle = make(undefined);
  sqliteHandles.set(client, handle);
  legacyOf.set(client, db);
  return handle;
}

/** The Database on a node-postgres pool (openPgPool); closing it ends the pool. */
export function postgresDatabase(pool: import('pg').Pool): Database {
  const root = pool;
  const make = (queries: NodePgDatabase, scope: Scope | undefined): Database => {
    const ops: EngineOps = {
      engine: 'postgres',
      tables: pgTables as unknown as Tables,
      root,
      scope,
      exclusive: (run) => run(),
      all: async <T>(query: SQL) => (await queries.execute(query)).rows as T[],
      run: async (query: SQL) => (await queries.execute(query)).rowCount ?? 0,
      transaction: <T>(body: (tx: Database) => Promise<T>) => {
        let result: T;
        // drizzle runs BEGIN/COMMIT (a SAVEPOINT when `queries` is itself a transaction) and rolls back on a throw.
        return queries
          .transaction(async (ptx) => {
            result = await inScope(root, { begin() {}, commit() {}, rollback() {} }, (s) => make(ptx, s), body);
          })
          .then(() => result);
      },
      migrate: () => migratePg(pool),
      // Closing twice (a test's cleanup after the app's stop) is not an error.
      close: async () => {
        if (!pool.ended) await pool.end();
      },
    };
    return makeHandle(queries, ops);
  };
  return make(drizzlePg(pool), undefined);
}
