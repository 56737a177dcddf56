/**
 * The catch-up of forums connected by command, run by their runtimes: the real ForumRuntimes and
 * Ingestor on a real SQLite file, the Discourse emulator over loopback HTTP, and no webhook at all, so
 * whatever is stored was read back from the forum's API.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../../src/events.js';
import { features } from '../../../src/features/index.js';
import { connectOwnForum, disconnectOwnForum } from '../../../src/features/links/forums.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { createLogger } from '../../../src/log.js';
import { ForumCatchUps } from '../../../src/platforms/discourse/forumCatchUps.js';
import { ForumRuntimes } from '../../../src/platforms/discourse/forums.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { waitFor } from '../../e2e/harness.js';
import { makeTestDb } from '../../helpers/db.js';

const KEY = 'a-real-looking-api-key-0001';
let cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** Shard 0 of 1 (the default single process) owns forums; shard 1 of 2 does not. */
async function world(shards = { ids: [0], count: 1 }) {
  const forum = await DiscourseSandbox.start({ apiKey: KEY, botUsername: 'convene' });
  cleanup.push(() => forum.close());
  for (const username of ['alice', 'bob']) forum.createUser({ username });
  forum.createUser({ username: 'ops', admin: true });
  const db = makeTestDb();
  const deps: Deps = {
    db,
    config: {
      ...loadConfig({
        CONVENE_SECRET_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'silent',
        // The Discourse emulator listens on 127.0.0.1.
        CONVENE_ALLOW_PRIVATE_FORUMS: 'true',
      }),
      discordShards: shards,
    },
    log: createLogger('silent'),
    status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
    probeForum: async () => ({ ok: true, title: 'Robotics Forum' }),
  };
  const ingestor = new Ingestor(deps, features, { retryLimit: 5, retryMinMs: 10, retryMaxMs: 40 });
  const catchUps = new ForumCatchUps({ deps, ingestor });
  const runtimes = new ForumRuntimes({ deps, ingestor, features, now: Date.now, rejected: () => {}, catchUps });
  cleanup.push(
    () => runtimes.stop(),
    () => ingestor.close(),
    () => db.$client.close(),
  );
  const connect = (apiUsername: string) =>
    connectOwnForum(deps, 'g1', 'm1', { url: forum.url, apiUsername, apiKey: KEY }, Date.now());
  const stored = (...postIds: number[]) =>
    postIds.filter((id) => db.$client.prepare('SELECT 1 FROM messages WHERE message_id = ?').get(String(id))).length;
  const forumId = () => (db.$client.prepare('SELECT id FROM forums').get() as { id: string }).id;
  return { forum, db, deps, ingestor, catchUps, runtimes, connect, stored, forumId };
}

describe('forums connected by command, read back', () => {
  it('GIVEN a forum connected, then changed, then disconnected while running THEN it is read from its connection on, again with its new settings, and its reading is dropped once it is disconnected', async () => {
    const w = await world();
    await w.connect('convene');
    const { post: first } = w.forum.createTopic({
      username: 'alice',
      title: 'Servo jitter on the rig',
      raw: 'Why does my servo jitter when the motor starts?',
    });
    expect(await w.runtimes.warm()).toBe(1);
    expect(await w.catchUps.caughtUp(w.forumId())).toMatchObject({ topics: 1, created: 1 });
    expect(w.stored(first.id)).toBe(1);

    // New settings (another admin account): the new revision reads what came since, with its own client.
    const reply = w.forum.reply({
      username: 'bob',
      topicId: first.topicId,
      raw: 'Check the capacitor on the supply rail.',
    });
    await w.connect('ops');
    const reads = w.forum.requests.length;
    await w.runtimes.warm();
    expect(await w.catchUps.caughtUp(w.forumId())).toMatchObject({ created: 1 });
    expect(w.stored(reply.id)).toBe(1);
    expect(new Set(w.forum.requests.slice(reads).map((r) => r.apiUsername))).toEqual(new Set(['ops']));

    const id = w.forumId();
    // Disconnected by a command (here or in another process): the next re-read drops its reading.
    w.runtimes.watch(50);
    await disconnectOwnForum(w.deps, 'g1', 'm1', Date.now());
    expect(w.catchUps.caughtUp(id)).not.toBeNull();
    await waitFor(() => w.catchUps.caughtUp(id) === null, 5_000, 'the reading to stop');
  });

  it('GIVEN a forum connected on a process running only shard 1 THEN it is not read back there', async () => {
    const w = await world();
    const notOwner: Deps = {
      ...w.deps,
      config: { ...w.deps.config, discordShards: { ids: [1], count: 2 } },
    };
    const catchUps = new ForumCatchUps({ deps: notOwner, ingestor: w.ingestor });
    const runtimes = new ForumRuntimes({
      deps: notOwner,
      ingestor: w.ingestor,
      features,
      now: Date.now,
      rejected: () => {},
      catchUps,
    });
    cleanup.push(() => runtimes.stop());
    await w.connect('convene');
    const { post } = w.forum.createTopic({
      username: 'alice',
      title: 'Servo jitter on the rig',
      raw: 'Why does my servo jitter when the motor starts?',
    });
    expect(await runtimes.warm()).toBe(1);
    expect(await catchUps.caughtUp(w.forumId())).toBeNull();
    expect(w.forum.requests.filter((r) => r.path === '/latest.json')).toEqual([]);
    expect(w.stored(post.id)).toBe(0);
  });

  it.each([
    ['owns forums', { ids: [0], count: 1 }],
    ['does not own forums', { ids: [1], count: 2 }],
  ])(
    'GIVEN a process that %s and a storage outage that lets the forum’s events go THEN that process reads the forum again once writes work, and what was posted meanwhile is stored',
    async (_who, shards) => {
      const w = await world(shards);
      await w.connect('convene');
      await w.runtimes.warm();
      await w.catchUps.caughtUp(w.forumId());
      const pages = w.db.$client.pragma('page_count', { simple: true }) as number;
      w.db.$client.pragma(`max_page_count = ${pages}`);

      // While the disk is full, posts arrive (their deliveries let go past the retry bound: a gap).
      const { post } = w.forum.createTopic({
        username: 'alice',
        title: 'Stepper skips steps at speed',
        raw: 'It skips steps at speed.',
      });
      const guildId = asGuildId(`discourse:${new URL(w.forum.url).host}`);
      const delivered = Array.from(
        { length: 300 },
        (_, i): CommunityEvent => ({
          kind: 'message.created',
          platform: 'discourse',
          guildId,
          at: Date.now(),
          messageId: asMessageId(`delivered-${i}`),
          channelId: asChannelId('1'),
          authorId: asMemberId('2'),
          authorName: 'alice',
          authorIsBot: false,
          replyToId: null,
          mentionIds: [],
          content: `delivery ${i} about servo drivers, stepper motors and capacitors on the supply rail`,
        }),
      );
      await Promise.allSettled(delivered.map((e) => w.ingestor.push(e)));
      expect(w.deps.status.problems?.database).toBeDefined();
      expect(w.stored(post.id)).toBe(0);

      w.db.$client.pragma('max_page_count = 1073741823');
      await waitFor(() => w.stored(post.id) === 1, 10_000, 'the forum to be read again after recovery');
    },
  );
});
