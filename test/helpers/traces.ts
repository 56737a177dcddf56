/**
 * Where a member's traces remain: every table of the database (enumerated from sqlite_master, so a
 * table added later is searched too) and the raw bytes of the database file and its WAL. For the
 * erasure tests: after /privacy delete, none of these may find the member's name or texts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/connection.js';
import type { Database } from '../../src/db/database.js';

export interface Traces {
  /** "table.column: needle" → rows that contain the needle (case-insensitive). */
  cells: Record<string, number>;
  /** Occurrences of a needle in the raw bytes of the .db and -wal files (as written and lower-cased). */
  bytes: { db: number; wal: number };
  total: { cells: number; bytes: number };
}

const quoteId = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function findTraces(db: Db, path: string, needles: readonly string[]): Traces {
  const wanted = [...new Set(needles.filter((n) => n.length >= 3))];
  const cells: Record<string, number> = {};
  const tables = db.$client
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all() as { name: string }[];
  for (const { name } of tables) {
    const columns = db.$client.prepare(`PRAGMA table_info(${quoteId(name)})`).all() as { name: string }[];
    for (const column of columns) {
      for (const needle of wanted) {
        // instr on lower(): a plain substring test (LIKE would read % and _ in a needle as patterns).
        const row = db.$client
          .prepare(
            `SELECT count(*) AS n FROM ${quoteId(name)} WHERE instr(lower(CAST(${quoteId(column.name)} AS TEXT)), lower(?)) > 0`,
          )
          .get(needle) as { n: number };
        if (row.n > 0) cells[`${name}.${column.name}: ${needle}`] = row.n;
      }
    }
  }
  const bytes = bytesIn(path, wanted);
  return {
    cells,
    bytes,
    total: { cells: Object.values(cells).reduce((a, b) => a + b, 0), bytes: bytes.db + bytes.wal },
  };
}

function bytesIn(path: string, wanted: readonly string[]): Traces['bytes'] {
  const countIn = (file: string) => {
    if (!existsSync(file)) return 0;
    const bytes = readFileSync(file);
    let n = 0;
    for (const needle of wanted) {
      for (const form of new Set([needle, needle.toLowerCase()])) {
        const pattern = Buffer.from(form, 'utf8');
        for (let at = bytes.indexOf(pattern); at !== -1; at = bytes.indexOf(pattern, at + 1)) n++;
      }
    }
    return n;
  };
  return { db: countIn(path), wal: countIn(`${path}-wal`) };
}

/** Every column of every table of the database (either engine), the migrations' bookkeeping left out. */
async function columnsOf(db: Database): Promise<{ table: string; column: string }[]> {
  if (db.engine === 'sqlite') {
    return db.all<{ table: string; column: string }>(
      sql`SELECT m.name AS "table", c.name AS "column" FROM sqlite_master m, pragma_table_info(m.name) c
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.cid`,
    );
  }
  return db.all<{ table: string; column: string }>(
    sql`SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
        WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
}

/** How many rows of `table` hold `needle` in `column` as text (case-insensitive substring), on either engine. */
async function rowsHolding(db: Database, table: string, column: string, needle: string): Promise<number> {
  const text = sql`lower(CAST(${sql.identifier(column)} AS TEXT))`;
  const found = db.engine === 'sqlite' ? sql`instr(${text}, lower(${needle}))` : sql`strpos(${text}, lower(${needle}))`;
  const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.identifier(table)} WHERE ${found} > 0`);
  return Number(row?.n ?? 0);
}

/**
 * findTraces on the async store, either engine: every table's cells; the raw bytes of the SQLite
 * file and its WAL when `path` is given (PostgreSQL has no file of its own to search: `bytes` is null).
 */
export async function findTracesIn(
  db: Database,
  path: string | undefined,
  needles: readonly string[],
): Promise<Omit<Traces, 'bytes'> & { bytes: Traces['bytes'] | null }> {
  const wanted = [...new Set(needles.filter((n) => n.length >= 3))];
  const cells: Record<string, number> = {};
  for (const { table, column } of await columnsOf(db)) {
    for (const needle of wanted) {
      const n = await rowsHolding(db, table, column, needle);
      if (n > 0) cells[`${table}.${column}: ${needle}`] = n;
    }
  }
  const bytes = path === undefined ? null : bytesIn(path, wanted);
  return {
    cells,
    bytes,
    total: {
      cells: Object.values(cells).reduce((a, b) => a + b, 0),
      bytes: bytes ? bytes.db + bytes.wal : 0,
    },
  };
}

/** findId on the async store, either engine. */
export async function findIdIn(db: Database, id: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { table, column } of await columnsOf(db)) {
    const text = sql`CAST(${sql.identifier(column)} AS TEXT)`;
    const holds =
      db.engine === 'sqlite' ? sql`instr(${text}, ${JSON.stringify(id)})` : sql`strpos(${text}, ${JSON.stringify(id)})`;
    const [row] = await db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM ${sql.identifier(table)} WHERE ${text} = ${id} OR ${holds} > 0`,
    );
    if (Number(row?.n) > 0) out[`${table}.${column}`] = Number(row?.n);
  }
  return out;
}

/** "table.column" → rows whose value is `id` or holds it as a JSON string ("…":["id"]…). */
export function findId(db: Db, id: string): Record<string, number> {
  const out: Record<string, number> = {};
  const tables = db.$client
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all() as { name: string }[];
  for (const { name } of tables) {
    const columns = db.$client.prepare(`PRAGMA table_info(${quoteId(name)})`).all() as { name: string }[];
    for (const column of columns) {
      const c = quoteId(column.name);
      const row = db.$client
        .prepare(
          `SELECT count(*) AS n FROM ${quoteId(name)} WHERE CAST(${c} AS TEXT) = ? OR instr(CAST(${c} AS TEXT), ?) > 0`,
        )
        .get(id, JSON.stringify(id)) as { n: number };
      if (row.n > 0) out[`${name}.${column.name}`] = row.n;
    }
  }
  return out;
}
