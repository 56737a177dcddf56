/**
 * The drain loop on both engines: sends, retries, gives up, takes over a dead sender's row and keeps a
 * multi-step sender's progress, with its claims on SQLite and on a real PostgreSQL server.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/actions.js';
import type { Database } from '../../src/db/database.js';
import { sqliteDatabase } from '../../src/db/database.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import { claimDue } from '../../src/outbox/claims.js';
import { backoffMs, OutboxDrain } from '../../src/outbox/drain.js';
import {
  PermanentSendError,
  type PlatformSender,
  RetryableSendError,
  type SendContext,
} from '../../src/outbox/platformSender.js';
import { enqueue } from '../../src/outbox/store.js';
import { makeTestDb } from '../helpers/db.js';
import { ENGINES, testDatabase } from '../helpers/engines.js';
import { outboxRows as rows, seedOutbox } from '../helpers/outboxRows.js';

const log = createLogger('silent');
const guildId = asGuildId('g1');
const message = (text: string): Action => ({
  type: 'message.send',
  channelId: asChannelId('c1'),
  body: { content: text },
});

/** A sender we own: records calls and fails as scripted. */
class ScriptedSender implements PlatformSender {
  readonly platform = 'discord' as const;
  calls: { key: string; attempt: number; progress: unknown }[] = [];
  constructor(private readonly script: (ctx: SendContext) => unknown | Promise<unknown> = () => ({ ok: true })) {}
  async send(_action: Action, ctx: SendContext) {
    this.calls.push({ key: ctx.key, attempt: ctx.attempt, progress: ctx.progress });
    return this.script(ctx);
  }
}

describe("outbox enqueue (the features' synchronous side, SQLite)", () => {
  it('GIVEN the same key enqueued twice THEN it is stored and sent once', async () => {
    const file = makeTestDb();
    expect(enqueue(file, [{ platform: 'discord', guildId, key: 'k1', action: message('a') }], 1000)).toBe(1);
    expect(enqueue(file, [{ platform: 'discord', guildId, key: 'k1', action: message('b') }], 1000)).toBe(0);
    const db = sqliteDatabase(file);
    const sender = new ScriptedSender();
    const drain = new OutboxDrain(db, sender, log, { now: () => 1000, ratePerSecond: 1000 });
    expect(await drain.drainAll()).toBe(1);
    expect(await drain.drainAll()).toBe(0);
    expect(sender.calls.map((c) => c.key)).toEqual(['k1']);
    expect((await rows(db))[0]).toMatchObject({ status: 'done', attempts: 1 });
  });
});

describe.each(ENGINES)('outbox drain on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN a transient failure with retry-after THEN the action waits that long and is then sent', async () => {
    let clock = 1000;
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'k1', action: message('a') }], clock);
    const sender = new ScriptedSender((ctx) => {
      if (ctx.attempt === 1) throw new RetryableSendError('429 slow down', 250);
      return { messageId: 'm1' };
    });
    const drain = new OutboxDrain(db, sender, log, { now: () => clock, ratePerSecond: 1000 });
    await drain.drainAll();
    expect((await rows(db))[0]).toMatchObject({ status: 'pending', notBefore: 1250, lastError: '429 slow down' });
    clock = 1249;
    expect(await drain.drainAll()).toBe(0);
    clock = 1250;
    expect(await drain.drainAll()).toBe(1);
    expect((await rows(db))[0]).toMatchObject({ status: 'done', attempts: 2, result: { messageId: 'm1' } });
  });

  it('GIVEN a permanent failure THEN it is recorded as failed and never retried', async () => {
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'k1', action: message('a') }], 0);
    const sender = new ScriptedSender(() => {
      throw new PermanentSendError('403 Missing Access');
    });
    const drain = new OutboxDrain(db, sender, log, { now: () => 0, ratePerSecond: 1000 });
    await drain.drainAll();
    await drain.drainAll();
    expect(sender.calls).toHaveLength(1);
    expect((await rows(db))[0]).toMatchObject({ status: 'failed', lastError: '403 Missing Access' });
  });

  it('GIVEN a transient failure every time THEN it gives up after maxAttempts', async () => {
    let clock = 0;
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'k1', action: message('a') }], clock);
    const sender = new ScriptedSender(() => {
      throw new Error('socket hang up');
    });
    const drain = new OutboxDrain(db, sender, log, { now: () => clock, ratePerSecond: 1000, maxAttempts: 3 });
    for (let i = 0; i < 5; i++) {
      await drain.drainAll();
      clock += 3_600_000;
    }
    expect(sender.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect((await rows(db))[0]).toMatchObject({ status: 'failed', attempts: 3 });
  });

  it('GIVEN a sender that died holding a lease THEN another drain takes the row over only after the lease expires', async () => {
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'k1', action: message('a') }], 0);
    expect(await claimDue(db, 'discord', 0, 10, 30_000, 'first')).toHaveLength(1);
    expect(await claimDue(db, 'discord', 29_999, 10, 30_000, 'second')).toHaveLength(0);
    const retaken = await claimDue(db, 'discord', 30_000, 10, 30_000, 'second');
    expect(retaken).toHaveLength(1);
    expect(retaken[0]!.attempts).toBe(2);
  });

  it('GIVEN a multi-step action that checkpointed THEN the retry sees the saved progress', async () => {
    let clock = 0;
    await seedOutbox(db, [{ platform: 'discord', guildId, key: 'thread', action: message('a') }], 0);
    const sender = new ScriptedSender(async (ctx) => {
      if (ctx.attempt === 1) {
        await ctx.checkpoint({ threadId: 't1' });
        throw new RetryableSendError('502');
      }
      return { threadId: (ctx.progress as { threadId: string }).threadId };
    });
    const drain = new OutboxDrain(db, sender, log, { now: () => clock, ratePerSecond: 1000 });
    await drain.drainAll();
    clock += 600_000;
    await drain.drainAll();
    expect(sender.calls[1]!.progress).toEqual({ threadId: 't1' });
    expect((await rows(db))[0]).toMatchObject({ status: 'done', result: { threadId: 't1' } });
  });

  it.each([
    [1, 1000],
    [2, 2000],
    [4, 8000],
    [20, 300_000],
  ])('backoff for attempt %i is %i ms (without jitter)', (attempt, ms) => {
    expect(backoffMs(attempt, () => 0.5)).toBe(ms);
  });
});
