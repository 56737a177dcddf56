/**
 * The real Discourse adapter (HTTP server, webhook receiver, REST client, command reader, outbox
 * sender) with the real features, against the Discourse emulator, over loopback HTTP, on a real
 * database of the run's engine (CONVENE_TEST_ENGINE, as test/e2e/harness.ts: a SQLite file by default,
 * or a PostgreSQL database of its own). The scheduler does not run: tests that need scheduled work use
 * startApp. Read the bot's rows with `f.rows(…)` or through `f.database` (engine-neutral, async).
 */
import { join as joinPath } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Deps } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import type { Db } from '../../../src/db/connection.js';
import {
  closeDatabase,
  type Database,
  legacyDb,
  migrateDatabase,
  notPortedDb,
  openDatabase,
} from '../../../src/db/database.js';
import type { CommunityEvent } from '../../../src/events.js';
import { defineFeature, type Feature } from '../../../src/features/feature.js';
import { features as allFeatures } from '../../../src/features/index.js';
import { createHttpServer, type HttpLimits, type HttpServer } from '../../../src/http/server.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { createLogger, type Logger } from '../../../src/log.js';
import { type DiscourseRuntime, startDiscourse } from '../../../src/platforms/discourse/index.js';
import { DiscourseSandbox, type DiscourseSandboxOptions } from '../../../src/sandbox/discourse/server.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { tempDir } from '../../helpers/db.js';
import { type Engine, testEngine } from '../../helpers/engines.js';
import { newDatabaseUrl, queryRows } from '../harness.js';

export const API_KEY = 'sandbox-admin-api-key';
export const SECRET = 'a-webhook-secret-of-some-length';
export const BOT = 'convene';

export interface Forum {
  forum: DiscourseSandbox;
  deps: Deps;
  /** The run's engine (CONVENE_TEST_ENGINE). */
  engine: Engine;
  /** The bot's store, on either engine. */
  database: Database;
  /** Its DATABASE_URL (`file:…` on SQLite, a database of its own on PostgreSQL). */
  databaseUrl: string;
  /** The synchronous SQLite handle (`deps.db`): on PostgreSQL any use throws NotPortedError. */
  db: Db;
  /** Rows of a query (`?` placeholders) on the bot's database, as the engine's driver returns them. */
  rows(text: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  ingestor: Ingestor;
  http: HttpServer;
  discourse: DiscourseRuntime;
  webhookUrl: string;
  httpUrl: string;
  /** Every event the features heard, with its `fresh` flag. */
  heard: { event: CommunityEvent; fresh: boolean }[];
  /** The features' jobs; it does not run by itself: `await f.scheduler.tick(now)`. */
  scheduler: Scheduler;
  /** Deliver pending webhooks, send pending outbox rows, and repeat until both are quiet. */
  settle(): Promise<void>;
  outboxRows(): Promise<Database['tables']['outbox']['$inferSelect'][]>;
  close(): Promise<void>;
}

/**
 * A new, migrated database of the run's engine for a bot (close it with closeDatabase), with the
 * `Deps.db` a process on that engine has: SQLite's connection, or on PostgreSQL none (NotPortedError).
 */
export async function botDatabase(): Promise<{ engine: Engine; databaseUrl: string; database: Database; db: Db }> {
  const engine = testEngine();
  const databaseUrl = await newDatabaseUrl(joinPath(tempDir(), 'convene.db'), engine);
  const database = await openDatabase(databaseUrl);
  await migrateDatabase(database);
  return { engine, databaseUrl, database, db: engine === 'sqlite' ? legacyDb(database) : notPortedDb() };
}

export async function startForum(
  options: {
    sandbox?: Partial<DiscourseSandboxOptions>;
    features?: Feature[];
    clock?: () => number;
    http?: Partial<HttpLimits>;
    log?: Logger;
  } = {},
): Promise<Forum> {
  const forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT, ...options.sandbox });
  const { engine, databaseUrl, database, db } = await botDatabase();
  const config = loadConfig({
    DISCOURSE_URL: forum.url,
    DISCOURSE_API_KEY: API_KEY,
    DISCOURSE_API_USERNAME: BOT,
    DISCOURSE_WEBHOOK_SECRET: SECRET,
    LOG_LEVEL: 'silent',
  });
  const deps: Deps = {
    db,
    database,
    config,
    log: options.log ?? createLogger('silent'),
    status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  const heard: Forum['heard'] = [];
  // The real features, and one more that only listens, so tests can see what the features heard.
  const listener = defineFeature({
    name: 'listener',
    commands: [],
    buttons: [],
    jobs: [],
    onEvent: (_deps, event, fresh) => {
      heard.push({ event, fresh });
    },
  });
  const features = options.features ?? [...allFeatures, listener];
  const ingestor = new Ingestor(deps, features);
  const http = createHttpServer(deps, { port: 0, ...(options.http ? { limits: options.http } : {}) });
  const discourse = await startDiscourse(deps, ingestor, features, http, {
    startDrain: false,
    drain: { ratePerSecond: 200, concurrency: 4, ...(options.clock ? { now: options.clock } : {}) },
    ...(options.clock ? { now: options.clock } : {}),
  });
  const scheduler = new Scheduler(
    deps,
    features.flatMap((feature) => feature.jobs),
    { scanIntervalMs: 3_600_000, tickMs: 60_000, now: options.clock ?? Date.now },
  );
  const { url } = await http.listen();
  const webhookUrl = `${url}/webhooks/discourse`;
  forum.setWebhook({ url: webhookUrl, secret: SECRET });

  const { outbox } = database.tables;
  const pending = async () =>
    (await database.select({ id: outbox.id }).from(outbox).where(eq(outbox.status, 'pending'))).length;
  return {
    forum,
    deps,
    engine,
    database,
    databaseUrl,
    db,
    rows: (text, ...params) => queryRows(database, text, ...params),
    ingestor,
    http,
    discourse,
    webhookUrl,
    httpUrl: url,
    heard,
    scheduler,
    async settle() {
      for (let round = 0; round < 10; round++) {
        await forum.flush();
        const sent = await discourse.drain.drainAll();
        await forum.flush();
        if (sent === 0 || (await pending()) === 0) return;
      }
    },
    outboxRows: async () => database.select().from(outbox).orderBy(outbox.id),
    async close() {
      await discourse.stop();
      await forum.close();
      await http.close();
      await closeDatabase(database);
    },
  };
}

/** POST a body to the webhook endpoint the way Discourse would, with chosen headers. */
export async function deliver(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
