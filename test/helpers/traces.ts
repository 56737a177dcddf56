/**
 * Where a member's traces remain: every table of the database (enumerated from sqlite_master, so a
 * table added later is searched too) and the raw bytes of the database file and its WAL. For the
 * erasure tests: after /privacy delete, none of these may find the member's name or texts.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Db } from '../../src/db/connection.js';

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
  const bytes = { db: countIn(path), wal: countIn(`${path}-wal`) };
  return {
    cells,
    bytes,
    total: { cells: Object.values(cells).reduce((a, b) => a + b, 0), bytes: bytes.db + bytes.wal },
  };
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
