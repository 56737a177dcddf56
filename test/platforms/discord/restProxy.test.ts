/**
 * The REST proxy (src/platforms/discord/restProxy.ts, @discordjs/proxy) in this process, between
 * real discord.js REST clients and the Discord emulator.
 */
import { request } from 'node:http';
import { HTTPError, REST, Routes } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/log.js';
import { type RestProxy, startRestProxy } from '../../../src/platforms/discord/restProxy.js';
import { type DiscordSandbox, startDiscordSandbox } from '../../../src/sandbox/discord/index.js';

const log = createLogger('silent');
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: Parameters<typeof startDiscordSandbox>[0] = {}) {
  const sandbox: DiscordSandbox = await startDiscordSandbox({ heartbeatIntervalMs: 5_000, ...options });
  cleanups.push(() => sandbox.close());
  const guild = sandbox.createGuild({ name: 'Proxy', channels: [{ name: 'general', type: 'text' }] });
  const proxy: RestProxy = await startRestProxy({
    upstream: sandbox.apiUrl,
    globalPerSecond: 50,
    token: sandbox.botToken,
    log,
  });
  cleanups.push(() => proxy.close());
  /** A bot process's REST client, pointed at the proxy. */
  const client = () => new REST({ api: proxy.url, retries: 0 }).setToken(sandbox.botToken);
  return { sandbox, proxy, client, channelId: guild.channels.general! };
}

/**
 * Each client posts once (a running client has learned the channel's bucket: @discordjs/rest finds a
 * bucket's limits in the first answer, and a first burst on an unknown bucket can meet one 429 even
 * alone), then both post 6 messages at once.
 */
async function postTogether(clients: REST[], channelId: string): Promise<void> {
  for (const [i, c] of clients.entries())
    await c.post(Routes.channelMessages(channelId), { body: { content: `hello ${i}` } });
  await new Promise((r) => setTimeout(r, 450));
  await Promise.all(
    clients.flatMap((c, i) =>
      Array.from({ length: 6 }, (_, n) =>
        c.post(Routes.channelMessages(channelId), { body: { content: `${i}:${n}` } }),
      ),
    ),
  );
}

