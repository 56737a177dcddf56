/**
 * Three Convene processes (the real src/main.ts) share one bot by Discord shard, on one database,
 * against the emulator: each guild is heard, answered and scheduled by the process running its shard.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connection.js';
import { type ShardProcess, shardedCommunity, startShardProcesses } from '../helpers/shardCluster.js';
import type { Community } from './harness.js';
import { waitFor } from './harness.js';

let community: Community | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await community?.sandbox.close();
  community = undefined;
});

const SHARDS = 3;

async function health(p: ShardProcess) {
  const response = await fetch(`http://127.0.0.1:${p.port}/healthz`);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

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
    const { sandbox, dbPath } = community;
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
    expect(sandbox.gatewayStats.identifies).toBe(SHARDS);

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
    for (const [i, p] of processes.entries())
      expect(guildsLogged(p, 'backfill done')).toEqual(new Set([guilds[i]!.guild.id]));

    // Events: a message in each guild is stored; commands: the answer comes from the guild's shard.
    const db = openDb(dbPath);
    try {
      const stored = (id: string) => db.$client.prepare('SELECT 1 FROM messages WHERE message_id = ?').get(id);
      for (const g of guilds) {
        const said = sandbox.say(g.guild.id, g.guild.channels.general!, g.member, `hello from shard ${g.shard}`);
        await waitFor(() => stored(said.id), 10_000, `the message on shard ${g.shard} to be stored`);
        const status = await sandbox.runCommand(g.guild.id, g.guild.channels.general!, g.moderator, 'convene status');
        expect(status.content).toContain(
          `Discord shards in this process: ${g.shard} of 3 (all connected) · this server is on shard ${g.shard}`,
        );
        if (g.shard === 1) process.stdout.write(`--- /convene status on shard 1:\n${status.content}\n---\n`);
      }

      // Scheduled jobs: every guild's scans ran in a few periods, each only in its own process.
      const runs = () =>
        processes.flatMap((p, i) =>
          p
            .log()
            .filter((l) => l.msg === 'scheduled job done')
            .map((l) => ({ process: i, guildId: l.guildId, period: l.period })),
        );
      const periodsOf = (guildId: string) =>
        new Set(
          runs()
            .filter((r) => r.guildId === guildId)
            .map((r) => r.period),
        );
      await waitFor(
        () => guilds.every((g) => periodsOf(g.guild.id).size >= 3),
        30_000,
        'three scan periods of every guild',
      );
      const ranBy = guilds.map((g) => [
        ...new Set(
          runs()
            .filter((r) => r.guildId === g.guild.id)
            .map((r) => r.process),
        ),
      ]);
      expect(ranBy).toEqual([[0], [1], [2]]);

      // The process of shard 1 stops: nobody else hears its guild or answers there, the others go on.
      expect(await processes[1]!.stop()).toBe(0);
      const unheard = sandbox.say(
        guilds[1]!.guild.id,
        guilds[1]!.guild.channels.general!,
        guilds[1]!.member,
        'anyone?',
      );
      await expect(
        sandbox.runCommand(guilds[1]!.guild.id, guilds[1]!.guild.channels.general!, guilds[1]!.member, 'help'),
      ).rejects.toThrow();
      const heard = sandbox.say(
        guilds[2]!.guild.id,
        guilds[2]!.guild.channels.general!,
        guilds[2]!.member,
        'still here',
      );
      await waitFor(() => stored(heard.id), 10_000, 'the message on shard 2 to be stored');
      expect(stored(unheard.id)).toBeUndefined();
      for (const p of [processes[0]!, processes[2]!])
        expect(p.log().some((l) => l.guildId === guilds[1]!.guild.id)).toBe(false);
    } finally {
      db.$client.close();
    }
    for (const p of processes) expect(await p.stop()).toBe(0);
  }, 90_000);
});
