/**
 * enqueueOn, the features' side of the outbox on the async store: idempotent on key, in the caller's
 * transaction (a rolled-back decision leaves no action), on SQLite and on a real PostgreSQL.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { OutboxItem } from '../../src/actions.js';
import { type Database, transaction } from '../../src/db/database.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { enqueueOn } from '../../src/outbox/store.js';
import { ENGINES, testDatabase } from '../helpers/engines.js';

const item = (key: string, text = key): OutboxItem => ({
  platform: 'discord',
  guildId: asGuildId('g1'),
  key,
  action: { type: 'message.send', channelId: asChannelId('c1'), body: { content: text } },
});

async function keys(db: Database): Promise<string[]> {
  const { outbox } = db.tables;
  return (await db.select({ key: outbox.key }).from(outbox)).map((r) => r.key).sort();
}

describe.each(ENGINES)('enqueueOn on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN the same key twice, in one call and in a later one THEN one row is stored, with the first text', async () => {
    expect(await enqueueOn(db, [item('k1', 'first'), item('k1', 'second')], 1000)).toBe(1);
    expect(await enqueueOn(db, [item('k1', 'third'), item('k2')], 2000)).toBe(1);
    const { outbox } = db.tables;
    const rows = await db.select({ key: outbox.key, action: outbox.action, notBefore: outbox.notBefore }).from(outbox);
    expect(rows.find((r) => r.key === 'k1')).toMatchObject({ notBefore: 1000, action: { body: { content: 'first' } } });
    expect(await keys(db)).toEqual(['k1', 'k2']);
  });

  it('GIVEN more items than one statement takes THEN all are stored', async () => {
    const many = Array.from({ length: 1_234 }, (_, i) => item(`k${i}`));
    expect(await enqueueOn(db, many, 1000)).toBe(1_234);
    expect((await keys(db)).length).toBe(1_234);
  });

  it('GIVEN a decision that fails after enqueueing THEN its actions are not kept', async () => {
    const failed = transaction(db, async (tx) => {
      await enqueueOn(tx, [item('k1')], 1000);
      throw new Error('decided against it');
    });
    await expect(failed).rejects.toThrow('decided against it');
    expect(await keys(db)).toEqual([]);
  });
});
