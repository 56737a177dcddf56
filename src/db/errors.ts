/**
 * Which database errors mean "this write cannot happen now, but may later" (a full disk, an I/O
 * error, a read-only or locked file), as opposed to a bug in what was written. The only place besides
 * connection.ts that knows better-sqlite3's error codes.
 */

/** SQLite primary result codes (extended ones start with them: SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…). */
const STORAGE_CODES = /^SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN|NOMEM|PROTOCOL)/;

/** True when retrying the same write later can succeed: the database, not the data, is the problem. */
export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.test(code);
}

/** What the database said, for a moderator: "database or disk is full". */
export function storageFailureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim() || 'unknown storage error';
}

/**
 * True when a write broke a unique constraint (SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, PostgreSQL
 * 23505), looking through drizzle's "Failed query" wrapper: under PostgreSQL's READ COMMITTED two
 * transactions may both decide to insert the same key, and the second learns it only here.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  }
  return false;
}
