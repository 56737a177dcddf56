import { describe, expect, it } from 'vitest';
import { makeDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { GuildId } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import type { JobDefinition } from '../../src/scheduler/job.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ownsGuild, shardOfGuild } from '../../src/shards.js';
import { makeTestDb } from '../helpers/db.js';

/** Guilds whose snowflakes put them on shards 1, 2, 0, 1 of 3, and a forum. */
const discordGuilds = [0, 1, 2, 3].map((ms) => String(BigInt(1_000_000 + ms) << 22n));
const forum = 'discourse:forum.example';

/** One shared database, and one scheduler per process as main.ts builds it from DISCORD_SHARDS. */
function processes(shardsPerProcess: string[]) {
  const db = makeTestDb();
  const insert = db.$client.prepare(
    "INSERT INTO guilds (id, platform, name, settings, created_at, updated_at) VALUES (?, ?, 'G', '{}', 0, 0)",
  );
  for (const id of discordGuilds) insert.run(id, 'discord');
  insert.run(forum, 'discourse');
  const runs: { process: number; guildId: GuildId }[] = [];
  const schedulers = shardsPerProcess.map((shards, index) => {
    const config = loadConfig({ DISCORD_SHARD_COUNT: '3', DISCORD_SHARDS: shards });
    const deps = makeDeps(config, db, createLogger('silent'), () => {});
    const job: JobDefinition = {
      name: 'test.scan',
      schedule: { kind: 'scan' },
      run(_deps, guildId) {
        runs.push({ process: index, guildId });
      },
    };
    return new Scheduler(deps, [job], {
      scanIntervalMs: 300_000,
      tickMs: 1000,
      now: () => 0,
      owns: (guild) => ownsGuild(config.discordShards, guild),
    });
  });
  return { schedulers, runs };
}

describe('Scheduler with shards', () => {
  it('GIVEN three processes with one shard each THEN each guild is scanned once, by the process of its shard', async () => {
    const { schedulers, runs } = processes(['0', '1', '2']);
    // Each process ticks the same period; the first to tick must not take the others' guilds.
    for (const scheduler of schedulers) await scheduler.tick(1_000);
    const byGuild = new Map<string, number[]>();
    for (const run of runs) byGuild.set(run.guildId, [...(byGuild.get(run.guildId) ?? []), run.process]);
    expect(Object.fromEntries(byGuild)).toEqual({
      [discordGuilds[0]!]: [1],
      [discordGuilds[1]!]: [2],
      [discordGuilds[2]!]: [0],
      [discordGuilds[3]!]: [1],
      // A forum has no shard: the process running shard 0 takes it.
      [forum]: [0],
    });
    for (const id of discordGuilds) expect(byGuild.get(id)).toEqual([shardOfGuild(id, 3)]);
  });

  it('GIVEN a process running shards 1 and 2 THEN it scans their guilds and leaves the forum to shard 0', async () => {
    const { schedulers, runs } = processes(['1-2']);
    await schedulers[0]!.tick(1_000);
    expect(runs.map((r) => r.guildId).sort()).toEqual([discordGuilds[0], discordGuilds[1], discordGuilds[3]].sort());
  });
});

describe('Scheduler while a guild catches up', () => {
  it('GIVEN a guild whose history is still being read THEN its jobs wait, the others run, and it runs at the first tick after', async () => {
    const db = makeTestDb();
    const insert = db.$client.prepare(
      "INSERT INTO guilds (id, platform, name, settings, created_at, updated_at) VALUES (?, 'discord', 'G', '{}', 0, 0)",
    );
    for (const id of discordGuilds) insert.run(id);
    const ran: string[] = [];
    const reading = new Set([discordGuilds[1]!]);
    const scheduler = new Scheduler(
      makeDeps(loadConfig({}), db, createLogger('silent'), () => {}),
      [{ name: 'test.scan', schedule: { kind: 'scan' }, run: (_deps, guildId) => void ran.push(guildId) }],
      { scanIntervalMs: 300_000, tickMs: 1000, now: () => 0, waits: (guildId) => reading.has(guildId) },
    );
    await scheduler.tick(1_000);
    expect(ran.sort()).toEqual([discordGuilds[0], discordGuilds[2], discordGuilds[3]].sort());
    reading.clear();
    // Same period: the guild that waited runs now, the others do not run twice.
    await scheduler.tick(2_000);
    expect(ran.filter((id) => id === discordGuilds[1])).toHaveLength(1);
    expect(ran).toHaveLength(4);
  });
});
