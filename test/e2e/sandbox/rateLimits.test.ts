/**
 * Discord-style rate limits against discord.js's REST client: bucket headers it plans with, forced
 * 429s it retries, and a global limit it must back off from — with every 429 counted by scope.
 */
import { ChannelType, Routes, type TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type DiscordSandbox, startDiscordSandbox } from '../../../src/sandbox/discord/index.js';
import { connectClient, destroyClients } from '../../helpers/discordClient.js';

let sandbox: DiscordSandbox | undefined;

afterEach(async () => {
  await destroyClients();
  await sandbox?.close();
  sandbox = undefined;
});

async function setup(options: Parameters<typeof startDiscordSandbox>[0]) {
  sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 500, ...options });
  const guild = sandbox.createGuild({ name: 'G', channels: [{ name: 'general', type: 'text' }] });
  const client = await connectClient(sandbox);
  const channel = client.channels.cache.get(guild.channels.general!);
  if (channel?.type !== ChannelType.GuildText) throw new Error('no text channel');
  return { sandbox, client, channel: channel as TextChannel };
}

describe('rate limits', () => {
  it('GIVEN a route bucket THEN responses carry X-RateLimit-* headers and the bucket runs out', async () => {
    const { sandbox: s, channel } = await setup({
      rateLimit: { routes: { 'POST /channels/:channel_id/messages': { limit: 2, windowMs: 60_000 } } },
    });
    const post = () =>
      fetch(`${s.apiUrl}/v10/channels/${channel.id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bot ${s.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'hi', allowed_mentions: { parse: [] } }),
      });

    const first = await post();
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(first.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{16}$/);
    expect(Number(first.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(59);
    await post();
    const limited = await post();

    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(59);
    expect(await limited.json()).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect(s.rateLimitHits.user).toBe(1);
  });

  it('GIVEN a 5-per-window channel bucket WHEN discord.js sends 8 messages THEN it waits on the headers and never gets a 429', async () => {
    const { sandbox: s, channel } = await setup({
      rateLimit: { routes: { 'POST /channels/:channel_id/messages': { limit: 5, windowMs: 400 } } },
    });
    const started = Date.now();

    await Promise.all(
      Array.from({ length: 8 }, (_, i) => channel.send({ content: `m${i}`, allowedMentions: { parse: [] } })),
    );

    expect(s.messagesIn(channel.id)).toHaveLength(8);
    expect(s.rateLimitHits.user + s.rateLimitHits.global).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('GIVEN two forced 429s on create message WHEN discord.js sends THEN it retries after retry_after and the message is created once', async () => {
    const { sandbox: s, channel } = await setup({});
    s.forceRateLimit({ count: 2, retryAfter: 0.05, route: `POST /channels/${channel.id}/messages` });

    const sent = await channel.send({ content: 'eventually', allowedMentions: { parse: [] } });

    const attempts = s.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channel.id}/messages`);
    expect(attempts.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(s.rateLimitHits.forced).toBe(2);
    expect(s.messagesIn(channel.id).map((m) => m.id)).toEqual([sent.id]);
  });

  it('GIVEN a global limit of 5/s WHEN discord.js bursts 12 requests THEN it gets global 429s, backs off, and all succeed', async () => {
    const { sandbox: s, client } = await setup({ rateLimit: { globalPerSecond: 5 } });

    const users = await Promise.all(Array.from({ length: 12 }, () => client.rest.get(Routes.user('@me'))));

    expect(users).toHaveLength(12);
    expect(s.rateLimitHits.global).toBeGreaterThan(0);
    const hit = s.rateLimitHits.hits.find((h) => h.scope === 'global')!;
    expect(hit.retryAfter).toBeLessThanOrEqual(1);
    const ok = s.requests.filter((r) => r.path === '/users/@me' && r.status === 200);
    expect(ok).toHaveLength(12);
  });
});