describe('REST proxy', () => {
  it('GIVEN Discord answers a 429 THEN the proxy waits, sends the same body again, and the caller never sees the 429', async () => {
    const { sandbox, proxy, client, channelId } = await setUp();
    sandbox.forceRateLimit({ count: 1, retryAfter: 0.2, route: 'POST /channels/' });
    const rest = client();
    const statuses: number[] = [];
    rest.on('response', (_request, response) => statuses.push(response.status));
    await rest.post(Routes.channelMessages(channelId), { body: { content: 'After a 429' } });
    expect(sandbox.rateLimitHits.forced).toBe(1);
    expect(proxy.stats.upstream429).toBe(1);
    expect(statuses).toEqual([200]);
    expect(sandbox.messagesIn(channelId).map((m) => m.content)).toEqual(['After a 429']);
  });

  it('GIVEN two processes posting in one channel at once THEN the proxy keeps that channel one bucket: no route 429', async () => {
    const { sandbox, client, channelId } = await setUp({
      rateLimit: { routes: { 'POST /channels/:channel_id/messages': { limit: 2, windowMs: 400 } } },
    });
    await postTogether([client(), client()], channelId);
    expect(sandbox.rateLimitHits.user).toBe(0);
    expect(sandbox.messagesIn(channelId)).toHaveLength(14);
  });

  it('GIVEN the same two processes straight to the emulator THEN they run into the channel bucket (what the proxy prevents)', async () => {
    const { sandbox, channelId } = await setUp({
      rateLimit: { routes: { 'POST /channels/:channel_id/messages': { limit: 2, windowMs: 400 } } },
    });
    const direct = () => new REST({ api: sandbox.apiUrl, retries: 0 }).setToken(sandbox.botToken);
    await postTogether([direct(), direct()], channelId);
    expect(sandbox.rateLimitHits.user).toBeGreaterThan(0);
    expect(sandbox.messagesIn(channelId)).toHaveLength(14);
  });

  it('GIVEN a message with a file (the digest chart) THEN it passes the proxy whole', async () => {
    const { sandbox, client, channelId } = await setUp();
    const data = Buffer.from('not really a png, but 27 b.');
    await client().post(Routes.channelMessages(channelId), {
      body: { content: 'This week', attachments: [{ id: 0, filename: 'chart.png' }] },
      files: [{ name: 'chart.png', data, contentType: 'image/png' }],
    });
    const [message] = sandbox.messagesIn(channelId);
    expect(message?.content).toBe('This week');
    expect(message?.attachments.map((a) => [a.filename, a.size])).toEqual([['chart.png', data.length]]);
  });

  it('GIVEN a caller gives up on a request still waiting for its bucket THEN the proxy never sends it', async () => {
    const { sandbox, client, channelId } = await setUp({
      rateLimit: { routes: { 'POST /channels/:channel_id/messages': { limit: 1, windowMs: 1_500 } } },
    });
    await client().post(Routes.channelMessages(channelId), { body: { content: 'first' } });
    const impatient = new REST({ api: client().options.api, retries: 0, timeout: 300 }).setToken(sandbox.botToken);
    const error = await impatient
      .post(Routes.channelMessages(channelId), { body: { content: 'given up' } })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    // Past the bucket's reset: a request still queued at the proxy would have gone out by now.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sandbox.messagesIn(channelId).map((m) => m.content)).toEqual(['first']);
  });

  it('GIVEN Discord cannot be reached from the proxy THEN the caller gets a 502 to retry, never an empty success', async () => {
    const { sandbox, client, channelId } = await setUp();
    await sandbox.close();
    const error = await client()
      .post(Routes.channelMessages(channelId), { body: { content: 'Nobody hears this' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).status).toBe(502);
  });

  it('GIVEN a request with another token, or none where Discord wants one THEN the proxy refuses it itself and Discord never sees it', async () => {
    const { sandbox, proxy, channelId } = await setUp();
    const seen = sandbox.requests.length;
    const attempts: { path: string; init: RequestInit }[] = [
      { path: '/v10/users/@me', init: { headers: { authorization: 'Bot not.the.bots-token' } } },
      {
        path: `/v10/channels/${channelId}/messages`,
        init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content":"@everyone"}' },
      },
    ];
    const answers = [];
    for (const { path, init } of attempts) {
      const response = await fetch(`${proxy.url}${path}`, init);
      answers.push({ status: response.status, body: await response.json() });
    }
    console.log('a stranger at the proxy reads:', answers[0]?.body);
    expect(answers.map((a) => a.status)).toEqual([401, 401]);
    // Not one request on the bot's budget or its address's invalid-request count at Discord.
    expect(sandbox.requests.slice(seen)).toEqual([]);
    expect(sandbox.messagesIn(channelId)).toEqual([]);
    expect(proxy.stats.refused).toBe(2);
  });

  it('GIVEN an interaction callback (it carries the interaction token in its path, no bot token) THEN it is forwarded', async () => {
    const { sandbox, proxy } = await setUp();
    const seen = sandbox.requests.length;
    const response = await fetch(`${proxy.url}/v10/interactions/1234/not-a-live-token/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 4, data: { content: 'hi' } }),
    });
    // The emulator, not the proxy, answers: it knows no such interaction.
    expect(sandbox.requests.slice(seen).map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /interactions/1234/not-a-live-token/callback',
    ]);
    expect(response.status).not.toBe(401);
  });

  it('GIVEN a method Discord has no route for (TRACE) THEN the proxy answers 405 and forwards nothing', async () => {
    const { sandbox, proxy } = await setUp();
    const seen = sandbox.requests.length;
    // fetch refuses to send TRACE: a plain HTTP request does.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const url = new URL(`${proxy.url}/v10/users/@me`);
      request(url, { method: 'TRACE', headers: { authorization: `Bot ${sandbox.botToken}` } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(405);
    expect(sandbox.requests.slice(seen)).toEqual([]);
  });
});
