/**
 * End-to-end harness: the Discord emulator plus the real bot (src/app.ts, the real discord.js
 * client) over loopback, on a real database of the run's engine (CONVENE_TEST_ENGINE: a SQLite file
 * by default, or a PostgreSQL database of its own on the run's server). `startBot` runs it in this
 * process (tests drive the scheduler clock); `spawnBot` runs `src/main.ts` as a child process (crash
 * and restart tests). `rows`/`queryRows` read the bot's rows through the engine-neutral store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join as joinPath } from 'node:path';
import { type SQL, sql } from 'drizzle-orm';
import { type App, type AppOptions, startApp } from '../../src/app.js';
import { databaseOf } from '../../src/commands.js';
import { loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { addDays, isoWeekOfDate, localTime, zonedTime } from '../../src/features/digest/calendar.js';
import { createLogger } from '../../src/log.js';
import {
  type DiscordSandbox,
  type DiscordSandboxOptions,
  startDiscordSandbox,
} from '../../src/sandbox/discord/index.js';
import type { GuildHandle } from '../../src/sandbox/discord/world.js';
import { tempDir } from '../helpers/db.js';
import { type Engine, newPostgresDatabase, testEngine } from '../helpers/engines.js';

export interface Community {
  sandbox: DiscordSandbox;
  guild: GuildHandle;
  /** username → user id */
  members: Record<string, string>;
  moderator: string;
  /** The run's engine (CONVENE_TEST_ENGINE). */
  engine: Engine;
  /** The bot's DATABASE_URL: `file:<dbPath>` on SQLite, a fresh database of its own on PostgreSQL. */
  databaseUrl: string;
  /** Where the SQLite file is (on SQLite; tests about the file itself run on SQLite only). */
  dbPath: string;
}

/** The DATABASE_URL of a new, empty database of the run's engine (SQLite: the file at `dbPath`). */
export async function newDatabaseUrl(dbPath: string, engine: Engine = testEngine()): Promise<string> {
  return engine === 'postgres' ? newPostgresDatabase() : `file:${dbPath}`;
}

/** A guild with the channels the features expect and a few members; `ada` is a moderator. */
export async function makeCommunity(
  options: DiscordSandboxOptions = {},
  at = Date.now() - 30 * 86_400_000,
): Promise<Community> {
  const sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 1_000, ...options });
  const guild = sandbox.createGuild({
    name: 'Shader Club',
    at,
    channels: [
      { name: 'welcome', type: 'text', topic: 'Say hi' },
      { name: 'introductions', type: 'text', topic: 'Tell us who you are' },
      { name: 'general', type: 'text', topic: 'Anything goes' },
      { name: 'help', type: 'text', topic: 'Ask for help here' },
      { name: 'questions', type: 'forum', topic: 'Long-form questions', tags: ['solved', 'vulkan', 'opengl'] },
      { name: 'intros', type: 'text', topic: 'Introductions made by Convene' },
    ],
    roles: [{ name: 'Participant' }, { name: 'Helper' }, { name: 'Helpers', mentionable: true }],
  });
  const members: Record<string, string> = {};
  for (const name of ['ada', 'bob', 'cyd', 'dee', 'eve']) {
    const user = sandbox.addUser({ username: name, globalName: name[0]!.toUpperCase() + name.slice(1), at });
    sandbox.addMember(guild.id, user.id, {
      at: at + 1000,
      roles: name === 'ada' && guild.moderatorRoleId ? [guild.moderatorRoleId] : [],
    });
    members[name] = user.id;
  }
  const dbPath = joinPath(tempDir(), 'convene.db');
  const engine = testEngine();
  const databaseUrl = await newDatabaseUrl(dbPath, engine);
  return { sandbox, guild, members, moderator: members.ada!, engine, databaseUrl, dbPath };
}

export function botEnv(community: Community, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DISCORD_TOKEN: community.sandbox.botToken,
    DISCORD_API_URL: community.sandbox.apiUrl,
    DATABASE_URL: community.databaseUrl,
    LOG_LEVEL: process.env.CONVENE_TEST_LOG ?? 'silent',
    CONVENE_SCAN_INTERVAL: '1h',
    HTTP_PORT: '0',
    ...extra,
  };
}

/** A new member who joins at `at` (default now); returns the user id. */
export function join(community: Community, username: string, at = Date.now(), globalName?: string): string {
  const user = community.sandbox.addUser({ username, globalName: globalName ?? username, at: at - 86_400_000 });
  community.sandbox.addMember(community.guild.id, user.id, { at });
  community.members[username] = user.id;
  return user.id;
}

/** Wait until the outbox has nothing due and nothing in flight (the background drain sends it). */
export async function outboxSettled(app: App, timeoutMs = 10_000): Promise<void> {
  for (const d of app.drains) d.wake();
  await waitFor(
    async () =>
      Number(
        (
          await rows(
            app,
            "SELECT count(*) AS n FROM outbox WHERE status = 'pending' AND not_before <= ?",
            app.scheduler.options.now(),
          )
        )[0]!.n,
      ) === 0,
    timeoutMs,
    'the outbox to drain',
  );
}

