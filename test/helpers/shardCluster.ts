/**
 * Several Convene processes sharing one bot by Discord shard: each is the real `src/main.ts` (tsx)
 * with DISCORD_SHARD_COUNT and its own DISCORD_SHARDS, on one database, against the emulator.
 */
import type { ChildProcess } from 'node:child_process';
import type { GuildHandle } from '../../src/sandbox/discord/world.js';
import { shardOfGuild } from '../../src/shards.js';
import { botOutput, type Community, makeCommunity, spawnBot } from '../e2e/harness.js';

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

/**
 * One process per entry of `layout` (the shard ids it runs), started one after the other: the first
 * migrates the database and, running shard 0, registers the commands before the others start.
 */
export async function startShardProcesses(
  community: Community,
  count: number,
  layout: readonly (readonly number[])[],
  env: Record<string, string> = {},
  started: ChildProcess[] = [],
): Promise<ShardProcess[]> {
  const processes: ShardProcess[] = [];
  for (const shards of layout) {
    const child = await spawnBot(community, {
      DISCORD_SHARD_COUNT: String(count),
      DISCORD_SHARDS: shards.join(','),
      ...env,
    });
    started.push(child);
    const listening = logLines(child).find((l) => l.msg === 'http: listening');
    if (typeof listening?.port !== 'number') throw new Error(`no port in the log of shards ${shards.join(',')}`);
    processes.push({
      shards,
      child,
      port: listening.port,
      log: () => logLines(child),
      stop: async () => {
        if (child.exitCode !== null) return child.exitCode;
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        return exited;
      },
    });
  }
  return processes;
}
