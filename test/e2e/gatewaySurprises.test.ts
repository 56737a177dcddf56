/**
 * What a Discord-compatible server may do that the happy path never shows, against the real bot
 * (startApp, the real discord.js client) and the emulator: payloads nobody expected, a refused or
 * rate-limited command registration, and a gateway that will not connect.
 */
import { REST, Routes } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, allCommands, startApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { features } from '../../src/features/index.js';
import { createLogger } from '../../src/log.js';
import { commandsJson } from '../../src/platforms/discord/commandData.js';
import { botEnv, type Community, makeCommunity, rows, waitFor } from './harness.js';

let community: Community | undefined;
let app: App | undefined;
/**
 * What would end a real process: discord.js emits events from an async packet handler, so a throwing
 * handler becomes an unhandled rejection, fatal in Node by default. Recorded here instead.
 */
let crashes: unknown[] = [];
const crashed = (error: unknown) => crashes.push(error);
beforeEach(() => {
  crashes = [];
  process.on('unhandledRejection', crashed);
  process.on('uncaughtException', crashed);
});
afterEach(async () => {
  process.off('unhandledRejection', crashed);
  process.off('uncaughtException', crashed);
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

type LogLine = Record<string, unknown> & { msg: string; level: number };
let logLines: LogLine[] = [];

async function start(options: Parameters<typeof startApp>[2] = {}): Promise<App> {
  // Each start logs into its own array: a client left over from another test cannot write here.
  const lines: LogLine[] = [];
  logLines = lines;
  const config = loadConfig(botEnv(community!, { LOG_LEVEL: 'info' }));
  const log = createLogger('info', {
    write(line: string) {
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  return startApp(config, log, { runScheduler: false, drain: { idleMs: 50, leaseMs: 2_000 }, ...options });
}

const stored = async (app: App, messageId: string) =>
  (await rows(app, 'SELECT message_id FROM messages WHERE message_id = ?', messageId))[0];

async function healthz(app: App): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${app.httpPort}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('payloads nobody expected', () => {
  it('GIVEN a CHANNEL_CREATE for a DM channel (no guild) THEN the bot ignores it and goes on storing messages', async () => {
    community = await makeCommunity();
    app = await start();
    const { sandbox, guild, members } = community;
    sandbox.dispatchRaw('CHANNEL_CREATE', {
      id: '1300000000000000001',
      type: 1,
      last_message_id: null,
      flags: 0,
      recipients: [{ id: members.bob, username: 'bob', discriminator: '0', global_name: 'Bob', avatar: null }],
    });
    const said = sandbox.say(guild.id, guild.channels.general!, members.cyd!, 'still listening after the DM channel?');
    await waitFor(() => stored(app!, said.id), 10_000, 'the message after the DM channel');
    expect(crashes).toEqual([]);
    expect(logLines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('GIVEN a MESSAGE_CREATE without an author THEN the failure is logged with the event name and the next message is stored', async () => {
    community = await makeCommunity();
    app = await start();
    const { sandbox, guild, members } = community;
    sandbox.dispatchRaw(
      'MESSAGE_CREATE',
      {
        id: '1300000000000000002',
        channel_id: guild.channels.general,
        guild_id: guild.id,
        content: 'a message from nobody',
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        pinned: false,
        type: 0,
      },
      guild.id,
    );
    const said = sandbox.say(guild.id, guild.channels.general!, members.cyd!, 'and a message from someone');
    await waitFor(() => stored(app!, said.id), 10_000, 'the message after the authorless one');
    expect(crashes).toEqual([]);
    const failures = logLines.filter((l) => l.level >= 50);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ event: 'messageCreate' });
    expect(failures[0]!.msg).toContain('messageCreate');
  });
});

describe('the command registration refused', () => {
  /** Every command but /meet, as registered by an older version of the bot. */
  async function registerOlderCommands(community: Community) {
    const older = commandsJson(allCommands(features)).filter((c) => c.name !== 'meet');
    await new REST({ api: community.sandbox.apiUrl })
      .setToken(community.sandbox.botToken)
      .put(Routes.applicationCommands(community.sandbox.applicationId), { body: older });
  }

  it('GIVEN Discord answers the update with 400 THEN the bot starts on the older commands, says so, and registers them on a retry', async () => {
    community = await makeCommunity();
    await registerOlderCommands(community);
    community.sandbox.forceFailure({
      route: /^PUT \/applications\/\d+\/commands$/,
      status: 400,
      body: { code: 50035, message: 'Invalid Form Body', errors: { 3: { name: { _errors: [] } } } },
      count: 2,
    });
    app = await start({ discord: { commandSyncRetry: { firstMs: 500 } } });
    const { sandbox, guild, moderator } = community;
    expect(sandbox.commands().map((c) => c.name)).not.toContain('meet');

    const down = await healthz(app);
    expect(down.status).toBe(503);
    expect(down.body.problems).toEqual({ commands: expect.stringMatching(/refused the slash command update \(400/) });
    const status = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene status');
    expect(status.content).toMatch(/⚠️ Discord refused the slash command update \(400: Invalid Form Body\)/);
    expect(status.content).toContain('the commands registered before stay in place');

    // The second refusal, then the third attempt goes through.
    await waitFor(() => sandbox.commands().some((c) => c.name === 'meet'), 10_000, 'the retried registration');
    expect((await healthz(app)).status).toBe(200);
    const warnings = logLines.filter((l) => /slash commands: Discord refused/.test(l.msg));
    expect(warnings.map((w) => w.nextAttemptInMs)).toEqual([500, 1_000]);
    expect(logLines.some((l) => /registered after Discord refused/.test(l.msg))).toBe(true);
  });

  it('GIVEN the update is rate-limited for an hour THEN start-up does not wait for it and /healthz says so', async () => {
    community = await makeCommunity();
    await registerOlderCommands(community);
    community.sandbox.forceRateLimit({ count: 1, retryAfter: 3600, route: /^PUT \/applications\/\d+\/commands$/ });
    const started = Date.now();
    app = await start();
    expect(Date.now() - started).toBeLessThan(20_000);
    const { body } = await healthz(app);
    expect(body.problems).toEqual({
      commands: expect.stringMatching(/rate-limited for 3600 s.*next attempt in 3600 s/),
    });
  });
});

describe('a gateway that will not connect', () => {
  it('GIVEN every gateway connection is cut THEN start-up logs each attempt with a growing wait and gives up with one line', async () => {
    community = await makeCommunity();
    community.sandbox.refuseGatewayConnections(true);
    const error = await start({
      discord: { gatewayRetry: { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 1_000, loginTimeoutMs: 60_000 } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('DISCORD_API_URL');
    expect((error as Error).message).toMatch(/no Discord gateway session after 4 failed attempts/);
    expect((error as Error).message).toContain(community.sandbox.apiUrl);

    const attempts = logLines.filter((l) => /discord gateway/.test(l.msg));
    expect(attempts.map((l) => l.nextAttemptInMs)).toEqual([0, 200, 400]);
    const refused = community.sandbox.gatewayStats.refused;
    expect(refused).toBe(4);
    // Given up means given up: no attempt after the error.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(community.sandbox.gatewayStats.refused).toBe(refused);
  });

  it('GIVEN no session is ready before the login deadline THEN start-up gives up with one line', async () => {
    community = await makeCommunity();
    community.sandbox.refuseGatewayConnections(true);
    const error = await start({
      discord: { gatewayRetry: { maxAttempts: 1_000, baseDelayMs: 100, maxDelayMs: 100, loginTimeoutMs: 1_500 } },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^DISCORD_API_URL: no Discord gateway session within 1.5 s/);
  });

  it('GIVEN a running bot whose gateway goes away THEN it backs off, reports the problem after the limit, and recovers', async () => {
    community = await makeCommunity();
    app = await start({ discord: { gatewayRetry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 400 } } });
    const { sandbox, guild, members } = community;
    sandbox.refuseGatewayConnections(true);
    sandbox.disconnectAll();
    const since = Date.now();
    await waitFor(
      () => logLines.some((l) => /Convene keeps trying every/.test(l.msg)),
      10_000,
      'the gateway problem to be reported',
    );
    const down = await healthz(app);
    expect(down.status).toBe(503);
    expect(down.body.problems).toEqual({ gateway: expect.stringMatching(/refused or dropped 3 connection attempts/) });
    // Backed off: not a retry every half second.
    await new Promise((r) => setTimeout(r, 1_000));
    const seconds = (Date.now() - since) / 1000;
    expect(sandbox.gatewayStats.refused).toBeLessThanOrEqual(Math.ceil(seconds / 0.4) + 2);

    sandbox.refuseGatewayConnections(false);
    await waitFor(() => logLines.some((l) => /connected again after/.test(l.msg)), 10_000, 'the reconnection');
    expect((await healthz(app)).body.problems).toBeUndefined();
    const said = sandbox.say(guild.id, guild.channels.general!, members.dee!, 'back online?');
    await waitFor(() => stored(app!, said.id), 10_000, 'a message after the reconnection');
  });

  it('GIVEN Discord ends a running session for good (4004) THEN the log and /healthz say that nothing is heard any more', async () => {
    community = await makeCommunity();
    app = await start();
    community.sandbox.disconnectAll(4004);
    await waitFor(() => app!.deps.status.problems?.gateway, 10_000, 'the gateway problem');
    const { status, body } = await healthz(app);
    expect(status).toBe(503);
    expect(body.problems).toEqual({
      gateway: expect.stringMatching(/ended the gateway session for good \(code 4004, authentication failed\)/),
    });
    expect(logLines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([
      expect.stringMatching(/^discord gateway: Discord ended the gateway session for good/),
    ]);
  });

  it('GIVEN Discord asks for a reconnect (op 7) THEN the bot resumes quietly: no warning, no failed attempt, no problem', async () => {
    community = await makeCommunity();
    app = await start();
    const { resumes } = community.sandbox.gatewayStats;
    community.sandbox.sendReconnect();
    await waitFor(() => community!.sandbox.gatewayStats.resumes > resumes, 10_000, 'the resume');
    await new Promise((r) => setTimeout(r, 200));
    expect(logLines.filter((l) => l.level >= 40)).toEqual([]);
    expect(logLines.filter((l) => /discord gateway/.test(l.msg))).toEqual([]);
    expect(app.deps.status.problems ?? {}).toEqual({});
  });
});
