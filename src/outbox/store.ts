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

/** Due for `platform` at `now`: pending, its time come, and not leased (or its lease ended: its sender died). */
function dueFor(platform: Platform, now: number) {
  return and(
    eq(outbox.platform, platform),
    eq(outbox.status, 'pending'),
    lte(outbox.notBefore, now),
    or(isNull(outbox.leaseUntil), lte(outbox.leaseUntil, now)),
  );
}

/**
 * Take up to `limit` due rows for `platform`, leased to `owner` until now + leaseMs. One conditional
 * statement: the subquery picks candidates and the outer WHERE repeats the due condition, so a row
 * another process claimed in between is not taken twice (SQLite: one writer per statement, no
 * read-then-write transaction to fail with SQLITE_BUSY; Postgres READ COMMITTED: the condition is
 * re-checked on the row's newest version).
 */
export function claimDue(
  db: Db,
  platform: Platform,
  now: number,
  limit: number,
  leaseMs: number,
  owner: string,
): OutboxRow[] {
  const candidates = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(dueFor(platform, now))
    .orderBy(asc(outbox.notBefore), asc(outbox.id))
    .limit(limit);
  const rows = db
    .update(outbox)
    .set({ leaseUntil: now + leaseMs, leaseOwner: owner, attempts: sql`${outbox.attempts} + 1` })
    .where(and(inArray(outbox.id, candidates), dueFor(platform, now)))
    .returning({
      id: outbox.id,
      platform: outbox.platform,
      guildId: outbox.guildId,
      key: outbox.key,
      action: outbox.action,
      attempts: outbox.attempts,
      notBefore: outbox.notBefore,
    })
    .all();
  // RETURNING has no order: send in the order the rows became due.
  rows.sort((a, b) => a.notBefore - b.notBefore || a.id - b.id);
  return rows.map(({ notBefore: _, ...r }) => ({ ...r, action: r.action as Action }));
}

/** The row is still ours: pending and leased to `owner` (a late finisher must not overwrite the new holder). */
const heldBy = (id: number, owner: string) =>
  and(eq(outbox.id, id), eq(outbox.status, 'pending'), eq(outbox.leaseOwner, owner));

/** Mark a row sent. False when `owner` no longer held it (nothing changed). */
export function markDone(db: Db, id: number, owner: string, now: number, result: unknown): boolean {
  return (
    db
      .update(outbox)
      .set({ status: 'done', finishedAt: now, leaseUntil: null, result: result ?? null, lastError: null })
      .where(heldBy(id, owner))
      .returning({ id: outbox.id })
      .all().length > 0
  );
}

/** Give up on a row. False when `owner` no longer held it (nothing changed). */
export function markFailed(db: Db, id: number, owner: string, now: number, error: string): boolean {
  return (
    db
      .update(outbox)
      .set({ status: 'failed', finishedAt: now, leaseUntil: null, lastError: error })
      .where(heldBy(id, owner))
      .returning({ id: outbox.id })
      .all().length > 0
  );
}

/**
 * Put a row back for later (transient failure, rate limit). `uncounted`: the try was not the action's
 * fault (the platform was unreachable), so it is taken off the attempts that lead to giving up.
 * False when `owner` no longer held it.
 */
export function retryLater(
  db: Db,
  id: number,
  owner: string,
  notBefore: number,
  error: string,
  uncounted = false,
): boolean {
  return (
    db
      .update(outbox)
      .set({
        notBefore,
        leaseUntil: null,
        leaseOwner: null,
        lastError: error,
        ...(uncounted ? { attempts: sql`${outbox.attempts} - 1` } : {}),
      })
      .where(heldBy(id, owner))
      .returning({ id: outbox.id })
      .all().length > 0
  );
}

/** Save a sender's progress on a row (thread created, about to post). False when `owner` no longer held it. */
export function checkpoint(db: Db, id: number, owner: string, progress: unknown): boolean {
  return (
    db.update(outbox).set({ result: progress }).where(heldBy(id, owner)).returning({ id: outbox.id }).all().length > 0
  );
}

/** Extend the lease of the rows `owner` still holds among `ids` (a batch still being sent); returns those ids. */
export function renewLeases(db: Db, ids: readonly number[], owner: string, leaseUntil: number): number[] {
  if (ids.length === 0) return [];
  return db
    .update(outbox)
    .set({ leaseUntil })
    .where(and(inArray(outbox.id, [...ids]), eq(outbox.status, 'pending'), eq(outbox.leaseOwner, owner)))
    .returning({ id: outbox.id })
    .all()
    .map((r) => r.id);
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
