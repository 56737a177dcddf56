/**
 * `column` holds `needle` as a substring, case-insensitive (needle compared in lower case), in SQL
 * that SQLite and Postgres both read: LIKE with an escape, since names often hold _ (and % can occur).
 */
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';

export function contains(column: SQLWrapper, needle: string): SQL {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`lower(CAST(${column} AS TEXT)) LIKE ${pattern} ESCAPE '\\'`;
}
