/**
 * Discord lets a bot IDENTIFY once per 5 s per bucket (shard id modulo max_concurrency, 1 for most
 * bots) and answers one more with op 9 INVALID_SESSION; each refused start spends one of the day's
 * 1,000 session starts. discord.js queues the identifies of the shards of one process; processes
 * that each run their own shards must take turns across processes, through the store they share.
 * Here three real processes (src/main.ts), one shard each, start at once on one SQLite file against
 * the emulator, which enforces the limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killProcesses, startProcesses, stopProcesses } from '../helpers/processes.js';
import { botEnv, type Community, makeCommunity } from './harness.js';

let community: Community | undefined;
afterEach(async () => {
  await killProcesses();
  await community?.sandbox.close();
  community = undefined;
});

describe('identify limit across processes', () => {
  it('GIVEN three processes with one shard each starting at once THEN they identify in turn: none refused, each shard identified once, all ready', async () => {
    community = await makeCommunity({ identifyLimit: { maxConcurrency: 1, enforce: true } });
    const bots = startProcesses(3, {
      env: botEnv(community, { DISCORD_SHARD_COUNT: '3', LOG_LEVEL: 'info' }),
      envOf: (i) => ({ DISCORD_SHARDS: String(i) }),
    });
    const ready = await Promise.allSettled(bots.map((b) => b.ready));
    const stats = { ...community.sandbox.gatewayStats };
    const exits = await stopProcesses(bots);
    console.log(
      JSON.stringify({
        identifies: stats.identifies,
        identifiesTooSoon: stats.identifiesTooSoon,
        ready: ready.map((r) => r.status),
        exits,
      }),
    );
    expect(ready.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(stats.identifiesTooSoon).toBe(0);
    expect(stats.identifies).toBe(3);
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
  }, 90_000);
});