/**
 * A query written with `?` placeholders, as drizzle SQL: each `?` becomes a bound parameter in the
 * engine's own form (`?` on SQLite, `$n` on PostgreSQL). The text must hold no literal `?`.
 */
export function withParams(text: string, params: unknown[]): SQL {
  const parts = text.split('?');
  if (parts.length - 1 !== params.length) {
    throw new Error(`${parts.length - 1} placeholders but ${params.length} parameters in: ${text}`);
  }
  const chunks: SQL[] = [sql.raw(parts[0]!)];
  for (const [i, param] of params.entries()) chunks.push(sql`${param}`, sql.raw(parts[i + 1]!));
  return sql.join(chunks);
}

/** Rows of a query (`?` placeholders) on a database of either engine, as its driver returns them. */
export function queryRows(db: Database, text: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  return db.all<Record<string, unknown>>(withParams(text, params));
}

/**
 * Rows of a query on the bot's database, through its engine-neutral store. Values that differ by
 * driver: JSON columns (text on SQLite, objects on PostgreSQL), booleans (0/1 vs false/true).
 */
export function rows(app: App, text: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  return queryRows(databaseOf(app.deps), text, ...params);
}

/** A JSON column's value as data: text on SQLite, already parsed (jsonb) on PostgreSQL. */
export function asJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** A boolean column's value: 0/1 on SQLite, false/true on PostgreSQL; anything else is an error. */
export function asBool(value: unknown): boolean {
  if (value === 0 || value === 1 || typeof value === 'boolean') return Boolean(value);
  throw new Error(`not a boolean column value: ${JSON.stringify(value)}`);
}

/** The migrations' bookkeeping table: in the `drizzle` schema on PostgreSQL. */
export function migrationsTable(engine: Engine): string {
  return engine === 'postgres' ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations';
}

/** Run a statement (`?` placeholders) on the bot's database through its store; returns the rows it changed. */
export function execute(app: App, text: string, ...params: unknown[]): Promise<number> {
  return databaseOf(app.deps).run(withParams(text, params));
}

/** Wait until the bot stored these messages (ingest takes longer on PostgreSQL than a fixed pause). */
export async function messagesStored(app: App, ...ids: string[]): Promise<void> {
  const marks = ids.map(() => '?').join(', ');
  await waitFor(
    async () =>
      (await rows(app, `SELECT message_id FROM messages WHERE message_id IN (${marks})`, ...ids)).length === ids.length,
    10_000,
    `${ids.length} messages to be stored`,
  );
}

/** A connection of its own to the community's database (a bot in another process writes it); close it after. */
export async function openStore(community: Pick<Community, 'databaseUrl'>): Promise<Database> {
  return openDatabase(community.databaseUrl);
}

/** The real bot in this process. The scheduler does not run by itself: call app.scheduler.tick(now). */
export async function startBot(
  community: Community,
  env: Record<string, string> = {},
  now?: () => number,
  options: Partial<AppOptions> = {},
): Promise<App> {
  const config = loadConfig(botEnv(community, env));
  return startApp(config, createLogger(config.logLevel), {
    runScheduler: false,
    drain: { idleMs: 50, leaseMs: 2_000 },
    ...(now ? { now } : {}),
    ...options,
  });
}

const outputs = new WeakMap<ChildProcess, { text: string }>();

/** Everything a spawned bot wrote so far (JSON log lines). */
export function botOutput(child: ChildProcess): string {
  return outputs.get(child)?.text ?? '';
}

/** The real bot as a child process (`src/main.ts`), for crash tests. Resolves when it logged "running". */
export async function spawnBot(community: Community, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...botEnv(community, { LOG_LEVEL: 'info', ...env }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = { text: '' };
  outputs.set(child, log);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log.text += chunk.toString();
      if (log.text.includes('Convene is running')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`bot exited with ${code} before it was running:\n${log.text.slice(-2000)}`)),
    );
  });
  return child;
}

/** Channel history is backfilled in the background: wait until a backfill that began at or after `since` ended. */
export async function backfilled(app: App, since: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(() => (app.deps.status.lastBackfill?.at ?? 0) >= since, timeoutMs, 'the backfill to finish');
}

/** Poll `check` (it may be async, e.g. read rows) until it gives a truthy value. */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { zoneWhereItIs } from '../../src/sandbox/zones.js';

/**
 * The first `hour`:00 on a Monday in `timezone` at least `minDays` days after `after`, and its ISO
 * week label ("2026-W49"). Scheduled tests drive the bot's clock to it: it must lie ahead of the
 * real time, because commands (a moderator's "digest set") carry the real time of the interaction.
 * A fixed date would pass until that day and fail for ever after.
 */
export function comingMonday(
  hour: number,
  timezone: string,
  minDays = 1,
  after = Date.now(),
): { at: number; week: string } {
  const start = localTime(after + minDays * 86_400_000, timezone);
  const date = addDays(start, (8 - start.weekday) % 7);
  return { at: zonedTime(date, hour, 0, timezone), week: isoWeekOfDate(date) };
}
