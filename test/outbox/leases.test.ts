/**
 * Leases across processes, on one real SQLite file: each drain claims under its own owner token
 * (two drains here stand for two processes), only the holder finishes or checkpoints a row, and a
 * batch that is still being sent keeps its rows.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions.js';
import { openDb } from '../../src/db/connection.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import { OutboxDrain } from '../../src/outbox/drain.js';
import type { PlatformSender, SendContext } from '../../src/outbox/platformSender.js';
import { claimDue, enqueue, markDone } from '../../src/outbox/store.js';
import { makeTestDb } from '../helpers/db.js';

const log = createLogger('silent');
const guildId = asGuildId('g1');
const message = (text: string): Action => ({
  type: 'message.send',
  channelId: asChannelId('c1'),
  body: { content: text },
});

class ScriptedSender implements PlatformSender {
  readonly platform = 'discord' as const;
  calls: string[] = [];
  constructor(private readonly script: (ctx: SendContext) => unknown | Promise<unknown>) {}
  async send(_action: Action, ctx: SendContext) {
    this.calls.push(ctx.key);
    return this.script(ctx);
  }
}

const row = (db: ReturnType<typeof makeTestDb>, key: string) =>
  db.$client.prepare('SELECT status, result, lease_owner, attempts FROM outbox WHERE key = ?').get(key) as {
    status: string;
    result: string | null;
    lease_owner: string | null;
    attempts: number;
  };

describe('outbox leases', () => {
  it('GIVEN two processes claiming from one file THEN each row goes to exactly one of them', () => {
    const db = makeTestDb();
    const other = openDb(db.path); // a second connection, as a second process has
    enqueue(
      db,
      Array.from({ length: 50 }, (_, i) => ({
        platform: 'discord' as const,
        guildId,
        key: `k${i}`,
        action: message(`m${i}`),
      })),
      0,
    );
    const taken: number[] = [];
    for (let round = 0; round < 10; round++) {
      taken.push(...claimDue(db, 'discord', 0, 4, 30_000, 'A').map((r) => r.id));
      taken.push(...claimDue(other, 'discord', 0, 3, 30_000, 'B').map((r) => r.id));
    }
    expect(taken).toHaveLength(50);
    expect(new Set(taken).size).toBe(50);
    other.$client.close();
  });

  it('GIVEN a sender that stalled past its lease THEN the new holder sends the row and the late finish changes nothing', async () => {
    const db = makeTestDb();
    let clock = 0;
    enqueue(db, [{ platform: 'discord', guildId, key: 'slow', action: message('hello') }], 0);
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => {
      release = resolve;
    });
    const a = new OutboxDrain(
      db,
      new ScriptedSender(async () => {
        await stalled;
        return { messageId: 'from-A' };
      }),
      log,
      // A heartbeat far slower than the stall: the lease runs out as if A's process were frozen.
      { now: () => clock, owner: 'A', leaseMs: 1_000_000, ratePerSecond: 1000 },
    );
    const aDone = a.drainAll();
    await new Promise((r) => setTimeout(r, 20));
    clock = 2_000_000; // A's lease has ended
    const b = new OutboxDrain(db, new ScriptedSender(() => ({ messageId: 'from-B' })), log, {
      now: () => clock,
      owner: 'B',
      leaseMs: 1_000_000,
      ratePerSecond: 1000,
    });
    expect(await b.drainAll()).toBe(1);
    release();
    await aDone;
    expect(row(db, 'slow')).toMatchObject({ status: 'done', result: JSON.stringify({ messageId: 'from-B' }) });
    expect(a.stats).toMatchObject({ sent: 0, leaseLost: 1 });
    expect(b.stats).toMatchObject({ sent: 1, leaseLost: 0 });
  });

  it('GIVEN a multi-step send whose lease was taken over THEN it stops at its next checkpoint', async () => {
    const db = makeTestDb();
    enqueue(db, [{ platform: 'discord', guildId, key: 'thread', action: message('x') }], 0);
    const steps: string[] = [];
    const a = new OutboxDrain(
      db,
      new ScriptedSender((ctx) => {
        ctx.checkpoint({ creatingSince: 1 });
        steps.push('created');
        // Another process takes the row over here (A's lease ended while it was frozen).
        claimDue(db, 'discord', 10_000_000, 10, 30_000, 'B');
        ctx.checkpoint({ threadId: 't-A' });
        steps.push('posted');
        return {};
      }),
      log,
      { now: () => 0, owner: 'A', leaseMs: 1000, ratePerSecond: 1000 },
    );
    await a.drainAll();
    expect(steps).toEqual(['created']);
    expect(row(db, 'thread')).toMatchObject({
      status: 'pending',
      lease_owner: 'B',
      result: JSON.stringify({ creatingSince: 1 }),
    });
    expect(a.stats.leaseLost).toBe(1);
  });

  it('GIVEN a slow batch that is alive THEN its rows keep their lease past the first lease time', async () => {
    const db = makeTestDb();
    enqueue(db, [{ platform: 'discord', guildId, key: 'k', action: message('x') }], 0);
    const drain = new OutboxDrain(
      db,
      new ScriptedSender(async () => {
        await new Promise((r) => setTimeout(r, 600));
        return {};
      }),
      log,
      { owner: 'A', leaseMs: 150, ratePerSecond: 1000 },
    );
    const done = drain.drainAll();
    await new Promise((r) => setTimeout(r, 400)); // well past the first 150 ms lease
    expect(claimDue(db, 'discord', Date.now(), 10, 150, 'B')).toHaveLength(0);
    await done;
    expect(row(db, 'k')).toMatchObject({ status: 'done', lease_owner: 'A', attempts: 1 });
  });

  it('GIVEN a finish by a process that never held the row THEN nothing changes', () => {
    const db = makeTestDb();
    enqueue(db, [{ platform: 'discord', guildId, key: 'k', action: message('x') }], 0);
    const [claimed] = claimDue(db, 'discord', 0, 1, 30_000, 'A');
    expect(markDone(db, claimed!.id, 'B', 1, { messageId: 'm' })).toBe(false);
    expect(row(db, 'k')).toMatchObject({ status: 'pending', lease_owner: 'A' });
    expect(markDone(db, claimed!.id, 'A', 1, { messageId: 'm' })).toBe(true);
    expect(row(db, 'k').status).toBe('done');
  });
});
