/**
 * Outbox rows on either engine for the tests of the claims and the drain: write pending rows (what the
 * features' synchronous `enqueue` writes, here through the engine-neutral handle so PostgreSQL can be
 * seeded too) and read them back.
 */
import { asc } from 'drizzle-orm';
import type { OutboxItem } from '../../src/actions.js';
import type { Database } from '../../src/db/database.js';

/** Insert pending rows due at `notBefore ?? now`; a key that exists is left alone. */
export async function seedOutbox(db: Database, items: readonly OutboxItem[], now: number): Promise<void> {
  const { outbox } = db.tables;
  // Batches: SQLite binds at most 32,766 parameters in one statement.
  for (let i = 0; i < items.length; i += 500) {
    await db
      .insert(outbox)
      .values(
        items.slice(i, i + 500).map((item) => ({
          platform: item.platform,
          guildId: item.guildId,
          key: item.key,
          action: item.action,
          notBefore: item.notBefore ?? now,
          createdAt: now,
        })),
      )
      .onConflictDoNothing({ target: outbox.key });
  }
}

export interface OutboxRowState {
  key: string;
  status: string;
  attempts: number;
  lastError: string | null;
  notBefore: number;
  result: unknown;
  leaseOwner: string | null;
}

/** Every row, in id order. */
export async function outboxRows(db: Database): Promise<OutboxRowState[]> {
  const { outbox } = db.tables;
  return db
    .select({
      key: outbox.key,
      status: outbox.status,
      attempts: outbox.attempts,
      lastError: outbox.lastError,
      notBefore: outbox.notBefore,
      result: outbox.result,
      leaseOwner: outbox.leaseOwner,
    })
    .from(outbox)
    .orderBy(asc(outbox.id));
}

export async function outboxRow(db: Database, key: string): Promise<OutboxRowState | undefined> {
  return (await outboxRows(db)).find((r) => r.key === key);
}
