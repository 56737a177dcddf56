/**
 * The outbox table: enqueue (idempotent on key), claim with a lease, finish. Call `enqueue` inside
 * the same transaction as the decision that produced the actions.
 */
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Action, OutboxItem } from '../actions.js';
import type { Db } from '../db/connection.js';
import { contains } from '../db/contains.js';
import { outbox } from '../db/schema.js';
import type { Platform } from '../events.js';

export interface OutboxRow {
  id: number;
  platform: Platform;
  guildId: string;
  key: string;
  action: Action;
  attempts: number;
}

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

/** Whether an action with this key was ever enqueued (any status). */
export function hasKey(db: Db, key: string): boolean {
  return db.select({ id: outbox.id }).from(outbox).where(eq(outbox.key, key)).get() !== undefined;
}

/**
 * Take up to `limit` due rows for `platform`, leasing them until now + leaseMs. A row whose lease
 * expired (its sender died) is due again. Runs in one transaction so two senders never share a row.
 */
export function claimDue(db: Db, platform: Platform, now: number, limit: number, leaseMs: number): OutboxRow[] {
  return db.transaction((tx) => {
    const rows = tx
      .select({
        id: outbox.id,
        platform: outbox.platform,
        guildId: outbox.guildId,
        key: outbox.key,
        action: outbox.action,
        attempts: outbox.attempts,
      })
      .from(outbox)
      .where(
        and(
          eq(outbox.platform, platform),
          eq(outbox.status, 'pending'),
          lte(outbox.notBefore, now),
          or(isNull(outbox.leaseUntil), lte(outbox.leaseUntil, now)),
        ),
      )
      .orderBy(asc(outbox.notBefore), asc(outbox.id))
      .limit(limit)
      .all();
    if (rows.length > 0) {
      tx.update(outbox)
        .set({ leaseUntil: now + leaseMs, attempts: sql`${outbox.attempts} + 1` })
        .where(
          inArray(
            outbox.id,
            rows.map((r) => r.id),
          ),
        )
        .run();
    }
    return rows.map((r) => ({ ...r, action: r.action as Action, attempts: r.attempts + 1 }));
  });
}

export function markDone(db: Db, id: number, now: number, result: unknown): void {
  db.update(outbox)
    .set({ status: 'done', finishedAt: now, leaseUntil: null, result: result ?? null, lastError: null })
    .where(eq(outbox.id, id))
    .run();
}

export function markFailed(db: Db, id: number, now: number, error: string): void {
  db.update(outbox)
    .set({ status: 'failed', finishedAt: now, leaseUntil: null, lastError: error })
    .where(eq(outbox.id, id))
    .run();
}

/**
 * Put a row back for later (transient failure, rate limit). `uncounted`: the try was not the action's
 * fault (the platform was unreachable), so it is taken off the attempts that lead to giving up.
 */
export function retryLater(db: Db, id: number, notBefore: number, error: string, uncounted = false): void {
  db.update(outbox)
    .set({
      notBefore,
      leaseUntil: null,
      lastError: error,
      ...(uncounted ? { attempts: sql`${outbox.attempts} - 1` } : {}),
    })
    .where(eq(outbox.id, id))
    .run();
}

/** The result the platform returned for a done action (e.g. the created thread's id). */
export function resultOf(db: Db, key: string): unknown {
  return db.select({ result: outbox.result }).from(outbox).where(eq(outbox.key, key)).get()?.result;
}

/**
 * What stays of an action once its text must go (sent long enough ago, or naming an erased member):
 * its kind. The key (idempotency) and the result (thread and message ids) stay on the row.
 */
const redacted = (action: unknown) => ({ type: (action as { type?: string }).type ?? 'unknown', redacted: true });

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
        sql`CAST(${outbox.action} AS TEXT) NOT LIKE '%"redacted":true%'`,
      ),
    )
    .all();
  db.transaction((tx) => redactRows(tx as unknown as Db, rows));
  return rows.length;
}
