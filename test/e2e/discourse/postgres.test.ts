/**
 * The forum bot on PostgreSQL (DATABASE_URL=postgres://…): the real app (webhook receiver, ingest,
 * features, command reader, outbox drain, REST sender, start-up catch-up) against the Discourse
 * emulator over HTTP, on a real PostgreSQL 18 server (vitest's globalSetup).
 */
import { and, count, eq, lte } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../../src/app.js';
import { databaseOf } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { testDatabase, testPostgresUrl } from '../../helpers/engines.js';
import { API_KEY, BOT, SECRET } from './harness.js';

let forum: DiscourseSandbox | undefined;
let app: App | undefined;

afterEach(async () => {
  await app?.stop();
  await forum?.close();
  app = undefined;
  forum = undefined;
});

async function start(url: string): Promise<App> {
  const config = loadConfig({
    DISCOURSE_URL: forum!.url,
    DISCOURSE_API_KEY: API_KEY,
    DISCOURSE_API_USERNAME: BOT,
    DISCOURSE_WEBHOOK_SECRET: SECRET,
    DATABASE_URL: url,
    LOG_LEVEL: process.env.CONVENE_TEST_LOG ?? 'silent',
    HTTP_PORT: '0',
  });
  app = await startApp(config, createLogger(config.logLevel), {
    runScheduler: false,
    drain: { idleMs: 50, leaseMs: 2_000, ratePerSecond: 200, concurrency: 4 },
  });
  forum!.setWebhook({ url: `http://127.0.0.1:${app.httpPort}/webhooks/discourse`, secret: SECRET });
  return app;
}

/** Outbox rows still to send, read through the bot's async store. */
async function pending(a: App): Promise<number> {
  const db = databaseOf(a.deps);
  const { outbox } = db.tables;
  const [row] = await db
    .select({ n: count() })
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), lte(outbox.notBefore, Date.now())));
  return Number(row?.n ?? 0);
}

/** Deliver every queued webhook and let the outbox send, until both are quiet. */
async function settle(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await forum!.flush();
    for (const d of app!.drains) d.wake();
    const deadline = Date.now() + 10_000;
    while ((await pending(app!)) > 0) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the outbox to drain');
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  await forum!.flush();
}

const botPmsTo = (username: string) => forum!.privateMessagesTo(username).filter((pm) => pm.posts[0]?.username === BOT);

async function storedPosts(a: App) {
  const db = databaseOf(a.deps);
  const { messages } = db.tables;
  return db
    .select({ id: messages.messageId, replyTo: messages.replyToId, deletedAt: messages.deletedAt })
    .from(messages)
    .orderBy(messages.createdAt);
}

describe('the forum bot on PostgreSQL', () => {
  it('GIVEN DATABASE_URL=postgres:// THEN webhooks are stored with their replies, a newcomer is welcomed once, a command is answered, and a restart catches up what it missed', async () => {
    await testDatabase('postgres');
    const url = testPostgresUrl();
    forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    await start(url);
    expect(app!.deps.database?.engine).toBe('postgres');

    // A newcomer: one welcome PM, also when Discourse delivers user_created again.
    forum.createUser({ username: 'alice', name: 'Alice' });
    forum.createUser({ username: 'bob', name: 'Bob' });
    await settle();
    forum.redeliver(forum.lastDelivery('user_created')!.eventId);
    await settle();
    expect(botPmsTo('bob')).toHaveLength(1);
    expect(botPmsTo('bob')[0]!.posts[0]!.raw).toMatch(/welcome/i);

    // A topic and a reply to its first post: the reply number is resolved through the store.
    const help = forum.createCategory({ name: 'Help' }).id;
    const { topic, post } = forum.createTopic({
      username: 'alice',
      title: 'How do I calibrate the arm servo?',
      raw: 'My servo drifts by a few degrees after an hour. Ideas?',
      categoryId: help,
    });
    const answer = forum.reply({
      username: 'bob',
      topicId: topic.id,
      raw: 'Check the potentiometer, @alice: mine drifted the same way.',
      replyToPostNumber: post.postNumber,
    });
    await settle();
    expect(await storedPosts(app!)).toEqual([
      { id: String(post.id), replyTo: null, deletedAt: null },
      { id: String(answer.id), replyTo: String(post.id), deletedAt: null },
    ]);

    // A command by mention: the private answer goes by PM.
    forum.reply({ username: 'alice', topicId: topic.id, raw: 'Count me in: @convene intros join' });
    await settle();
    const joined = forum.privateMessagesTo('alice').find((pm) => pm.posts.some((p) => p.raw.includes('You are in!')));
    expect(joined?.participants.sort()).toEqual(['alice', BOT].sort());

    // Stopped: a post and a deletion it never hears of; at the next start the catch-up reads them back.
    await app!.stop();
    app = undefined;
    forum.setWebhook(undefined);
    const missed = forum.reply({
      username: 'alice',
      topicId: topic.id,
      raw: 'Thanks, that was it: the pot was loose.',
    });
    forum.deletePost(answer.id);
    await start(url);
    expect(await app!.discourse!.caughtUp).toMatchObject({ created: 1, deleted: 1 });
    const after = await storedPosts(app!);
    expect(after.find((p) => p.id === String(missed.id))).toMatchObject({ deletedAt: null });
    expect(after.find((p) => p.id === String(answer.id))?.deletedAt).not.toBeNull();
  });
});
