/**
 * One rate limit for the whole bot: Discord's global limit (50 requests/s) counts per bot token, so
 * several Convene processes send through one REST proxy (`npm run proxy`) that keeps the budget.
 * Real processes (src/main.ts, src/proxy.ts) against the emulator, which enforces the global limit
 * and route buckets and counts every 429.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { databaseOf } from '../../src/commands.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import { enqueueOn } from '../../src/outbox/store.js';
import { type RestProxy, startRestProxy } from '../../src/platforms/discord/restProxy.js';
import { tempDir } from '../helpers/db.js';
import { type Cluster, drainFigures, fillOutboxes, startCluster } from '../helpers/proxyCluster.js';
import { type Community, makeCommunity, newDatabaseUrl, rows, startBot, waitFor } from './harness.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function health(app: App): Promise<{ status: number; body: { ok: boolean; problems?: Record<string, string> } }> {
  const response = await fetch(`http://127.0.0.1:${app.httpPort}/healthz`);
  return { status: response.status, body: (await response.json()) as { ok: boolean } };
}

/** Poll an asynchronous check (harness.waitFor takes synchronous ones). */
async function until<T>(check: () => Promise<T | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port nothing listens on (taken and released at once). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** src/main.ts as a child; resolves with its exit code and what it wrote on stderr. */
function runMain(env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DISCORD|DISCOURSE|CONVENE)_/.test(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...clean, DATABASE_URL: 'file::memory:', HTTP_PORT: '0', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return new Promise((resolve) =>
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    }),
  );
}

describe('one REST budget for many processes', () => {
  it('GIVEN DISCORD_REST_PROXY where no proxy listens THEN start-up stops with one line naming the variable', async () => {
    const port = await freePort();
    const run = await runMain({ DISCORD_TOKEN: 'a.b.c', DISCORD_REST_PROXY: `http://127.0.0.1:${port}/api` });
    console.info(run.stderr.trim());
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      `Convene could not start: DISCORD_REST_PROXY: could not reach http://127.0.0.1:${port}/api (ECONNREFUSED): start the proxy there (npm run proxy) or fix the address`,
    ]);
  }, 60_000);

  it('GIVEN 4 Convene processes draining 1,000 messages together through the REST proxy THEN the emulator answers no 429 and every message arrives exactly once', async () => {
    // Each process has a database of its own (of the run's engine), so each drains its own backlog.
    const databaseUrls = await Promise.all([0, 1, 2, 3].map(() => newDatabaseUrl(join(tempDir(), 'convene.db'))));
    const cluster: Cluster = await startCluster({ processes: 4, viaProxy: true, databaseUrls });
    cleanups.push(() => cluster.stop());
    // The emulator counts a second by when it handles requests: if this process stalls (a loaded
    // machine), requests pile up and are counted together. Printed so a failure can be read.
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    stalls.enable();
    const backlog = await fillOutboxes(cluster, 250);
    const figures = await drainFigures(cluster, backlog, 90_000);
    stalls.disable();
    console.info(
      `4 processes through the proxy: ${JSON.stringify(figures)}; emulator stalled up to ${Math.round(stalls.max / 1e6)} ms`,
    );
    expect(figures.rateLimited).toEqual({ global: 0, route: 0, shared: 0 });
    expect(figures).toMatchObject({ delivered: 1_000, duplicates: 0, missing: 0 });
    // The proxy never had to wait out a 429 on anyone's behalf either.
    const status = (await (await fetch(cluster.proxy!.url.replace(/\/api$/, '/healthz'))).json()) as {
      upstream429: number;
      forwarded: number;
    };
    expect(status.upstream429).toBe(0);
    expect(status.forwarded).toBeGreaterThanOrEqual(1_000);
  }, 150_000);

  it('GIVEN the proxy stops answering THEN /healthz names it, the message waits without using up its attempts, and goes out once when the proxy is back', async () => {
    const community: Community = await makeCommunity();
    cleanups.push(() => community.sandbox.close());
    const log = createLogger('silent');
    const port = await freePort();
    let proxy: RestProxy = await startRestProxy({
      upstream: community.sandbox.apiUrl,
      token: community.sandbox.botToken,
      globalPerSecond: 50,
      port,
      log,
    });
    cleanups.push(() => proxy.close());
    const bot = await startBot(community, { DISCORD_REST_PROXY: proxy.url });
    cleanups.push(() => bot.stop());
    expect((await health(bot)).status).toBe(200);

    await proxy.close();
    const channelId = community.guild.channels.general!;
    await enqueueOn(
      databaseOf(bot.deps),
      [
        {
          platform: 'discord',
          guildId: asGuildId(community.guild.id),
          key: 'proxy-down:1',
          action: {
            type: 'message.send',
            channelId: asChannelId(channelId),
            body: { content: 'Sent after the outage' },
          },
        },
      ],
      Date.now(),
    );
    for (const drain of bot.drains) drain.wake();
    const down = await until(
      async () => {
        const h = await health(bot);
        return h.status === 503 ? h : null;
      },
      10_000,
      '/healthz to report the proxy',
    );
    const problem = down.body.problems?.['rest-proxy'];
    console.info(`/healthz while the proxy is down: ${problem}`);
    expect(problem).toContain(`cannot reach its Discord REST proxy at ${proxy.url} (ECONNREFUSED)`);
    // Tried twice while the proxy is down (5 s apart) and kept: the tries are not counted as attempts.
    await waitFor(() => bot.drains[0]!.stats.retried >= 2, 20_000, 'a second try');
    const [row] = await rows(bot, "SELECT status, attempts, last_error FROM outbox WHERE key = 'proxy-down:1'");
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.attempts).toBeLessThanOrEqual(1);
    expect(row!.last_error).toMatch(/REST proxy .* is unreachable \(ECONNREFUSED\)/);

    proxy = await startRestProxy({
      upstream: community.sandbox.apiUrl,
      token: community.sandbox.botToken,
      globalPerSecond: 50,
      port,
      log,
    });
    await waitFor(
      () => community.sandbox.messagesIn(channelId).some((m) => m.content === 'Sent after the outage'),
      20_000,
      'the message to go out',
    );
    await until(async () => (await health(bot)).status === 200, 10_000, '/healthz to be green again');
    expect(community.sandbox.messagesIn(channelId).filter((m) => m.content === 'Sent after the outage')).toHaveLength(
      1,
    );
    expect((await rows(bot, "SELECT status FROM outbox WHERE key = 'proxy-down:1'"))[0]).toEqual({ status: 'done' });
  }, 60_000);
});
