/**
 * Retention on both engines with the real migrations: what is older than the guild's retention goes
 * (message records, reactions, a help-channel question's first line, old scan runs), sent messages
 * lose their text after sentRetentionDays, and nothing newer or still waiting is touched. What stays
 * in SQLite's file and WAL is checked by retention.test.ts.
 */
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { asChannelId, asGuildId } from '../../../src/events.js';
import { applyRetention } from '../../../src/features/core/retention.js';
import { changeSettings } from '../../../src/guildSettings.js';
import { enqueueOn } from '../../../src/outbox/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';
import { seedMembers } from '../links/world.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 12);
const GUILD = asGuildId('g1');

describe.each(ENGINES)('retention on %s', (engine) => {
  it('GIVEN a 30-day retention and a 7-day sent-text retention THEN only what is older goes, once', async () => {
    const db = await testDatabase(engine);
    await seedMembers(db, { id: GUILD, platform: 'discord', name: 'G' }, [['a1', 'ann']], NOW - 90 * DAY);
    await changeSettings(
      db,
      GUILD,
      'system',
      'core.privacy',
      (s) => ({ ...s, core: { ...s.core, retentionDays: 30 } }),
      NOW - 90 * DAY,
    );
    const { messages, reactions, questions, jobRuns, outbox } = db.tables;
    const post = (id: string, at: number) => ({
      guildId: GUILD,
      messageId: id,
      channelId: 'help',
      parentChannelId: 'help',
      authorId: 'a1',
      createdAt: at,
      terms: 'shader=shader',
    });
    await db.insert(messages).values([post('old', NOW - 40 * DAY), post('new', NOW - 2 * DAY)]);
    await db.insert(reactions).values([
      { guildId: GUILD, messageId: 'old', memberId: 'a1', emoji: '✅', createdAt: NOW - 40 * DAY },
      { guildId: GUILD, messageId: 'new', memberId: 'a1', emoji: '✅', createdAt: NOW - 2 * DAY },
    ]);
    const question = (id: string, channelId: string, at: number) => ({
      guildId: GUILD,
      questionId: id,
      channelId,
      parentChannelId: 'help',
      askerId: 'a1',
      askedAt: at,
      title: `How do I ${id}?`,
      updatedAt: at,
    });
    await db
      .insert(questions)
      .values([
        question('old', 'help', NOW - 40 * DAY),
        question('thread', 'thread', NOW - 40 * DAY),
        question('new', 'help', NOW - 2 * DAY),
      ]);
    const run = (period: string, at: number) => ({
      job: 'questions.scan',
      guildId: GUILD,
      period,
      startedAt: at,
      finishedAt: at,
      outcome: 'ok' as const,
    });
    await db
      .insert(jobRuns)
      .values([run('scan-1', NOW - 3 * DAY), run('scan-2', NOW - DAY), run('2026-W20', NOW - 9 * DAY)]);
    const say = (key: string, content: string) => ({
      platform: 'discord' as const,
      guildId: GUILD,
      key,
      action: { type: 'message.send' as const, channelId: asChannelId('c1'), body: { content } },
    });
    await enqueueOn(
      db,
      [say('sent-old', 'Welcome Ann'), say('sent-new', 'Hello Ann'), say('waiting', 'Hi Ann')],
      NOW - 10 * DAY,
    );
    await db
      .update(outbox)
      .set({ status: 'done', finishedAt: NOW - 8 * DAY })
      .where(eq(outbox.key, 'sent-old'));
    await db
      .update(outbox)
      .set({ status: 'done', finishedAt: NOW - DAY })
      .where(eq(outbox.key, 'sent-new'));

    expect(await applyRetention(db, GUILD, NOW)).toEqual({ messages: 1, runs: 1, redacted: 1 });

    expect((await db.select({ id: messages.messageId }).from(messages)).map((r) => r.id)).toEqual(['new']);
    expect((await db.select({ id: reactions.messageId }).from(reactions)).map((r) => r.id)).toEqual(['new']);
    const titles = Object.fromEntries(
      (await db.select({ id: questions.questionId, title: questions.title }).from(questions)).map((q) => [
        q.id,
        q.title,
      ]),
    );
    // A thread's name is the channel's, kept with the channel.
    expect(titles).toEqual({ old: null, thread: 'How do I thread?', new: 'How do I new?' });
    expect((await db.select({ period: jobRuns.period }).from(jobRuns)).map((r) => r.period).sort()).toEqual([
      '2026-W20',
      'scan-2',
    ]);
    const actions = Object.fromEntries((await db.select().from(outbox)).map((r) => [r.key, r.action]));
    expect(actions['sent-old']).toEqual({ type: 'message.send', redacted: true });
    expect(JSON.stringify(actions['sent-new'])).toContain('Hello Ann');
    expect(JSON.stringify(actions.waiting)).toContain('Hi Ann');
    // A second run finds nothing more to do.
    expect(await applyRetention(db, GUILD, NOW)).toEqual({ messages: 0, runs: 0, redacted: 0 });
  });
});
