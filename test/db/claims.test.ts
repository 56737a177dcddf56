/**
 * The claim pattern for work shared by several processes (outbox rows, scheduled runs): a conditional
 * `UPDATE … WHERE <still free> RETURNING`, one statement per row. On PostgreSQL (READ COMMITTED) the
 * second updater of a row waits for the first, then re-checks the condition on the new row and takes
 * nothing; on SQLite the file has one writer at a time. Run from two connections at once on both.
 */
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { ENGINES, testConnections } from '../helpers/engines.js';

const ROWS = 200;
const NOW = 1_000_000;
const LEASE_MS = 30_000;

async function seed(db: Database): Promise<number[]> {
  const { outbox } = db.tables;
  const rows = Array.from({ length: ROWS }, (_, i) => ({
    platform: 'discord' as const,
    guildId: 'g1',
    key: `k${i}`,
    action: { kind: 'post', n: i },
    notBefore: NOW - 1,
    createdAt: NOW - 1,
  }));
  const inserted = await db.insert(outbox).values(rows).returning({ id: outbox.id });
  return inserted.map((r) => r.id);
}

/** Take the row if no live lease holds it; true when this caller got it. */
async function claim(db: Database, id: number, conditional: boolean): Promise<boolean> {
  const { outbox } = db.tables;
  const free = or(isNull(outbox.leaseUntil), lt(outbox.leaseUntil, NOW));
  const taken = await db
    .update(outbox)
    .set({ leaseUntil: NOW + LEASE_MS, attempts: sql`${outbox.attempts} + 1` })
    .where(conditional ? and(eq(outbox.id, id), free) : eq(outbox.id, id))
    .returning({ id: outbox.id });
  return taken.length === 1;
}

/** Two claimers, each going through every row (in opposite orders), their statements in flight together. */
async function race(a: Database, b: Database, ids: number[], conditional: boolean) {
  const run = async (db: Database, order: number[]) => {
    const got = await Promise.all(order.map((id) => claim(db, id, conditional)));
    return order.filter((_, i) => got[i]);
  };
  const [byA, byB] = await Promise.all([run(a, ids), run(b, [...ids].reverse())]);
  return { byA, byB };
}

describe.each(ENGINES)('claims from two connections on %s', (engine) => {
  it('GIVEN a conditional UPDATE … RETURNING claim from two connections at once THEN every row is taken exactly once', async () => {
    const [a, b] = await testConnections(engine, 2);
    const ids = await seed(a!);
    const { byA, byB } = await race(a!, b!, ids, true);
    expect(byA.length + byB.length).toBe(ROWS);
    expect(new Set([...byA, ...byB]).size).toBe(ROWS);
    // Both won rows: the two connections really raced for the same rows.
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    const { outbox } = a!.tables;
    const attempts = await a!.select({ attempts: outbox.attempts }).from(outbox);
    expect(attempts.every((r) => r.attempts === 1)).toBe(true);
  });

  it('GIVEN the same race without the condition THEN rows are taken twice (what the condition prevents)', async () => {
    const [a, b] = await testConnections(engine, 2);
    const ids = await seed(a!);
    const { byA, byB } = await race(a!, b!, ids, false);
    expect(byA.length + byB.length).toBe(2 * ROWS);
  });
});
