/**
 * What erasure and retention do to outbox rows (./store.ts), on either engine (src/db/database.ts):
 * find the rows whose text names someone, never send the pending ones, and keep no rendered text in
 * the others. Call them with the erasure's or the retention's transaction handle.
 */
import { and, eq, inArray, lt, or } from 'drizzle-orm';
import { contains } from '../db/contains.js';
import type { Database } from '../db/database.js';
import { redacted, stillHasText } from './store.js';

/** A guild's rows whose action text contains one of `needles` (case-insensitive), to look at closer. */
export async function rowsContainingOn(
  db: Database,
  guildId: string,
  needles: readonly string[],
): Promise<{ id: number; status: string; action: unknown }[]> {
  if (needles.length === 0) return [];
  const { outbox } = db.tables;
  return db
    .select({ id: outbox.id, status: outbox.status, action: outbox.action })
    .from(outbox)
    .where(and(eq(outbox.guildId, guildId), or(...needles.map((n) => contains(outbox.action, n)))));
}

/** Never send these pending rows (they named a member who erased their data); their text goes. */
export async function dropUnsentOn(
  tx: Database,
  rows: readonly { id: number; action: unknown }[],
  reason: string,
  now: number,
): Promise<void> {
  const { outbox } = tx.tables;
  for (const row of rows) {
    await tx
      .update(outbox)
      .set({ status: 'failed', action: redacted(row.action), finishedAt: now, leaseUntil: null, lastError: reason })
      .where(and(eq(outbox.id, row.id), eq(outbox.status, 'pending')));
  }
}

/** Keep these rows (key, result) without their rendered text. */
export async function redactRowsOn(tx: Database, rows: readonly { id: number; action: unknown }[]): Promise<void> {
  const { outbox } = tx.tables;
  for (const row of rows)
    await tx
      .update(outbox)
      .set({ action: redacted(row.action) })
      .where(eq(outbox.id, row.id));
}

/** Sent or failed rows finished before `cutoff` keep no rendered text; returns how many were redacted. */
export async function redactFinishedBeforeOn(tx: Database, guildId: string, cutoff: number): Promise<number> {
  const { outbox } = tx.tables;
  const rows = await tx
    .select({ id: outbox.id, action: outbox.action })
    .from(outbox)
    .where(
      and(
        eq(outbox.guildId, guildId),
        inArray(outbox.status, ['done', 'failed']),
        lt(outbox.finishedAt, cutoff),
        stillHasText(outbox.action),
      ),
    );
  await redactRowsOn(tx, rows);
  return rows.length;
}
