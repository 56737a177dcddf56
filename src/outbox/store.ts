/**
 * The outbox table, the features' side: enqueue (idempotent on key) and what erasure and retention do
 * to rows. Call `enqueue` inside the same transaction as the decision that produced the actions.
 * Claiming and finishing rows, which must hold across processes, is in ./claims.ts, on both engines.
 *
 * Each function has its form on the engine-neutral `Database` (the `…On` twin, both engines) and its
 * form on the synchronous SQLite API, kept for the callers not ported yet (digest, erasure, retention).
 */
import { and, eq, inArray, lt, or, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { OutboxItem } from '../actions.js';
import type { Db } from '../db/connection.js';
import { contains } from '../db/contains.js';
import { type Database, transaction } from '../db/database.js';
import { outbox } from '../db/schema.js';

/** Insert actions; an item whose key exists already is ignored. Returns how many were new. */
export function enqueue(db: Db, items: readonly OutboxItem[], now: number): number {
  let added = 0;
  for (const item of items) {
    const result = db
      .insert(outbox)
      .values({
        platform: item.platform,
        guildId: item.guildId,
        key: item.key,
        action: item.action,
        notBefore: item.notBefore ?? now,
        createdAt: now,
      })
      .onConflictDoNothing({ target: outbox.key })
      .run();
    added += result.changes;
  }
  return added;
}

/** Rows per INSERT: far below SQLite's 32,766 bound variables and PostgreSQL's 65,535. */
const ENQUEUE_CHUNK = 500;

/**
 * enqueue on the async store (both engines): call it with the transaction's handle, so the actions
 * commit with the decision that produced them. Returns how many were new.
 */
export async function enqueueOn(db: Database, items: readonly OutboxItem[], now: number): Promise<number> {
  const { outbox: table } = db.tables;
  let added = 0;
  for (let i = 0; i < items.length; i += ENQUEUE_CHUNK) {
    const rows = items.slice(i, i + ENQUEUE_CHUNK).map((item) => ({
      platform: item.platform,
      guildId: item.guildId,
      key: item.key,
      action: item.action,
      notBefore: item.notBefore ?? now,
      createdAt: now,
    }));
    const inserted = await db
      .insert(table)
      .values(rows)
      .onConflictDoNothing({ target: table.key })
      .returning({ id: table.id });
    added += inserted.length;
  }
  return added;
}

/** Whether an action with this key was ever enqueued (any status). */
export function hasKey(db: Db, key: string): boolean {
  return db.select({ id: outbox.id }).from(outbox).where(eq(outbox.key, key)).get() !== undefined;
}

/** The result the platform returned for a done action (e.g. the created thread's id). */
export function resultOf(db: Db, key: string): unknown {
  return db.select({ result: outbox.result }).from(outbox).where(eq(outbox.key, key)).get()?.result;
}

/**
 * What stays of an action once its text must go (sent long enough ago, or naming an erased member):
 * its kind. The key (idempotency) and the result (thread and message ids) stay on the row.
 */
export const redacted = (action: unknown) => ({
  type: (action as { type?: string }).type ?? 'unknown',
  redacted: true,
});

/** A guild's rows whose action text contains one of `needles` (case-insensitive), to look at closer. */
export function rowsContaining(
  db: Db,
  guildId: string,
  needles: readonly string[],
): { id: number; status: string; action: unknown }[] {
  if (needles.length === 0) return [];
  return db
    .select({ id: outbox.id, status: outbox.status, action: outbox.action })
    .from(outbox)
    .where(and(eq(outbox.guildId, guildId), or(...needles.map((n) => contains(outbox.action, n)))))
    .all();
}

/** Never send these pending rows (they named a member who erased their data); their text goes. */
export function dropUnsent(
  db: Db,
  rows: readonly { id: number; action: unknown }[],
  reason: string,
  now: number,
): void {
  for (const row of rows) {
    db.update(outbox)
      .set({ status: 'failed', action: redacted(row.action), finishedAt: now, leaseUntil: null, lastError: reason })
      .where(and(eq(outbox.id, row.id), eq(outbox.status, 'pending')))
      .run();
  }
}

/** Keep these rows (key, result) without their rendered text. */
export function redactRows(db: Db, rows: readonly { id: number; action: unknown }[]): void {
  for (const row of rows)
    db.update(outbox)
      .set({ action: redacted(row.action) })
      .where(eq(outbox.id, row.id))
      .run();
}

/**
 * The row's action still has its text (it is not `redacted(…)`). The JSON is read as text, which each
 * engine prints its own way: `"redacted":true` on SQLite, `"redacted": true` on PostgreSQL's jsonb.
 */
export function stillHasText(action: SQLWrapper): SQL {
  return sql`(CAST(${action} AS TEXT) NOT LIKE '%"redacted":true%' AND CAST(${action} AS TEXT) NOT LIKE '%"redacted": true%')`;
}

/** Sent or failed rows finished before `cutoff` keep no rendered text; returns how many were redacted. */
export function redactFinishedBefore(db: Db, guildId: string, cutoff: number): number {
  const rows = db
    .select({ id: outbox.id, action: outbox.action })
    .from(outbox)
    .where(
      and(
        eq(outbox.guildId, guildId),
        inArray(outbox.status, ['done', 'failed']),
        lt(outbox.finishedAt, cutoff),
        stillHasText(outbox.action),
      ),
    )
    .all();
  db.transaction((tx) => redactRows(tx as unknown as Db, rows));
  return rows.length;
}

// ---------------------------------------------------------------------------------------------
// On the engine-neutral Database (both engines)

/** Whether an action with this key was ever enqueued (any status). */
export async function hasKeyOn(db: Database, key: string): Promise<boolean> {
  const { outbox } = db.tables;
  return (await db.select({ id: outbox.id }).from(outbox).where(eq(outbox.key, key)).limit(1)).length > 0;
}

/** The result the platform returned for a done action (e.g. the created thread's id). */
export async function resultOfOn(db: Database, key: string): Promise<unknown> {
  const { outbox } = db.tables;
  return (await db.select({ result: outbox.result }).from(outbox).where(eq(outbox.key, key)).limit(1))[0]?.result;
}

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
  for (const row of rows) {
    await tx
      .update(outbox)
      .set({ action: redacted(row.action) })
      .where(eq(outbox.id, row.id));
  }
}

/** Sent or failed rows finished before `cutoff` keep no rendered text; returns how many were redacted. */
export async function redactFinishedBeforeOn(db: Database, guildId: string, cutoff: number): Promise<number> {
  return transaction(db, async (tx) => {
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
  });
}
