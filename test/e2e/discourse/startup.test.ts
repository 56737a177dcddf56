import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { closeDatabase } from '../../../src/db/database.js';
import { createHttpServer, type HttpServer } from '../../../src/http/server.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { createLogger } from '../../../src/log.js';
import { backfillDiscourse } from '../../../src/platforms/discourse/backfill.js';
import { type DiscourseRuntime, startDiscourse } from '../../../src/platforms/discourse/index.js';
import { seedDemoForum } from '../../../src/sandbox/discourse/seed.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { API_KEY, BOT, botDatabase, SECRET } from './harness.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function start(url: string, env: Record<string, string> = {}) {
  const { db, database } = await botDatabase();
  const deps: Deps = {
    db,
    database,
    config: loadConfig({
      DISCOURSE_URL: url,
      DISCOURSE_API_KEY: API_KEY,
      DISCOURSE_API_USERNAME: BOT,
      LOG_LEVEL: 'silent',
      ...env,
    }),
    log: createLogger('silent'),
    status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  const ingestor = new Ingestor(deps, []);
  const http: HttpServer = createHttpServer(deps, { port: 0 });
  const runtime: DiscourseRuntime = await startDiscourse(deps, ingestor, [], http, { startDrain: false });
  const { url: httpUrl } = await http.listen();
  cleanup.push(async () => {
    await runtime.stop();
    await http.close();
    await closeDatabase(database);
  });
  return { deps, httpUrl, runtime, ingestor, database };
}

describe('starting on Discourse', () => {
  it('GIVEN the forum API is down THEN /healthz reports Discourse down (503) with the reason', async () => {
    const closed = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    const deadUrl = closed.url;
    await closed.close();
    const { httpUrl } = await start(deadUrl, { DISCOURSE_WEBHOOK_SECRET: SECRET });
    const response = await fetch(`${httpUrl}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      ok: false,
      platforms: { discourse: { up: false, detail: expect.stringMatching(/API not answering/) } },
    });
  });

  it('GIVEN no webhook secret THEN the webhook endpoint does not exist and /healthz says why', async () => {
    const forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    cleanup.push(() => forum.close());
    const { httpUrl } = await start(forum.url);
    expect((await fetch(`${httpUrl}/webhooks/discourse`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(await (await fetch(`${httpUrl}/healthz`)).json()).toMatchObject({
      platforms: { discourse: { up: true, detail: expect.stringMatching(/webhooks off/) } },
    });
  });

  it('GIVEN the demo forum THEN the forum is named after the site and its history imports', async () => {
    const forum = await DiscourseSandbox.start({
      apiKey: API_KEY,
      botUsername: BOT,
      settings: { title: 'Robot Makers' },
    });
    cleanup.push(() => forum.close());
    const seeded = seedDemoForum(forum);
    const { runtime, database, ingestor } = await start(forum.url);
    // A forum never imported: start-up does not read its history by itself (the catch-up has nothing
    // to catch up from); importing it is a deliberate step.
    expect(await runtime.caughtUp).toBeNull();
    expect(forum.botRequests(/GET \/(latest|t\/)/)).toEqual([]);
    const cursor = await backfillDiscourse({
      db: database,
      client: runtime.client,
      ingestor,
      guildId: runtime.guildId,
      botUsername: BOT,
    });
    expect(cursor).toMatchObject({ phase: 'done', topicsDone: 6 });
    const { guilds } = database.tables;
    expect(await database.select({ name: guilds.name }).from(guilds).where(eq(guilds.id, runtime.guildId))).toEqual([
      { name: 'Robot Makers' },
    ]);
    expect(seeded.openQuestionTopicId).toBeGreaterThan(0);
  });
});
