/**
 * Three Convene processes (the real src/main.ts) share one bot by Discord shard, on one database,
 * against the emulator: each guild is heard, answered and scheduled by the process running its shard.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/db/database.js';
import { startDiscordSandbox } from '../../src/sandbox/discord/index.js';
import { shardOfGuild } from '../../src/shards.js';
import { runUntilExit, type ShardProcess, shardedCommunity, startShardProcesses } from '../helpers/shardCluster.js';
import type { Community } from './harness.js';
import { botOutput, queryRows, waitFor } from './harness.js';

let community: Community | undefined;
const children: ChildProcess[] = [];
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode !== null && child.exitCode !== 0)
      process.stderr.write(`--- a process exited with ${child.exitCode}:\n${botOutput(child).slice(-4000)}\n`);
  }
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await community?.sandbox.close();
  community = undefined;
  for (const close of closers.splice(0)) await close();
});

const SHARDS = 3;

async function health(p: ShardProcess) {
  const response = await fetch(`http://127.0.0.1:${p.port}/healthz`).catch((error) => {
    throw new Error(`shards ${p.shards.join(',')} (exit ${p.child.exitCode}): ${errorsOf(p)}`, { cause: error });
  });
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** What a process logged as warnings and errors, for a failure's message. */
const errorsOf = (p: ShardProcess) =>
  `${JSON.stringify(p.log().filter((l) => Number(l.level) >= 40)).slice(0, 3000)}\n${botOutput(p.child)
    .split('\n')
    .filter((line) => !line.startsWith('{'))
    .join('\n')
    .slice(-2000)}`;

/** Guild ids whose `msg` lines a process logged. */
const guildsLogged = (p: ShardProcess, msg: string) =>
  new Set(
    p
      .log()
      .filter((l) => l.msg === msg)
      .map((l) => l.guildId),
  );

