/**
 * Which outbox rows still hold their rendered text, on both engines: retention redacts those only, and
 * counts them. PostgreSQL's jsonb reads back as `"redacted": true` (with a space), SQLite's JSON text
 * as `"redacted":true`.
 */
import { asc } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { stillHasText } from '../../src/outbox/store.js';
import { ENGINES, testDatabase } from '../helpers/engines.js';

const guildId = asGuildId('g1');

describe.each(ENGINES)('outbox rows that still hold their text on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN a redacted row, a sent one and one whose member wrote "redacted":true THEN only the redacted one has no text', async () => {
    const { outbox } = db.tables;
    const row = (key: string, action: unknown) => ({
      platform: 'discord' as const,
      guildId,
      key,
      action: action as never,
      notBefore: 0,
      createdAt: 0,
    });
    await db.insert(outbox).values([
      row('redacted', { type: 'message.send', redacted: true }),
      row('sent', { type: 'message.send', channelId: asChannelId('c1'), body: { content: 'Welcome, Wendeline' } }),
      // Member text is a JSON string: its quotes are escaped, so it never reads as the marker.
      row('quoted', {
        type: 'message.send',
        channelId: asChannelId('c1'),
        body: { content: 'I typed "redacted":true' },
      }),
    ]);
    const withText = await db
      .select({ key: outbox.key })
      .from(outbox)
      .where(stillHasText(outbox.action))
      .orderBy(asc(outbox.id));
    expect(withText.map((r) => r.key)).toEqual(['sent', 'quoted']);
  });
});
