/**
 * The only place that knows better-sqlite3. Opens the file with the pragmas a bot needs
 * (WAL so readers never block the writer, busy_timeout for a second process, foreign keys on),
 * and applies drizzle-kit's migrations.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** The database file cannot be used; `message` says why in words a person can act on (no variable names). */
export class DatabaseFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseFileError';
  }
}

export function openDb(path: string): Db {
  if (path === '') {
    // SQLite would open a temporary database, deleted at exit: everything stored would be lost.
    throw new DatabaseFileError('no file given; an empty path would be a temporary database, lost at exit');
  }
  if (path !== ':memory:') makeFolder(dirname(resolve(path)));
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    // WAL + NORMAL is durable across process crashes (only an OS crash can lose the last commits).
    sqlite.pragma('synchronous = NORMAL');
    // Erased means gone: deleted rows are overwritten with zeros, not left in free pages of the file.
    sqlite.pragma('secure_delete = ON');
    // Read and write once now (rewriting the same user_version), so that a damaged or read-only file
    // stops start-up with a reason instead of failing at the first event.
    const version = sqlite.pragma('user_version', { simple: true }) as number;
    sqlite.pragma(`user_version = ${version}`);
  } catch (error) {
    sqlite?.close();
    throw new DatabaseFileError(explainOpenError(error, path), { cause: error });
  }
  return immediateTransactions(drizzle(sqlite, { schema }) as Db);
}

/**
 * Transactions begin IMMEDIATE (the write lock first) unless told otherwise. A DEFERRED transaction
 * that reads and then writes cannot wait for another process's write: SQLite answers SQLITE_BUSY at
 * once (its snapshot is stale), without the busy_timeout. With several processes on one file that
 * failed batches of ingest; IMMEDIATE waits its turn at BEGIN instead. Nested ones stay savepoints.
 */
function immediateTransactions(db: Db): Db {
  const deferred = db.transaction.bind(db);
  db.transaction = ((body, config) => deferred(body, { behavior: 'immediate', ...config })) as Db['transaction'];
  return db;
}

function makeFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      const file = firstFileOnPath(folder);
      const what =
        file === folder
          ? `${file} is a file, not a folder`
          : `${file} is a file, not a folder, so ${folder} cannot be made`;
      throw new DatabaseFileError(what, { cause: error });
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new DatabaseFileError(`no permission to make the folder ${folder} (${code})`, { cause: error });
    }
    throw new DatabaseFileError(`cannot make the folder ${folder}: ${(error as Error).message}`, { cause: error });
  }
}

/** The nearest existing part of `folder` that is a file (what blocks making the folder). */
function firstFileOnPath(folder: string): string {
  for (let at = folder; ; at = dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) return at;
    } catch {
      // Missing: the blocking file is further up.
    }
    if (dirname(at) === at) return folder;
  }
}

function explainOpenError(error: unknown, path: string): string {
  const code = String((error as { code?: unknown }).code ?? '');
  const isFolder = (() => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  })();
  if (isFolder)
    return `${path} is a folder, not a file: name a file inside it, such as file:${join(path, 'convene.db')}`;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return `${path} is not a SQLite database, or it is damaged: restore a backup or name a new file (Convene leaves this one alone)`;
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return `${path} is read-only for this user: Convene must write it (check the permissions and owner of the file and its folder)`;
  }
  if (code === 'SQLITE_FULL') return `the disk holding ${path} is full`;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return `${path} is locked by another process (is Convene already running on it?)`;
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return `cannot open ${path}: check that Convene may read and write the file and its folder`;
  }
  return `cannot open ${path}: ${(error as Error).message}`;
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
  // drizzle reads what is applied before its transaction begins: a process started together with
  // this one may migrate in between, and ours then fails on a table it made ("already exists"). Its
  // migrations commit all or nothing, so reading again finds them applied.
  for (let attempt = 1; ; attempt++) {
    const before = countApplied();
    try {
      migrate(db, { migrationsFolder: MIGRATIONS_DIR });
      return countApplied() - before;
    } catch (error) {
      if (attempt === MIGRATE_ATTEMPTS) throw error;
    }
  }
}

const MIGRATE_ATTEMPTS = 3;

/**
 * Copy the WAL into the database file and truncate the WAL to zero bytes, so that rows just erased
 * (overwritten in the file by secure_delete) leave no older copy in the WAL. Returns false when a
 * reader still held old frames (busy): the WAL then keeps them until the next truncating checkpoint.
 */
export function checkpointTruncate(db: Db): boolean {
  // Inside a transaction SQLite refuses; the caller's commit is followed by the next erasure's checkpoint.
  if (db.$client.inTransaction) return false;
  const [row] = db.$client.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
  return (row?.busy ?? 0) === 0;
}