describe('three processes, three shards', () => {
  it('GIVEN a guild on each shard THEN its events are stored, its commands answered and its jobs run by the process of its shard only', async () => {
    const made = await shardedCommunity(SHARDS);
    community = made.community;
    const { sandbox } = community;
    const guilds = [...made.guilds].sort((a, b) => a.shard - b.shard);
    expect(guilds.map((g) => g.shard)).toEqual([0, 1, 2]);

    const processes = await startShardProcesses(
      community,
      SHARDS,
      [[0], [1], [2]],
      // A scan every 2 s: each process runs several periods of scheduled jobs during the test.
      { LOG_LEVEL: 'debug', CONVENE_SCAN_INTERVAL: '2s' },
      children,
    );
    const clusterStart = Date.now();
    // Each process starts from a database that knows all three guilds (see startShardProcesses).
    const dbs = await Promise.all(processes.map((p) => openDatabase(p.databaseUrl)));
    closers.push(async () => {
      for (const db of dbs) await closeDatabase(db);
    });
    const all = (i: number, sql: string, ...params: unknown[]) => queryRows(dbs[i]!, sql, ...params);
    expect(await all(1, 'SELECT id FROM guilds ORDER BY id')).toHaveLength(SHARDS);
    // The seeding process identified each of the three shards, then each process its one.
    expect(sandbox.gatewayStats.identifies).toBe(2 * SHARDS);

    // /healthz: each process names its one shard of three, connected.
    for (const [i, p] of processes.entries()) {
      expect(await health(p)).toMatchObject({
        code: 200,
        body: { ok: true, shards: { count: SHARDS, running: [{ id: i, up: true }] } },
      });
    }
    // Only the process of shard 0 keeps the global commands in sync.
    const synced = processes.map((p) =>
      p.log().some((l) => /^slash commands (registered|already in sync)/.test(String(l.msg))),
    );
    expect(synced).toEqual([true, false, false]);
    // Catch-up after start: each process backfilled its own guild and no other.
    // (The backfill runs in the background after start: wait for each process's, then compare.)
    for (const [i, p] of processes.entries()) {
      await waitFor(() => guildsLogged(p, 'backfill done').size > 0, 30_000, `the backfill of shard ${i}`);
      expect(guildsLogged(p, 'backfill done')).toEqual(new Set([guilds[i]!.guild.id]));
    }

    // Events: a message in each guild is stored by its process; commands: the answer comes from its shard.
    const storedBy = async (id: string) => {
      const found = await Promise.all(dbs.map((_, i) => all(i, 'SELECT 1 FROM messages WHERE message_id = ?', id)));
      return found.flatMap((r, i) => (r.length ? [i] : []));
    };
    const said: string[] = [];
    for (const g of guilds) {
      const message = sandbox.say(g.guild.id, g.guild.channels.general!, g.member, `hello from shard ${g.shard}`);
      said.push(message.id);
      await waitFor(
        async () => (await storedBy(message.id)).length > 0,
        10_000,
        `the message on shard ${g.shard} to be stored`,
      );
      const status = await sandbox.runCommand(g.guild.id, g.guild.channels.general!, g.moderator, 'convene status');
      expect(status.content).toContain(
        `Discord shards in this process: ${g.shard} of 3 (all connected) · this server is on shard ${g.shard}`,
      );
      if (g.shard === 1) process.stdout.write(`--- /convene status on shard 1:\n${status.content}\n---\n`);
    }
    expect(await Promise.all(said.map(storedBy))).toEqual([[0], [1], [2]]);

    // Scheduled jobs: every process knows every guild, and runs the jobs of its own only.
    const runsSinceStart = async (i: number) =>
      (await all(i, 'SELECT guild_id, period FROM job_runs WHERE started_at >= ?', clusterStart)) as {
        guild_id: string;
        period: string;
      }[];
    const runsOfAll = () => Promise.all(processes.map((_, i) => runsSinceStart(i)));
    await waitFor(
      async () => (await runsOfAll()).every((runs) => new Set(runs.map((r) => r.period)).size >= 3),
      30_000,
      'three scan periods in every process',
    );
    const ranFor = (await runsOfAll()).map((runs) => [...new Set(runs.map((r) => r.guild_id))]);
    expect(ranFor).toEqual(guilds.map((g) => [g.guild.id]));

    // The process of shard 1 stops: nobody else hears its guild or answers there, the others go on.
    expect(await processes[1]!.stop(), errorsOf(processes[1]!)).toBe(0);
    const [, lonely, other] = guilds;
    const unheard = sandbox.say(lonely!.guild.id, lonely!.guild.channels.general!, lonely!.member, 'anyone?');
    await expect(
      sandbox.runCommand(lonely!.guild.id, lonely!.guild.channels.general!, lonely!.member, 'help'),
    ).rejects.toThrow();
    const heard = sandbox.say(other!.guild.id, other!.guild.channels.general!, other!.member, 'still here');
    await waitFor(async () => (await storedBy(heard.id)).length > 0, 10_000, 'the message on shard 2 to be stored');
    expect(await storedBy(heard.id)).toEqual([2]);
    expect(await storedBy(unheard.id)).toEqual([]);
    for (const p of [processes[0]!, processes[2]!]) expect(await p.stop(), errorsOf(p)).toBe(0);
  }, 90_000);
});

describe('too few shards', () => {
  /** Four guilds on the emulator, which lets a shard hold two (Discord: 2,500): one shard is too few. */
  async function crowded() {
    const sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 1_000, maxGuildsPerShard: 2 });
    closers.push(() => sandbox.close());
    const at = Date.now() - 86_400_000;
    // Even timestamps: with two shards, all four fall on the same one.
    const even = at - (at % 2);
    const guilds = [0, 2, 4, 6].map((k) => sandbox.createGuild({ name: `Crowded ${k}`, at: even + k }));
    expect(new Set(guilds.map((g) => shardOfGuild(g.id, 2))).size).toBe(1);
    return { DISCORD_TOKEN: sandbox.botToken, DISCORD_API_URL: sandbox.apiUrl };
  }

  it('GIVEN more servers than one shard may hold THEN start-up stops with one line naming DISCORD_SHARD_COUNT and the count Discord recommends', async () => {
    const run = await runUntilExit(await crowded(), children);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      "Convene could not start: DISCORD_SHARD_COUNT: Discord requires more shards: one shard may hold at most 2,500 servers and 1 is too few for this bot; set DISCORD_SHARD_COUNT to 2 (Discord's recommendation), and give each process its part with DISCORD_SHARDS",
    ]);
  }, 60_000);

  it('GIVEN two shards in one process and one of them refused THEN start-up stops at once instead of waiting for it', async () => {
    // Killed after 40 s if it hangs (start-up's own deadline is 180 s): then there is no exit code 1.
    const run = await runUntilExit({ ...(await crowded()), DISCORD_SHARD_COUNT: '2' }, children);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^Convene could not start: DISCORD_SHARD_COUNT: Discord requires more shards: .* 2 are too few for this bot; raise DISCORD_SHARD_COUNT/,
    );
  }, 60_000);
});
