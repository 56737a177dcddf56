/**
 * Outbox drain rate through the real Discord sender (discord.js REST) against the emulator, whose
 * global limit is Discord's 50 requests/s: reported as a ratio to that limit, with the 429s seen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { asChannelId, asGuildId } from '../src/events.js';
import { createLogger } from '../src/log.js';
import { enqueue } from '../src/outbox/store.js';
import { startDiscordSandbox } from '../src/sandbox/discord/index.js';
import type { BenchResult } from './result.js';

const ACTIONS = 600;
const CHANNELS = 120;
const GLOBAL_LIMIT = 50;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-'));
  const sandbox = await startDiscordSandbox({
    heartbeatIntervalMs: 5_000,
    rateLimit: { globalPerSecond: GLOBAL_LIMIT },
  });
  try {
    const guild = sandbox.createGuild({
      name: 'Bench',
      channels: Array.from({ length: CHANNELS }, (_, i) => ({ name: `room-${i}`, type: 'text' as const })),
    });
    const config = loadConfig({
      DISCORD_TOKEN: sandbox.botToken,
      DISCORD_API_URL: sandbox.apiUrl,
      DATABASE_URL: `file:${join(dir, 'bench.db')}`,
      LOG_LEVEL: 'silent',
      HTTP_PORT: '0',
    });
    const app = await startApp(config, createLogger('silent'), { runScheduler: false });
    // The drain loop is stopped while the backlog is written, then timed from its first request.
    for (const drain of app.drains) await drain.stop();
    const channelIds = Object.values(guild.channels);
    enqueue(
      app.deps.db,
      Array.from({ length: ACTIONS }, (_, i) => ({
        platform: 'discord' as const,
        guildId: asGuildId(guild.id),
        key: `bench:${i}`,
        action: {
          type: 'message.send' as const,
          channelId: asChannelId(channelIds[i % channelIds.length]!),
          body: { content: `bench message ${i}` },
        },
      })),
      Date.now(),
    );
    const before429 = sandbox.rateLimitHits.user + sandbox.rateLimitHits.global + sandbox.rateLimitHits.shared;
    const started = performance.now();
    const sent = await app.drains[0]!.drainAll();
    const seconds = (performance.now() - started) / 1000;
    const hits = sandbox.rateLimitHits.user + sandbox.rateLimitHits.global + sandbox.rateLimitHits.shared - before429;
    await app.stop();
    const rate = sent / seconds;
    return [
      {
        name: `drain ${ACTIONS} messages over ${CHANNELS} channels`,
        value: rate,
        unit: 'req/s',
        ratio: rate / GLOBAL_LIMIT,
        target: '≥ 0.9× of 50/s',
      },
      { name: '429 responses during the drain', value: hits, unit: '', target: '0' },
    ];
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
