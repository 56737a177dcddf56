/**
 * Several Convene processes sharing one bot by Discord shard: each is the real `src/main.ts` (tsx)
 * with DISCORD_SHARD_COUNT and its own DISCORD_SHARDS, on one database, against the emulator.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import type { GuildHandle } from '../../src/sandbox/discord/world.js';
import { shardOfGuild } from '../../src/shards.js';
import { botOutput, type Community, makeCommunity, spawnBot } from '../e2e/harness.js';
import { newPostgresDatabase } from './engines.js';

/** A guild of the sharded community, with the shard Discord puts it on. */
export interface ShardedGuild {
  guild: GuildHandle;
  shard: number;
  moderator: string;
  member: string;
}

/**
 * The harness's community plus one more guild per further shard, created a millisecond apart: a
 * guild's shard is its snowflake's timestamp modulo the shard count, so `count` guilds cover every shard.
 */
export async function shardedCommunity(count: number): Promise<{ community: Community; guilds: ShardedGuild[] }> {
  const at = Date.now() - 30 * 86_400_000;
  const community = await makeCommunity({}, at);
  const { sandbox } = community;
  const guilds: ShardedGuild[] = [
    {
      guild: community.guild,
      shard: shardOfGuild(community.guild.id, count),
      moderator: community.moderator,
      member: community.members.bob!,
    },
  ];
  for (let k = 1; k < count; k++) {
    const guild = sandbox.createGuild({
      name: `Shard Club ${k}`,
      at: at + k,
      channels: [
        { name: 'welcome', type: 'text', topic: 'Say hi' },
        { name: 'general', type: 'text', topic: 'Anything goes' },
      ],
    });
    const [moderator, member] = ['mod', 'fan'].map((name, i) => {
      const user = sandbox.addUser({ username: `${name}${k}`, globalName: `${name} ${k}`, at });
      sandbox.addMember(guild.id, user.id, {
        at: at + 1000,
        roles: i === 0 && guild.moderatorRoleId ? [guild.moderatorRoleId] : [],
      });
      return user.id;
    });
    guilds.push({ guild, shard: shardOfGuild(guild.id, count), moderator: moderator!, member: member! });
  }
  return { community, guilds };
}

export interface LogLine {
  msg?: string;
  guildId?: string;
  job?: string;
  period?: string;
  port?: number;
  [key: string]: unknown;
}

export interface ShardProcess {
  shards: readonly number[];
  child: ChildProcess;
  /** Its SQLite file (on SQLite). */
  dbPath: string;
  /** The process's DATABASE_URL (its own copy, or the community's database when shared). */
  databaseUrl: string;
  /** The port of its HTTP server (/healthz). */
  port: number;
  /** Its JSON log lines so far. */
  log(): LogLine[];
  /** SIGTERM, and the exit code once it ended. */
  stop(): Promise<number | null>;
}

function logLines(child: ChildProcess): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of botOutput(child).split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // A line cut by a chunk boundary is read whole on the next call.
    }
  }
  return lines;
}

async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/**
 * One process per entry of `layout` (the shard ids it runs), started one after the other: the first
 * runs shard 0 and registers the commands before the others start.
 *
 * `database: 'shared'` puts them all on the community's file. 'copies' (the default) first runs one
 * process with every shard, so the database knows every guild (as a shared one would), then gives
 * each process its own copy: what a process stores and which jobs it runs are then its own, so a test
 * can see which process did what. (Several processes on one file are tested with leases in
 * test/faults/manyProcesses.test.ts.)
 */
export async function startShardProcesses(
  community: Community,
  count: number,
  layout: readonly (readonly number[])[],
  env: Record<string, string> = {},
  started: ChildProcess[] = [],
  database: 'copies' | 'shared' = 'copies',
): Promise<ShardProcess[]> {
  if (database === 'copies') {
    const seed = await spawnBot(community, { DISCORD_SHARD_COUNT: String(count), ...env });
    started.push(seed);
    const code = await stopChild(seed);
    if (code !== 0) throw new Error(`the seeding process exited with ${code}:\n${botOutput(seed).slice(-2000)}`);
  }
  const processes: ShardProcess[] = [];
  for (const shards of layout) {
    const dbPath =
      database === 'shared' ? community.dbPath : community.dbPath.replace(/\.db$/, `-shards-${shards.join('-')}.db`);
    let databaseUrl = database === 'shared' ? community.databaseUrl : `file:${dbPath}`;
    if (database === 'copies' && community.engine === 'postgres') {
      databaseUrl = await newPostgresDatabase(community.databaseUrl);
    } else if (database === 'copies') {
      copyFileSync(community.dbPath, dbPath);
      // A clean stop folds the write-ahead log into the file; copy it too should one be left.
      if (existsSync(`${community.dbPath}-wal`)) copyFileSync(`${community.dbPath}-wal`, `${dbPath}-wal`);
    }
    const child = await spawnBot(community, {
      DISCORD_SHARD_COUNT: String(count),
      DISCORD_SHARDS: shards.join(','),
      DATABASE_URL: databaseUrl,
      ...env,
    });
    started.push(child);
    const listening = logLines(child).find((l) => l.msg === 'http: listening');
    if (typeof listening?.port !== 'number') throw new Error(`no port in the log of shards ${shards.join(',')}`);
    processes.push({
      shards,
      child,
      dbPath,
      databaseUrl,
      port: listening.port,
      log: () => logLines(child),
      stop: () => stopChild(child),
    });
  }
  return processes;
}

export interface Run {
  status: number | null;
  stderr: string;
}

/** `src/main.ts` until it exits by itself (killed after `timeoutMs`: a hang is the defect). */
export function runUntilExit(env: Record<string, string>, started: ChildProcess[], timeoutMs = 40_000): Promise<Run> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DISCORD_') && !k.startsWith('CONVENE_')),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...clean, DATABASE_URL: 'file::memory:', HTTP_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  started.push(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ status: code, stderr });
    });
  });
}
