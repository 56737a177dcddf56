/**
 * The outbox rows' claims, on both engines (src/db/database.ts): take due rows with a lease, finish
 * them, note a sender's progress, renew a batch's leases. This is what decides "sent exactly once"
 * across processes, so every function is one conditional statement (UPDATE … WHERE … RETURNING):
 * no read-then-write, no transaction (on SQLite an async transaction could take in a synchronous
 * statement of another flow while it awaits). A function given a row another process holds now
 * changes nothing and says so.
 */
import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Action } from '../actions.js';
import type { Database } from '../db/database.js';
import type { Platform } from '../events.js';

export interface OutboxRow {
  id: number;
  platform: Platform;
  guildId: string;
  key: string;
  action: Action;
  attempts: number;
}

/** Due for `platform` at `now`: pending, its time come, and not leased (or its lease ended: its sender died). */
function dueFor(db: Database, platform: Platform, now: number) {
  const { outbox } = db.tables;
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
 * another process claimed in between is not taken twice (SQLite: one writer per statement;
 * PostgreSQL READ COMMITTED: the condition is re-checked on the row's newest version). On PostgreSQL
 * the candidates are locked with SKIP LOCKED: a process passes over the rows another is claiming
 * this instant and takes the next ones, instead of waiting for them and coming back empty.
 */
export async function claimDue(
  db: Database,
  platform: Platform,
  now: number,
  limit: number,
  leaseMs: number,
  owner: string,
): Promise<OutboxRow[]> {
  const { outbox } = db.tables;
  const picked = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(dueFor(db, platform, now))
    .orderBy(asc(outbox.notBefore), asc(outbox.id))
    .limit(limit);
  // PostgreSQL: lock the candidates, passing over those another process is claiming this instant, in
  // ARRAY(…), which runs once. Inside `IN (…)` the planner may run the locking subquery again for each
  // row, every time skipping the rows it just locked: one claim took 754 rows for a limit of 20
  // (test/outbox/leases.test.ts). SQLite has no row locks (nor the syntax): its single writer already
  // serializes the claims.
  const candidates =
    db.engine === 'postgres'
      ? sql`${outbox.id} = ANY(ARRAY(${picked.for('update', { skipLocked: true })}))`
      : inArray(outbox.id, picked);
  const rows = await db
    .update(outbox)
    .set({ leaseUntil: now + leaseMs, leaseOwner: owner, attempts: sql`${outbox.attempts} + 1` })
    .where(and(candidates, dueFor(db, platform, now)))
    .returning({
      id: outbox.id,
      platform: outbox.platform,
      guildId: outbox.guildId,
      key: outbox.key,
      action: outbox.action,
      attempts: outbox.attempts,
      notBefore: outbox.notBefore,
    });
  // RETURNING has no order: send in the order the rows became due.
  rows.sort((a, b) => a.notBefore - b.notBefore || a.id - b.id);
  return rows.map(({ notBefore: _, ...r }) => ({ ...r, action: r.action as Action }));
}

/** The row is still ours: pending and leased to `owner` (a late finisher must not overwrite the new holder). */
function heldBy(db: Database, id: number, owner: string) {
  const { outbox } = db.tables;
  return and(eq(outbox.id, id), eq(outbox.status, 'pending'), eq(outbox.leaseOwner, owner));
}

/** Mark a row sent. False when `owner` no longer held it (nothing changed). */
export async function markDone(
  db: Database,
  id: number,
  owner: string,
  now: number,
  result: unknown,
): Promise<boolean> {
  const { outbox } = db.tables;
  const rows = await db
    .update(outbox)
    .set({ status: 'done', finishedAt: now, leaseUntil: null, result: result ?? null, lastError: null })
    .where(heldBy(db, id, owner))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/** Give up on a row. False when `owner` no longer held it (nothing changed). */
export async function markFailed(
  db: Database,
  id: number,
  owner: string,
  now: number,
  error: string,
): Promise<boolean> {
  const { outbox } = db.tables;
  const rows = await db
    .update(outbox)
    .set({ status: 'failed', finishedAt: now, leaseUntil: null, lastError: error })
    .where(heldBy(db, id, owner))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/**
 * Put a row back for later (transient failure, rate limit). `uncounted`: the try was not the action's
 * fault (the platform was unreachable), so it is taken off the attempts that lead to giving up.
 * False when `owner` no longer held it.
 */
export async function retryLater(
  db: Database,
  id: number,
  owner: string,
  notBefore: number,
  error: string,
  uncounted = false,
): Promise<boolean> {
  const { outbox } = db.tables;
  const rows = await db
    .update(outbox)
    .set({
      notBefore,
      leaseUntil: null,
      leaseOwner: null,
      lastError: error,
      ...(uncounted ? { attempts: sql`${outbox.attempts} - 1` } : {}),
    })
    .where(heldBy(db, id, owner))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/** Save a sender's progress on a row (thread created, about to post). False when `owner` no longer held it. */
export async function checkpoint(db: Database, id: number, owner: string, progress: unknown): Promise<boolean> {
  const { outbox } = db.tables;
  const rows = await db
    .update(outbox)
    .set({ result: progress })
    .where(heldBy(db, id, owner))
    .returning({ id: outbox.id });
  return rows.length > 0;
}

/** What earlier attempts of a row saved with `checkpoint` (null: nothing yet). */
export async function progressOf(db: Database, id: number): Promise<unknown> {
  const { outbox } = db.tables;
  const [row] = await db.select({ result: outbox.result }).from(outbox).where(eq(outbox.id, id)).limit(1);
  return row?.result ?? null;
}

/** Extend the lease of the rows `owner` still holds among `ids` (a batch still being sent); returns those ids. */
export async function renewLeases(
  db: Database,
  ids: readonly number[],
  owner: string,
  leaseUntil: number,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const { outbox } = db.tables;
  const rows = await db
    .update(outbox)
    .set({ leaseUntil })
    .where(and(inArray(outbox.id, [...ids]), eq(outbox.status, 'pending'), eq(outbox.leaseOwner, owner)))
    .returning({ id: outbox.id });
  return rows.map((r) => r.id);
}
