/**
 * The features on a Discourse forum, end to end: the real bot (startApp: webhook receiver, ingest,
 * features, scheduler, outbox drain, REST sender) against the Discourse emulator over HTTP, with
 * webhooks signed as Discourse signs them. Time on the bot's side is driven through `now`.
 */
import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/log.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { tempDir } from '../../helpers/db.js';
import {
  asBool,
  asJson,
  comingMonday,
  execute,
  newDatabaseUrl,
  outboxSettled,
  rows,
  zoneWhereItIs,
} from '../harness.js';
import { API_KEY, BOT, SECRET } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let forum: DiscourseSandbox | undefined;
let app: App | undefined;
/** The bot's clock runs this far ahead of the real one (scans "later" without waiting). */
let offset = 0;
let fixed: number | null = null;
const botNow = () => fixed ?? Date.now() + offset;

afterEach(async () => {
  await app?.stop();
  await forum?.close();
  app = undefined;
  forum = undefined;
  offset = 0;
  fixed = null;
});

async function start(): Promise<{ forum: DiscourseSandbox; app: App }> {
  forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
  const config = loadConfig({
    DISCOURSE_URL: forum.url,
    DISCOURSE_API_KEY: API_KEY,
    DISCOURSE_API_USERNAME: BOT,
    DISCOURSE_WEBHOOK_SECRET: SECRET,
    DATABASE_URL: await newDatabaseUrl(joinPath(tempDir(), 'convene.db')),
    LOG_LEVEL: process.env.CONVENE_TEST_LOG ?? 'silent',
    CONVENE_SCAN_INTERVAL: '1h',
    HTTP_PORT: '0',
  });
  app = await startApp(config, createLogger(config.logLevel), {
    runScheduler: false,
    now: botNow,
    drain: { idleMs: 50, leaseMs: 2_000, ratePerSecond: 200, concurrency: 4 },
  });
  forum.setWebhook({ url: `http://127.0.0.1:${app.httpPort}/webhooks/discourse`, secret: SECRET });
  return { forum, app };
}

/**
 * Outbox rows whose action names this channel (`"channelId":"<id>"` anywhere in it), with the action
 * as compact JSON text: SQLite keeps the text as written, PostgreSQL's jsonb prints it with spaces.
 */
async function actionsFor(channelId: number): Promise<{ key: string; action: unknown; json: string }[]> {
  return (await rows(app!, 'SELECT key, action FROM outbox ORDER BY id'))
    .map((r) => ({ key: r.key as string, action: r.action, json: JSON.stringify(asJson(r.action)) }))
    .filter((r) => r.json.includes(`"channelId":"${channelId}"`));
}

/** Deliver every queued webhook, then let the bot's outbox send (twice: a send can cause a webhook). */
async function settle() {
  for (let i = 0; i < 2; i++) {
    await forum!.flush();
    await outboxSettled(app!);
  }
  await forum!.flush();
}

async function scan(later: number) {
  offset = Math.max(offset, later);
  await app!.scheduler.tick(botNow());
  await settle();
}

const botPmsTo = (username: string) => forum!.privateMessagesTo(username).filter((pm) => pm.posts[0]?.username === BOT);
const botPostsIn = (topicId: number) => forum!.postsIn(topicId).filter((p) => p.username === BOT);

