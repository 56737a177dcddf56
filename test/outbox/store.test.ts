/**
 * The features' side of the outbox on both engines: whether a key was enqueued, what a done action
 * returned, and what erasure and retention do to rows (drop the unsent, redact the text, keep key and result).
 */
import { asc, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { dropUnsentOn, redactFinishedBeforeOn, rowsContainingOn } from '../../src/outbox/redaction.js';
import { hasKeyOn, resultOfOn } from '../../src/outbox/store.js';
import { ENGINES, testDatabase } from '../helpers/engines.js';

const guildId = asGuildId('g1');
const send = (content: string) => ({ type: 'message.send', channelId: asChannelId('c1'), body: { content } });

describe.each(ENGINES)('outbox store on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
    const { outbox } = db.tables;
    const row = (key: string, content: string, status: 'pending' | 'done', finishedAt: number | null) => ({
      platform: 'discord' as const,
      guildId: key.startsWith('other') ? asGuildId('g2') : guildId,
      key,
      action: send(content) as never,
      status,
      finishedAt,
      result: status === 'done' ? ({ messageId: `sent-${key}` } as never) : null,
      notBefore: 0,
      createdAt: 0,
    });
    await db
      .insert(outbox)
      .values([
        row('welcome', 'Welcome, Wendeline_R!', 'done', 1_000),
        row('nudge', 'Could you help, wendeline_r?', 'pending', null),
        row('digest', 'This week: 3 questions answered', 'done', 5_000),
        row('other', 'Welcome, Wendeline_R!', 'pending', null),
      ]);
  });

  it('GIVEN enqueued keys THEN hasKey says which exist and resultOf gives a done action’s result', async () => {
    expect(await hasKeyOn(db, 'welcome')).toBe(true);
    expect(await hasKeyOn(db, 'missing')).toBe(false);
    expect(await resultOfOn(db, 'welcome')).toEqual({ messageId: 'sent-welcome' });
    expect(await resultOfOn(db, 'nudge')).toBeNull();
    expect(await resultOfOn(db, 'missing')).toBeUndefined();
  });

  it('GIVEN a name with an underscore in other case THEN only that guild’s rows holding it are found', async () => {
    const found = await rowsContainingOn(db, guildId, ['WENDELINE_R']);
    expect(found.map((r) => r.id).sort()).toHaveLength(2);
    expect(found.map((r) => r.status).sort()).toEqual(['done', 'pending']);
    expect(await rowsContainingOn(db, guildId, ['wendeline%r'])).toEqual([]);
    expect(await rowsContainingOn(db, guildId, [])).toEqual([]);
  });

  it('GIVEN rows found for an erased member THEN the pending one is dropped with its text and the sent one keeps its result', async () => {
    const { outbox } = db.tables;
    const found = await rowsContainingOn(db, guildId, ['wendeline_r']);
    await dropUnsentOn(db, found, 'erased', 9_000);
    const rows = await db
      .select({ key: outbox.key, status: outbox.status, action: outbox.action, lastError: outbox.lastError })
      .from(outbox)
      .where(eq(outbox.guildId, guildId))
      .orderBy(asc(outbox.id));
    expect(rows).toEqual([
      { key: 'welcome', status: 'done', action: send('Welcome, Wendeline_R!'), lastError: null },
      { key: 'nudge', status: 'failed', action: { type: 'message.send', redacted: true }, lastError: 'erased' },
      { key: 'digest', status: 'done', action: send('This week: 3 questions answered'), lastError: null },
    ]);
  });

  it('GIVEN done rows finished before and after the cutoff THEN only the older lose their text, once', async () => {
    const { outbox } = db.tables;
    expect(await redactFinishedBeforeOn(db, guildId, 2_000)).toBe(1);
    expect(await redactFinishedBeforeOn(db, guildId, 2_000)).toBe(0);
    const rows = await db
      .select({ key: outbox.key, action: outbox.action, result: outbox.result })
      .from(outbox)
      .orderBy(asc(outbox.id));
    expect(rows).toEqual([
      { key: 'welcome', action: { type: 'message.send', redacted: true }, result: { messageId: 'sent-welcome' } },
      { key: 'nudge', action: send('Could you help, wendeline_r?'), result: null },
      { key: 'digest', action: send('This week: 3 questions answered'), result: { messageId: 'sent-digest' } },
      { key: 'other', action: send('Welcome, Wendeline_R!'), result: null },
    ]);
  });
});
