/**
 * Assembles the running bot: database → ingest → features → platforms → outbox drains → scheduler.
 * main.ts calls it with the real configuration; the demo and end-to-end tests call it too, so what
 * they exercise is the bot itself.
 */
import type { ButtonDefinition, CommandDefinition, Deps, RuntimeStatus } from './commands.js';
import { type Config, ConfigError, postgresTarget, withoutPassword } from './config.js';
import { DatabaseFileError, type Db } from './db/connection.js';
import {
  closeDatabase,
  type Database,
  isPostgresUrl,
  legacyDb,
  migrateDatabase,
  notPortedDb,
  openDatabase,
  sqliteDatabase,
} from './db/database.js';
import type { Feature } from './features/feature.js';
import { features as allFeatures } from './features/index.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { Ingestor, type IngestorOptions } from './ingest/ingestor.js';
import type { Logger } from './log.js';
import { type DrainOptions, OutboxDrain } from './outbox/drain.js';
import { type DiscordAdapter, type DiscordOptions, startDiscord } from './platforms/discord/index.js';
import { ForumCatchUps } from './platforms/discourse/forumCatchUps.js';
import { ForumRuntimes, ForumsSender, registerForumWebhooks } from './platforms/discourse/forums.js';
import { type DiscourseRuntime, startDiscourse } from './platforms/discourse/index.js';
import { probeForum } from './platforms/discourse/probe.js';
import { Scheduler } from './scheduler/scheduler.js';
import { ownsGuild } from './shards.js';

export interface AppOptions {
  features?: readonly Feature[];
  /** Scheduler wake-up interval (default: a tenth of the scan interval, between 1 s and 30 s). */
  tickMs?: number;
  drain?: Partial<DrainOptions>;
  /** How failing database writes are retried (tests shorten the waits). */
  ingest?: Partial<IngestorOptions>;
  /** Start the scheduler loop (default true; tests drive `scheduler.tick(now)` themselves). */
  runScheduler?: boolean;
  now?: () => number;
  /** Retry policies of the Discord adapter (tests shorten them). */
  discord?: Pick<DiscordOptions, 'gatewayRetry' | 'commandSyncRetry'>;
  /** How often forums connected by command are re-read from the database (default 30 s). */
  forumsWatchMs?: number;
}

export interface App {
  deps: Deps;
  ingestor: Ingestor;
  scheduler: Scheduler;
  drains: OutboxDrain[];
  discord: DiscordAdapter | null;
  discourse: DiscourseRuntime | null;
  http: HttpServer;
  /** The port the HTTP server (webhooks, /healthz) listens on. */
  httpPort: number;
  stop(): Promise<void>;
}

export function allCommands(features: readonly Feature[]): CommandDefinition[] {
  return features.flatMap((f) => f.commands);
}

export function allButtons(features: readonly Feature[]): ButtonDefinition[] {
  return features.flatMap((f) => f.buttons);
}

/** The app's dependencies on a database of either engine (a SQLite `Db` is taken as its Database). */
export function makeDeps(config: Config, store: Database | Db, log: Logger, wake: () => void): Deps {
  const database = 'tables' in store ? store : sqliteDatabase(store);
  const status: RuntimeStatus = {
    startedAt: Date.now(),
    platforms: {},
    intents: { messageContent: false, guildMembers: false },
  };
  return {
    // The synchronous handle of code not yet on the async store: SQLite's connection; none on PostgreSQL.
    db: database.engine === 'sqlite' ? legacyDb(database) : notPortedDb(),
    database,
    config,
    log,
    status,
    wakeOutbox: wake,
    probeForum: (settings) => probeForum(settings, { allowPrivate: config.allowPrivateForums }),
  };
}

export async function startApp(config: Config, log: Logger, options: AppOptions = {}): Promise<App> {
  // What has been started so far, undone in reverse if a later step fails: a failed start must not
  // leave a gateway connection or a port open (the process would stay up doing nothing).
  const undo: (() => unknown)[] = [];
  try {
    return await assemble(config, log, options, undo);
  } catch (error) {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (cleanupError) {
        // The start already failed with `error`, which is what the operator must see.
        log.debug({ err: cleanupError }, 'cleaning up after a failed start');
      }
    }
    throw error;
  }
}

