/**
 * The common part of a feature's erase hook: delete the rows of a member from each listed table.
 * A feature lists its member-keyed tables once (`[table, its member column]`), so a new table is
 * erased by adding one line to that list. Anything subtler (a pair, a JSON column) stays in the hook.
 * `deleteMemberRowsOn` runs on either engine inside the erasure's transaction (list the tables from
 * `tx.tables`); `deleteMemberRows` serves the hooks not ported yet (SQLite only).
 */
import { and, eq, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/connection.js';
import type { Database } from '../db/database.js';

/** A table and the column that names the member; the table must have a `guildId` column. */
export type MemberRows = readonly [table: SQLiteTable & { guildId: SQLiteColumn }, member: SQLiteColumn];

/** The same, from a Database's `tables` (either engine). */
export type MemberRowsOf = readonly [table: PgTable & { guildId: PgColumn }, member: PgColumn];

export async function deleteMemberRowsOn(
  tx: Database,
  guildId: string,
  memberId: string,
  tables: readonly MemberRowsOf[],
): Promise<number> {
  let deleted = 0;
  for (const [table, member] of tables) {
    // A count, not the rows: nothing of them is needed.
    deleted += await tx.run(sql`DELETE FROM ${table} WHERE ${table.guildId} = ${guildId} AND ${member} = ${memberId}`);
  }
  return deleted;
}

export function deleteMemberRows(db: Db, guildId: string, memberId: string, tables: readonly MemberRows[]): number {
  let deleted = 0;
  for (const [table, member] of tables) {
    deleted += db
      .delete(table)
      .where(and(eq(table.guildId, guildId), eq(member, memberId)))
      .run().changes;
  }
  return deleted;
}