/** The usernames a post's raw text would notify on Discourse (an @ directly followed by a name, outside code). */
const notified = (raw: string) =>
  [...raw.replace(/`[^`\n]*`/g, '').matchAll(/(?<![\p{L}\p{N}_])@([\p{L}\p{N}_.-]+)/gu)].map((m) => m[1]!);

describe('welcome on Discourse', () => {
  it('GIVEN a new user (user_created) THEN exactly one welcome PM, also when Discourse redelivers the webhook', async () => {
    await start();
    forum!.createUser({ username: 'newt', name: 'Newt' });
    await settle();
    const delivery = forum!.lastDelivery('user_created')!;
    expect(delivery).toBeDefined();
    forum!.redeliver(delivery.eventId);
    await settle();

    const pms = botPmsTo('newt');
    expect(pms).toHaveLength(1);
    const [pm] = pms;
    expect(pm!.participants.sort()).toEqual([BOT, 'newt'].sort());
    const raw = pm!.posts[0]!.raw;
    expect(raw).toMatch(/welcome/i);
    expect(raw).toContain('`@convene journey`');
    // Feature text is Discord-flavoured; none of its syntax may leak into the forum.
    expect(raw).not.toMatch(/<@!?\d+>|<#[^>]+>|<t:\d+/);
    expect(notified(raw).filter((n) => n !== 'newt')).toEqual([]);
  });
});

describe('question nudges on Discourse', () => {
  /**
   * History: cyd answered three vulkan topics in the Help category, dee answered bread topics.
   * Everyone declares a timezone where it is early afternoon on the bot's clock when it scans.
   */
  async function withHistory() {
    await start();
    for (const name of ['bob', 'cyd', 'dee', 'eve'])
      forum!.createUser({ username: name, name: name[0]!.toUpperCase() + name.slice(1) });
    const help = forum!.createCategory({ name: 'Help', description: 'Ask for help here' }).id;
    const past = Date.now() - 20 * DAY;
    [
      'How do vulkan descriptor sets work?',
      'Vulkan descriptor pool exhausted, why?',
      'Binding vulkan descriptor sets per draw?',
    ].forEach((title, i) => {
      const { topic } = forum!.createTopic({
        username: 'bob',
        title,
        raw: `${title} I have been stuck on this for a day.`,
        categoryId: help,
        createdAt: past + i * DAY,
      });
      forum!.reply({
        username: 'cyd',
        topicId: topic.id,
        raw: 'Allocate vulkan descriptor sets from a pool and update them before binding.',
        createdAt: past + i * DAY + HOUR,
      });
    });
    ['Why is my sourdough bread flat?', 'Bread flour or all purpose for sourdough?'].forEach((title, i) => {
      const { topic } = forum!.createTopic({
        username: 'eve',
        title,
        raw: `${title} My loaves never rise the way I want.`,
        categoryId: help,
        createdAt: past + (i + 5) * DAY,
      });
      forum!.reply({
        username: 'dee',
        topicId: topic.id,
        raw: 'Sourdough bread needs a strong starter and bread flour.',
        createdAt: past + (i + 5) * DAY + HOUR,
      });
    });
    await settle();
    return { help };
  }

  async function everyoneAwakeAt(at: number) {
    const zone = zoneWhereItIs(13, at);
    await execute(app!, 'UPDATE members SET timezone = ? WHERE guild_id = ?', zone, app!.discourse!.guildId);
  }

  it('GIVEN a category of the forum THEN it is a forum channel and its topics are questions out of the box', async () => {
    const { help } = await withHistory();
    expect(await rows(app!, 'SELECT kind FROM channels WHERE channel_id = ?', `category:${help}`)).toEqual([
      { kind: 'forum' },
    ]);
  });

  it('GIVEN a vulkan topic unanswered past `after` THEN exactly one nudge reply, @mentioning only the chosen peer', async () => {
    const { help } = await withHistory();
    const { topic } = forum!.createTopic({
      username: 'eve',
      title: 'Vulkan descriptor sets keep getting invalidated',
      raw: 'My vulkan descriptor sets are invalid after I update them. What am I doing wrong?',
      categoryId: help,
    });
    await settle();
    await everyoneAwakeAt(Date.now() + 5 * HOUR);
    await scan(HOUR); // before `after` (4 h by default): nothing yet
    expect(botPostsIn(topic.id)).toEqual([]);
    await scan(5 * HOUR);
    await scan(5 * HOUR + 10 * 60_000);
    await scan(5 * HOUR + 70 * 60_000);

    const nudges = botPostsIn(topic.id);
    expect(nudges).toHaveLength(1);
    const raw = nudges[0]!.raw;
    // Exactly the peers the feature chose (its explicit mentions) are notified: the vulkan helper first,
    // never the asker, at most two.
    const [row] = (await actionsFor(topic.id)).filter((r) => r.json.includes('message.send'));
    const chosen: string[] = (asJson(row!.action) as { body: { mentions: { members: string[] } } }).body.mentions
      .members;
    const usernames = chosen.map((id) => forum!.model.users.get(Number(id))!.username);
    expect(notified(raw)).toEqual(usernames);
    expect(usernames[0]).toBe('cyd');
    expect(usernames).not.toContain('eve');
    expect(usernames.length).toBeLessThanOrEqual(2);
    expect(raw).toMatch(/vulkan|descriptor/i);
    // Named and linked where the forum is served (DISCOURSE_URL: here plain http on a port).
    expect(raw).toContain(`[Vulkan descriptor sets keep getting invalidated](${forum!.url}/t/${topic.id})`);
    expect(raw).toContain('`@convene nudges off`');
    expect(raw).not.toMatch(/<@!?\d+>|<#[^>]+>|<t:\d+|^-# /m);
  });

  it.each([
    {
      what: 'an accepted answer (solved webhook)',
      act: (topicId: number) => {
        const post = forum!.reply({
          username: 'eve',
          topicId,
          raw: 'Found it myself: I was freeing the pool too early.',
        });
        forum!.acceptAnswer(post.id);
      },
      state: { solved: true, answered: false },
    },
    {
      what: 'a reply by another user',
      act: (topicId: number) => {
        forum!.reply({
          username: 'dee',
          topicId,
          raw: 'You must not update a descriptor set that is in use by a command buffer.',
        });
      },
      state: { solved: false, answered: true },
    },
  ])('GIVEN $what before `after` THEN no nudge', async ({ act, state }) => {
    const { help } = await withHistory();
    const { topic } = forum!.createTopic({
      username: 'eve',
      title: 'Vulkan descriptor sets keep getting invalidated',
      raw: 'My vulkan descriptor sets are invalid after I update them. What am I doing wrong?',
      categoryId: help,
    });
    act(topic.id);
    await settle();
    await everyoneAwakeAt(Date.now() + 5 * HOUR);
    await scan(5 * HOUR);
    await scan(5 * HOUR + 70 * 60_000);
    expect(botPostsIn(topic.id)).toEqual([]);
    expect((await actionsFor(topic.id)).map((r) => ({ key: r.key }))).toEqual([]);
    // The topic is a question the feature tracks, and it knows why it must not nudge.
    expect(
      (
        await rows(
          app!,
          'SELECT solved_at IS NOT NULL AS solved, answered, nudge_stage FROM questions WHERE channel_id = ?',
          String(topic.id),
        )
      ).map((r) => ({ ...r, solved: asBool(r.solved), answered: asBool(r.answered) })),
    ).toEqual([{ ...state, nudge_stage: 0 }]);
  });
});

describe('weekly digest on Discourse', () => {
  // The coming Monday, 09:00 UTC; the question was asked two days before it.
  const MONDAY = comingMonday(9, 'UTC');
  const MONDAY_0900 = MONDAY.at;

  it('GIVEN "@convene convene digest set" by a moderator THEN on Monday 09:00 the digest is one new topic in that category', async () => {
    fixed = Date.now();
    await start();
    forum!.createUser({ username: 'maria', name: 'Maria', moderator: true });
    forum!.createUser({ username: 'bob', name: 'Bob' });
    forum!.createUser({ username: 'cyd', name: 'Cyd' });
    const news = forum!.createCategory({ name: 'Community news', slug: 'news' }).id;
    const help = forum!.createCategory({ name: 'Help' }).id;
    const { topic } = forum!.createTopic({
      username: 'bob',
      title: 'Compute shader barriers, when?',
      raw: 'When do I need a memory barrier between dispatches?',
      categoryId: help,
      createdAt: MONDAY_0900 - 2 * DAY,
    });
    forum!.reply({
      username: 'cyd',
      topicId: topic.id,
      raw: 'Between dispatches that share a buffer, always.',
      createdAt: MONDAY_0900 - 2 * DAY + HOUR,
    });
    const { topic: config } = forum!.createTopic({
      username: 'maria',
      title: 'Setting up Convene for this forum',
      raw: 'Getting the weekly digest going.',
      categoryId: help,
    });
    forum!.reply({
      username: 'maria',
      topicId: config.id,
      raw: '@convene convene digest set channel:news day:monday time:09:00 timezone:UTC',
    });
    await settle();
    const confirmation = botPmsTo('maria')
      .flatMap((pm) => pm.posts)
      .map((p) => p.raw)
      .join('\n');
    expect(confirmation).toMatch(/weekly digest goes to/i);

    const digestTopics = () =>
      [...forum!.model.topics.values()].filter((t) => t.categoryId === news && t.userId === forum!.bot.id);
    fixed = MONDAY_0900 - 60_000;
    await app!.scheduler.tick(fixed);
    await settle();
    expect(digestTopics()).toEqual([]);

    fixed = MONDAY_0900;
    await app!.scheduler.tick(fixed);
    await settle();
    fixed = MONDAY_0900 + 3 * HOUR;
    await app!.scheduler.tick(fixed);
    await settle();

    const posted = digestTopics();
    expect(posted).toHaveLength(1);
    const [first] = forum!.postsIn(posted[0]!.id);
    expect(first!.raw).toMatch(/Compute shader barriers/);
    expect(first!.raw).not.toMatch(/<@!?\d+>|<#[^>]+>|<t:\d+/);
    expect(notified(first!.raw)).toEqual([]);
    expect(await rows(app!, "SELECT key FROM outbox WHERE key LIKE 'digest:%'")).toEqual([
      { key: `digest:${app!.discourse!.guildId}:${MONDAY.week}` },
    ]);
  });
});
