/**
 * While the port to the async store goes on, callers not ported yet (the Discourse platform, tests
 * of other features) still hold the SQLite `Db`: the links stores also take it, as the same
 * connection's Database, so those callers only add an `await`. Goes when the last `Db` caller moves.
 */
import type { Db } from '../db/connection.js';
import { type Database, sqliteDatabase } from '../db/database.js';

export type AnyDb = Db | Database;

export const asDatabase = (db: AnyDb): Database => ('$client' in db ? sqliteDatabase(db) : db);