async function assemble(config: Config, log: Logger, options: AppOptions, undo: (() => unknown)[]): Promise<App> {
  const features = options.features ?? allFeatures;
  const now = options.now ?? Date.now;
  const database = await open(config.databaseUrl);
  undo.push(() => closeDatabase(database));
  const applied = await migrateDatabase(database);
  log.info(
    { applied, database: withoutPassword(config.databaseUrl) },
    applied ? 'database migrated' : 'database up to date',
  );

  const claims = database;
  const drains: OutboxDrain[] = [];
  const deps = makeDeps(config, database, log, () => {
    for (const d of drains) d.wake();
  });
  const ingestor = new Ingestor(deps, features, options.ingest);
  const jobs = features.flatMap((f) => f.jobs);
  let discord: DiscordAdapter | null = null;
  const scheduler = new Scheduler(deps, jobs, {
    scanIntervalMs: config.scanIntervalMs,
    tickMs: options.tickMs ?? Math.min(30_000, Math.max(1_000, Math.floor(config.scanIntervalMs / 10))),
    now,
    runLeaseMs: config.jobLeaseMs,
    database: claims,
    owns: (guild) => ownsGuild(config.discordShards, guild),
    // A restarted process must not nudge a question whose answer its backfill has not read yet.
    waits: (guildId) => discord?.catchingUp(guildId) ?? false,
  });

  if (config.discordToken) {
    discord = await startDiscord(deps, ingestor, {
      token: config.discordToken,
      // Through the proxy when there is one: it keeps the token's one rate limit for every process.
      apiUrl: config.discordRestProxy ?? config.discordApiUrl,
      commands: allCommands(features),
      buttons: allButtons(features),
      countsReaction: (emoji) => features.some((f) => f.countsReaction?.(emoji)),
      ...options.discord,
    });
    undo.push(() => discord?.stop());
    drains.push(new OutboxDrain(claims, discord.sender, log, { now, leaseMs: config.outboxLeaseMs, ...options.drain }));
  }
  // One HTTP server for webhooks and /healthz; platforms register their routes before it listens.
  const http = createHttpServer(deps, { port: config.httpPort });
  undo.push(() => http.close());
  // Forums connected by command: their webhook paths exist whether or not one is connected yet.
  const forums = new ForumRuntimes({
    deps,
    ingestor,
    features,
    now,
    rejected: (reason, detail) => http.rejections.count(reason, detail),
    // Each forum read back at start and when connected or changed, as the environment's forum is.
    catchUps: new ForumCatchUps({ deps, ingestor }),
  });
  undo.push(() => forums.stop());
  registerForumWebhooks(http, forums);
  const forumsReady = await forums.warm();
  // A forum connected, changed or disconnected elsewhere (or by a command here) is noticed without a delivery.
  forums.watch(options.forumsWatchMs ?? 30_000);
  if (forumsReady) log.info({ forums: forumsReady }, 'discourse: forums connected by command are ready');
  const forumDrain = { now, leaseMs: config.outboxLeaseMs, ...options.drain };
  let discourse: DiscourseRuntime | null = null;
  if (config.discourse) {
    discourse = await startDiscourse(deps, ingestor, features, http, {
      startDrain: false,
      now,
      drain: forumDrain,
      forums,
    });
    undo.push(() => discourse?.stop());
    drains.push(discourse.drain);
  } else {
    // Discourse's default limit for an admin key is 60 requests a minute: one a second, one at a time.
    drains.push(
      new OutboxDrain(claims, new ForumsSender(forums, null), log, { ratePerSecond: 1, concurrency: 1, ...forumDrain }),
    );
  }
  const { port: httpPort, url: httpUrl } = await listen(http, config.httpPort);
  deps.status.httpUrl = httpUrl;
  for (const drain of drains) drain.start();
  if (options.runScheduler ?? true) scheduler.start();
  log.info({ features: features.map((f) => f.name), jobs: jobs.map((j) => j.name) }, 'Convene is running');

  return {
    deps,
    ingestor,
    scheduler,
    drains,
    discord,
    discourse,
    http,
    httpPort,
    async stop() {
      await scheduler.stop();
      for (const drain of drains) await drain.stop();
      await http.close();
      await forums.stop();
      await discourse?.stop();
      await discord?.stop();
      ingestor.close();
      await closeDatabase(database);
      log.info('Convene stopped');
    },
  };
}

/** The database DATABASE_URL names, or one line naming DATABASE_URL and what is wrong with it. */
async function open(url: string): Promise<Database> {
  try {
    return await openDatabase(url);
  } catch (error) {
    if (error instanceof DatabaseFileError) throw new ConfigError('DATABASE_URL', error.message, { cause: error });
    if (isPostgresUrl(url)) {
      const target = postgresTarget(url);
      const where = target ? `${target.database} on ${target.host}` : 'the server';
      throw new ConfigError(
        'DATABASE_URL',
        `could not connect to PostgreSQL (${where}): ${(error as Error).message || (error as { code?: string }).code || String(error)}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Listen, or one line naming HTTP_PORT when the port is taken or not allowed. */
async function listen(http: HttpServer, port: number): Promise<{ port: number; url: string }> {
  try {
    return await http.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new ConfigError(
        'HTTP_PORT',
        `port ${port} is already in use: stop what listens there or choose a free port (0 picks one)`,
        { cause: error },
      );
    }
    if (code === 'EACCES') {
      throw new ConfigError(
        'HTTP_PORT',
        `port ${port} needs privileges this process does not have: use one above 1023`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
