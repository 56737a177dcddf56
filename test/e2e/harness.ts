/**
 * End-to-end harness: the Discord emulator plus the real bot (src/app.ts, the real discord.js
 * client) over loopback, on a real SQLite file. `startBot` runs it in this process (tests drive the
 * scheduler clock); `spawnBot` runs `src/main.ts` as a child process (crash and restart tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join as joinPath } from 'node:path';
import { type App, type AppOptions, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { addDays, isoWeekOfDate, localTime, zonedTime } from '../../src/features/digest/calendar.js';
import { createLogger } from '../../src/log.js';
import {
  type DiscordSandbox,
  type DiscordSandboxOptions,
  startDiscordSandbox,
} from '../../src/sandbox/discord/index.js';
import type { GuildHandle } from '../../src/sandbox/discord/world.js';
import { tempDir } from '../helpers/db.js';

export interface Community {
  sandbox: DiscordSandbox;
  guild: GuildHandle;
  /** username → user id */
  members: Record<string, string>;
  moderator: string;
  dbPath: string;
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
  return { sandbox, guild, members, moderator: members.ada!, dbPath: joinPath(tempDir(), 'convene.db') };
}

export function botEnv(community: Community, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DISCORD_TOKEN: community.sandbox.botToken,
    DISCORD_API_URL: community.sandbox.apiUrl,
    DATABASE_URL: `file:${community.dbPath}`,
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
    () =>
      (
        app.deps.db.$client
          .prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending' AND not_before <= ?")
          .get(app.scheduler.options.now()) as { n: number }
      ).n === 0,
    timeoutMs,
    'the outbox to drain',
  );
}

/** Rows of a query on the bot's database. */
export function rows(app: App, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  return app.deps.db.$client.prepare(sql).all(...params) as Record<string, unknown>[];
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

export async function waitFor<T>(
  check: () => T | undefined | null | false,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
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
