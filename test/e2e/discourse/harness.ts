/**
 * The real Discourse adapter (HTTP server, webhook receiver, REST client, command reader, outbox
 * sender) against the Discourse emulator, over loopback HTTP, on a real SQLite database.
 */
import { eq } from 'drizzle-orm';
import { type CommandDefinition, type Deps, defineCommand, reply } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { outbox } from '../../../src/db/schema.js';
import type { CommunityEvent } from '../../../src/events.js';
import { defineFeature, type Feature } from '../../../src/features/feature.js';
import { createHttpServer, type HttpLimits, type HttpServer } from '../../../src/http/server.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { createLogger, type Logger } from '../../../src/log.js';
import { type DiscourseRuntime, startDiscourse } from '../../../src/platforms/discourse/index.js';
import { DiscourseSandbox, type DiscourseSandboxOptions } from '../../../src/sandbox/discourse/server.js';
import { makeTestDb } from '../../helpers/db.js';

export const API_KEY = 'sandbox-admin-api-key';
export const SECRET = 'a-webhook-secret-of-some-length';
export const BOT = 'convene';

/** Commands like the real features', so the tests do not depend on features being written in parallel. */
export const testCommands: CommandDefinition[] = [
  defineCommand({
    name: 'meet',
    description: 'People you should meet, and why',
    access: 'member',
    options: {},
    run: (ctx) => reply.ephemeral(`Hello ${ctx.member.displayName}, you should meet the people in #welcome.`),
  }),
  defineCommand({
    name: 'intros join',
    description: 'Join the introductions',
    access: 'member',
    options: { topic: { type: 'string', description: 'What you would like to talk about' } },
    run: (ctx) =>
      reply.public(
        `Welcome to intros, ${ctx.member.displayName}!${ctx.options.topic ? ` Topic: ${ctx.options.topic}.` : ''}`,
      ),
  }),
  defineCommand({
    name: 'convene why set',
    description: "Set the community's purpose",
    access: 'moderator',
    options: { why: { type: 'string', description: 'A sentence or two', required: true } },
    run: (ctx) => reply.ephemeral(`Purpose saved: ${ctx.options.why}`),
  }),
];

export interface Forum {
  forum: DiscourseSandbox;
  deps: Deps;
  db: ReturnType<typeof makeTestDb>;
  ingestor: Ingestor;
  http: HttpServer;
  discourse: DiscourseRuntime;
  webhookUrl: string;
  httpUrl: string;
  /** Every event the features heard, with its `fresh` flag. */
  heard: { event: CommunityEvent; fresh: boolean }[];
  /** Deliver pending webhooks, send pending outbox rows, and repeat until both are quiet. */
  settle(): Promise<void>;
  outboxRows(): (typeof outbox.$inferSelect)[];
  close(): Promise<void>;
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
  const db = makeTestDb();
  const config = loadConfig({
    DISCOURSE_URL: forum.url,
    DISCOURSE_API_KEY: API_KEY,
    DISCOURSE_API_USERNAME: BOT,
    DISCOURSE_WEBHOOK_SECRET: SECRET,
    LOG_LEVEL: 'silent',
  });
  const deps: Deps = {
    db,
    config,
    log: options.log ?? createLogger('silent'),
    status: { startedAt: Date.now(), platforms: {}, intents: { messageContent: true, guildMembers: true } },
    wakeOutbox: () => {},
  };
  const heard: Forum['heard'] = [];
  const recorder = defineFeature({
    name: 'recorder',
    commands: testCommands,
    buttons: [],
    jobs: [],
    onEvent: (_deps, event, fresh) => {
      heard.push({ event, fresh });
    },
  });
  const features = options.features ?? [recorder];
  const ingestor = new Ingestor(deps, features);
  const http = createHttpServer(deps, { port: 0, ...(options.http ? { limits: options.http } : {}) });
  const discourse = await startDiscourse(deps, ingestor, features, http, {
    startDrain: false,
    drain: { ratePerSecond: 200, concurrency: 4, ...(options.clock ? { now: options.clock } : {}) },
    ...(options.clock ? { now: options.clock } : {}),
  });
  const { url } = await http.listen();
  const webhookUrl = `${url}/webhooks/discourse`;
  forum.setWebhook({ url: webhookUrl, secret: SECRET });

  const pending = () => db.select({ id: outbox.id }).from(outbox).where(eq(outbox.status, 'pending')).all().length;
  return {
    forum,
    deps,
    db,
    ingestor,
    http,
    discourse,
    webhookUrl,
    httpUrl: url,
    heard,
    async settle() {
      for (let round = 0; round < 10; round++) {
        await forum.flush();
        const sent = await discourse.drain.drainAll();
        await forum.flush();
        if (sent === 0 || pending() === 0) return;
      }
    },
    outboxRows: () => db.select().from(outbox).all(),
    async close() {
      await discourse.stop();
      await forum.close();
      await http.close();
      db.$client.close();
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
