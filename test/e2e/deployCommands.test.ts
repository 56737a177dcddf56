/**
 * `npm run deploy-commands` (src/platforms/discord/deployCommands.ts) as a process, against the
 * Discord emulator: with DISCORD_REST_PROXY set it goes through the proxy every process shares, like
 * the bot does, so its requests count in the one global budget.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { allCommands } from '../../src/app.js';
import { features } from '../../src/features/index.js';
import { createLogger } from '../../src/log.js';
import { commandsJson } from '../../src/platforms/discord/commandData.js';
import { startRestProxy } from '../../src/platforms/discord/restProxy.js';
import { startDiscordSandbox } from '../../src/sandbox/discord/index.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function deployCommands(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/platforms/discord/deployCommands.ts'], {
      env: { ...process.env, DISCORD_TOKEN: '', DISCORD_REST_PROXY: '', DISCORD_API_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const add = (c: Buffer) => {
      output += c.toString();
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('deploy-commands', () => {
  it('GIVEN DISCORD_REST_PROXY THEN the commands are registered through the proxy', async () => {
    const sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 5_000 });
    cleanups.push(() => sandbox.close());
    const proxy = await startRestProxy({
      upstream: sandbox.apiUrl,
      globalPerSecond: 50,
      token: sandbox.botToken,
      log: createLogger('silent'),
    });
    cleanups.push(() => proxy.close());

    const { code, output } = await deployCommands({
      DISCORD_TOKEN: sandbox.botToken,
      // Where a process would reach Discord without the proxy: the proxy must be used instead.
      DISCORD_API_URL: `${sandbox.apiUrl}/not-through-the-proxy`,
      DISCORD_REST_PROXY: proxy.url,
    });

    console.log(output.trim());
    expect(code).toBe(0);
    expect(output).toMatch(
      new RegExp(`^Registered ${commandsJson(allCommands(features)).length} commands globally: /help /convene `),
    );
    // The application lookup and the registration.
    expect(proxy.stats.forwarded).toBe(2);
    expect(sandbox.requests.map((r) => r.route)).toEqual([
      'GET /applications/@me',
      'PUT /applications/:application_id/commands',
    ]);
  }, 60_000);
});
