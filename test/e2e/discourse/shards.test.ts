/**
 * A forum with several Convene processes: its webhooks may reach any of them, but reading the forum
 * back at start is the work of the process that owns forums (the one running Discord shard 0).
 */
import { count } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { closeDatabase } from '../../../src/db/database.js';
import { createHttpServer } from '../../../src/http/server.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { createLogger } from '../../../src/log.js';
import { startDiscourse } from '../../../src/platforms/discourse/index.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { waitFor } from '../harness.js';
import { API_KEY, BOT, botDatabase, SECRET } from './harness.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** One process running `shards` of 2 Discord shards, with its own database, that can be restarted. */
async function processRunning(forumUrl: string, shards: string) {
  const { db, database } = await botDatabase();
  cleanup.push(() => closeDatabase(database));
  const { messages } = database.tables;
  const deps: Deps = {
    db,
    database,
    config: loadConfig({
      DISCOURSE_URL: forumUrl,
      DISCOURSE_API_KEY: API_KEY,
      DISCOURSE_API_USERNAME: BOT,
      DISCOURSE_WEBHOOK_SECRET: SECRET,
      DISCORD_SHARD_COUNT: '2',
      DISCORD_SHARDS: shards,
      LOG_LEVEL: 'silent',
    }),
    log: createLogger('silent'),
    status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  return {
    /** Start the Discourse adapter (as a process start would); resolves with its catch-up and webhook URL. */
    async start() {
      const ingestor = new Ingestor(deps, []);
      const http = createHttpServer(deps, { port: 0 });
      const runtime = await startDiscourse(deps, ingestor, [], http, { startDrain: false });
      const { url } = await http.listen();
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        await runtime.stop();
        await http.close();
        ingestor.close();
      };
      cleanup.push(stop);
      return { caughtUp: await runtime.caughtUp, webhookUrl: `${url}/webhooks/discourse`, stop };
    },
    posts: async () => Number((await database.select({ n: count() }).from(messages))[0]?.n ?? 0),
  };
}

describe('a forum and several processes', () => {
  it('GIVEN processes on shards 0 and 1 THEN only shard 0 reads the forum back at start, and a webhook is stored by whichever process it reaches', async () => {
    const forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    cleanup.push(() => forum.close());
    for (const username of ['alice', 'bob']) forum.createUser({ username });
    const category = forum.createCategory({ name: 'Help' });
    const processes = [await processRunning(forum.url, '0'), await processRunning(forum.url, '1')];
    // A first start: nothing is held yet, so there is nothing to catch up from.
    for (const p of processes) {
      const first = await p.start();
      expect(first.caughtUp).toBeNull();
      await first.stop();
    }

    // Posted while no process listens (no webhook reaches them).
    const { topic } = forum.createTopic({
      username: 'alice',
      title: 'Servo jitter on the rig',
      raw: 'My servo jitters when the motor starts. Any idea why?',
      categoryId: category.id,
    });
    forum.reply({ username: 'bob', topicId: topic.id, raw: 'Check the capacitor on the rail.' });

    const [owner, other] = await Promise.all(processes.map((p) => p.start()));
    expect(owner!.caughtUp).toMatchObject({ topics: 1, created: 2 });
    expect(other!.caughtUp).toBeNull();
    expect(await Promise.all(processes.map((p) => p.posts()))).toEqual([2, 0]);

    // The forum's webhook points at the second process (a load balancer's choice): it stores the reply.
    forum.setWebhook({ url: other!.webhookUrl, secret: SECRET });
    forum.reply({ username: 'alice', topicId: topic.id, raw: 'That was it, thanks!' });
    await forum.flush();
    await waitFor(async () => (await processes[1]!.posts()) === 1, 10_000, 'the webhook to be stored');
  });
});
