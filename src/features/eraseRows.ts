/**
 * The common part of a feature's erase hook: delete the rows of a member from each listed table.
 * A feature lists its member-keyed tables once (`[table, its member column]`), so a new table is
 * erased by adding one line to that list. Anything subtler (a pair, a JSON column) stays in the hook.
 * `deleteMemberRowsOn` runs on either engine inside the erasure's transaction (list the tables from
 * `tx.tables`).
 */
import { sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../db/database.js';

/**
 * A table of a Database's `tables` (either engine) and the column that names the member; the table
 * must have a `guildId` column.
 */
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
