/**
 * The common part of a feature's erase hook: delete the rows of a member from each listed table.
 * A feature lists its member-keyed tables once (`[table, its member column]`), so a new table is
 * erased by adding one line to that list. Anything subtler (a pair, a JSON column) stays in the hook.
 */
import { and, eq } from 'drizzle-orm';
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../db/connection.js';

/** A table and the column that names the member; the table must have a `guildId` column. */
export type MemberRows = readonly [table: SQLiteTable & { guildId: SQLiteColumn }, member: SQLiteColumn];

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
