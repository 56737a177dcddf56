/**
 * Leases across processes, on one real SQLite file and on a real PostgreSQL server: each drain claims
 * under its own owner token (two drains here stand for two processes; the race uses two connections),
 * only the holder finishes or checkpoints a row, and a batch that is still being sent keeps its rows.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions.js';
import type { Database } from '../../src/db/database.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import { claimDue, markDone } from '../../src/outbox/claims.js';
import { OutboxDrain } from '../../src/outbox/drain.js';
import type { PlatformSender, SendContext } from '../../src/outbox/platformSender.js';
import { ENGINES, testConnections, testDatabase } from '../helpers/engines.js';
import { outboxRow, seedOutbox } from '../helpers/outboxRows.js';

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

const row = async (db: Database, key: string) => (await outboxRow(db, key))!;

describe.each(ENGINES)('outbox leases on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN two processes claiming from one database at once THEN each row goes to exactly one of them', async () => {
    // Two connections, as two processes have (on PostgreSQL, two pools: the claims really race).
    const [first, other] = await testConnections(engine, 2);
    db = first!;
    await seedOutbox(
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
      const [a, b] = await Promise.all([
        claimDue(db, 'discord', 0, 4, 30_000, 'A'),
        claimDue(other!, 'discord', 0, 3, 30_000, 'B'),
      ]);
      taken.push(...a.map((r) => r.id), ...b.map((r) => r.id));
    }
    expect(taken).toHaveLength(50);
    expect(new Set(taken).size).toBe(50);
  });

  it('GIVEN four processes claiming batches of a large backlog at once THEN no claim takes more than its limit and no row is taken twice', async () => {
    const connections = await testConnections(engine, 4);
    db = connections[0]!;
    await seedOutbox(
      db,
      Array.from({ length: 2_000 }, (_, i) => ({
        platform: 'discord' as const,
        guildId,
        key: `k${i}`,
        action: message(`m${i}`),
      })),
      0,
    );
    const sizes: number[] = [];
    const taken: number[] = [];
    for (let round = 0; round < 25; round++) {
      const claims = await Promise.all(connections.map((c, i) => claimDue(c, 'discord', 0, 20, 30_000, `P${i}`)));
      for (const rows of claims) {
        sizes.push(rows.length);
        taken.push(...rows.map((r) => r.id));
      }
    }
    console.log(`${engine}: largest claim ${Math.max(...sizes)} of a limit of 20; ${taken.length} rows taken`);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    expect(new Set(taken).size).toBe(taken.length);
    expect(taken).toHaveLength(2_000);
  });

  it('GIVEN a sender that stalled past its lease THEN the new holder sends the row and the late finish changes nothing', async () => {
    let clock = 0;
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'slow', action: message('hello') }], 0);
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
    expect(await row(db, 'slow')).toMatchObject({ status: 'done', result: { messageId: 'from-B' } });
    expect(a.stats).toMatchObject({ sent: 0, leaseLost: 1 });
    expect(b.stats).toMatchObject({ sent: 1, leaseLost: 0 });
  });

  it('GIVEN a multi-step send whose lease was taken over THEN it stops at its next checkpoint', async () => {
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'thread', action: message('x') }], 0);
    const steps: string[] = [];
    const a = new OutboxDrain(
      db,
      new ScriptedSender(async (ctx) => {
        await ctx.checkpoint({ creatingSince: 1 });
        steps.push('created');
        // Another process takes the row over here (A's lease ended while it was frozen).
        await claimDue(db, 'discord', 10_000_000, 10, 30_000, 'B');
        await ctx.checkpoint({ threadId: 't-A' });
        steps.push('posted');
        return {};
      }),
      log,
      { now: () => 0, owner: 'A', leaseMs: 1000, ratePerSecond: 1000 },
    );
    await a.drainAll();
    expect(steps).toEqual(['created']);
    expect(await row(db, 'thread')).toMatchObject({
      status: 'pending',
      leaseOwner: 'B',
      result: { creatingSince: 1 },
    });
    expect(a.stats.leaseLost).toBe(1);
  });

  it('GIVEN a slow batch that is alive THEN its rows keep their lease past the first lease time', async () => {
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'k', action: message('x') }], 0);
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
    expect(await claimDue(db, 'discord', Date.now(), 10, 150, 'B')).toHaveLength(0);
    await done;
    expect(await row(db, 'k')).toMatchObject({ status: 'done', leaseOwner: 'A', attempts: 1 });
  });

  it('GIVEN a finish by a process that never held the row THEN nothing changes', async () => {
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'k', action: message('x') }], 0);
    const [claimed] = await claimDue(db, 'discord', 0, 1, 30_000, 'A');
    expect(await markDone(db, claimed!.id, 'B', 1, { messageId: 'm' })).toBe(false);
    expect(await row(db, 'k')).toMatchObject({ status: 'pending', leaseOwner: 'A' });
    expect(await markDone(db, claimed!.id, 'A', 1, { messageId: 'm' })).toBe(true);
    expect((await row(db, 'k')).status).toBe('done');
  });
});
