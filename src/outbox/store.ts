/**
 * The outbox table, the features' side: enqueue (idempotent on key) and what erasure and retention do
 * to rows. Call `enqueue` inside the same transaction as the decision that produced the actions.
 * Claiming and finishing rows, which must hold across processes, is in ./claims.ts, on both engines.
 *
 * Each function has its form on the engine-neutral `Database` (the `…On` twin, both engines) and its
 * form on the synchronous SQLite API, kept for the callers not ported yet (digest, erasure, retention).
 */
import { eq, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { OutboxItem } from '../actions.js';
import type { Db } from '../db/connection.js';
import type { Database } from '../db/database.js';
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

/**
 * What stays of an action once its text must go (sent long enough ago, or naming an erased member):
 * its kind. The key (idempotency) and the result (thread and message ids) stay on the row.
 */
export const redacted = (action: unknown) => ({
  type: (action as { type?: string }).type ?? 'unknown',
  redacted: true,
});

/**
 * The row's action still has its text (it is not `redacted(…)`). The JSON is read as text, which each
 * engine prints its own way: `"redacted":true` on SQLite, `"redacted": true` on PostgreSQL's jsonb.
 */
export function stillHasText(action: SQLWrapper): SQL {
  return sql`(CAST(${action} AS TEXT) NOT LIKE '%"redacted":true%' AND CAST(${action} AS TEXT) NOT LIKE '%"redacted": true%')`;
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
