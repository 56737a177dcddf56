/** Sent messages keep their rendered text only for the guild's sentRetentionDays (default 7). */
import { describe, expect, it } from 'vitest';
import { sqliteDatabase } from '../../../src/db/database.js';
import { guilds, outbox } from '../../../src/db/schema.js';
import { asChannelId, asGuildId } from '../../../src/events.js';
import { applyRetention } from '../../../src/features/core/retention.js';
import { changeSettings } from '../../../src/guildSettings.js';
import { claimDue, markDone } from '../../../src/outbox/claims.js';
import { enqueue } from '../../../src/outbox/store.js';
import { makeTestDb } from '../../helpers/db.js';
import { findTraces } from '../../helpers/traces.js';

const DAY = 86_400_000;
const now = Date.UTC(2026, 5, 1, 12);
const guildId = asGuildId('g1');

async function world() {
  const db = makeTestDb();
  db.insert(guilds).values({ id: guildId, platform: 'discord', name: 'G', createdAt: 0, updatedAt: 0 }).run();
  const send = (key: string, text: string) =>
    enqueue(
      db,
      [
        {
          platform: 'discord',
          guildId,
          key,
          action: { type: 'message.send', channelId: asChannelId('c1'), body: { content: text } },
        },
      ],
      now - 10 * DAY,
    );
  send('old', 'Welcome Wendeline Quillmarsh, sent eight days ago');
  send('recent', 'Welcome Bartholomew Fennimore, sent yesterday');
  send('waiting', 'Welcome Ysolde Marchbank, not sent yet');
  const id = (key: string) =>
    db
      .select()
      .from(outbox)
      .all()
      .find((r) => r.key === key)!.id;
  // Sent: claimed by a sender, then finished by it.
  const claims = sqliteDatabase(db);
  await claimDue(claims, 'discord', now - 10 * DAY, 10, 30_000, 'sender');
  await markDone(claims, id('old'), 'sender', now - 8 * DAY, { messageId: 'm1' });
  await markDone(claims, id('recent'), 'sender', now - DAY, { messageId: 'm2' });
  const row = (key: string) =>
    db
      .select()
      .from(outbox)
      .all()
      .find((r) => r.key === key)!;
  return { db, row };
}

describe('sent-text retention', () => {
  it('GIVEN the default 7 days THEN a message sent 8 days ago keeps its key and result but no text, in the tables or the file; newer and waiting ones keep theirs', async () => {
    const { db, row } = await world();
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    const before = findTraces(db, db.path, ['Wendeline Quillmarsh']);
    expect(before.total.bytes).toBeGreaterThan(0);

    const result = await applyRetention(sqliteDatabase(db), guildId, now);

    expect(result.redacted).toBe(1);
    expect(row('old')).toMatchObject({
      status: 'done',
      action: { type: 'message.send', redacted: true },
      result: { messageId: 'm1' },
    });
    expect(row('recent').action).toMatchObject({ body: { content: 'Welcome Bartholomew Fennimore, sent yesterday' } });
    expect(row('waiting')).toMatchObject({
      status: 'pending',
      action: { body: { content: 'Welcome Ysolde Marchbank, not sent yet' } },
    });
    const after = findTraces(db, db.path, ['Wendeline Quillmarsh']);
    expect(after.total).toEqual({ cells: 0, bytes: 0 });
    // A second run finds nothing more to do.
    expect((await applyRetention(sqliteDatabase(db), guildId, now)).redacted).toBe(0);
  });

  it('GIVEN sentRetentionDays 0 THEN every sent message loses its text, and waiting ones still keep theirs', async () => {
    const { db, row } = await world();
    await changeSettings(
      sqliteDatabase(db),
      guildId,
      'system',
      'core.privacy',
      (s) => ({ ...s, core: { ...s.core, sentRetentionDays: 0 } }),
      now,
    );
    expect((await applyRetention(sqliteDatabase(db), guildId, now)).redacted).toBe(2);
    expect(row('recent').action).toEqual({ type: 'message.send', redacted: true });
    expect(row('waiting').status).toBe('pending');
    expect(JSON.stringify(row('waiting').action)).toContain('Ysolde Marchbank');
  });
});
