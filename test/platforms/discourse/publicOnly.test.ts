/**
 * Forums connected by command reach public addresses only, at every connection and not only when
 * they are probed: a forum that redirects, or whose name resolves to a private address later (DNS
 * rebinding), must not make Convene send requests into the network it runs in. Real HTTP servers on
 * loopback stand for the forum (127.0.0.2, "public" by the rule the probe tests pass) and for a
 * service inside that network (127.0.0.1).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../../src/commands.js';
import { loadConfig } from '../../../src/config.js';
import { features } from '../../../src/features/index.js';
import { connectOwnForum, probeWords } from '../../../src/features/links/forums.js';
import { Ingestor } from '../../../src/ingest/ingestor.js';
import { createLogger } from '../../../src/log.js';
import { DiscourseClient } from '../../../src/platforms/discourse/client.js';
import { ForumRuntimes } from '../../../src/platforms/discourse/forums.js';
import { probeForum } from '../../../src/platforms/discourse/probe.js';
import { publicOnlyFetch } from '../../../src/platforms/discourse/publicOnly.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { makeTestDb } from '../../helpers/db.js';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(server: Server, host: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/** A service inside the network (an admin panel, the cloud metadata service…): answers like a forum would. */
async function internalService() {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} api-key=${req.headers['api-key'] ?? '-'}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      req.url?.startsWith('/site/basic-info')
        ? JSON.stringify({ title: 'Internal admin panel' })
        : JSON.stringify({ user: { id: 1, username: 'convene' }, users: [] }),
    );
  });
  return { url: await listen(server, '127.0.0.1'), port: (server.address() as AddressInfo | null)?.port, requests };
}

/** A "forum" on a public address that sends every request on to `target`. */
async function redirector(target: (path: string) => string) {
  const server = createServer((req, res) => {
    res.writeHead(302, { location: target(req.url ?? '/') });
    res.end();
  });
  return listen(server, '127.0.0.2');
}

/** The rule of these tests: the forum's address is public, every other one is private. */
const onlyTheForumIsPublic = (address: string) => address !== '127.0.0.2';
const settings = (url: string) => ({ url, apiUsername: 'convene', apiKey: 'a-real-looking-api-key-0001' });

describe('forums connected by command reach public addresses only', () => {
  it('GIVEN a forum that redirects to an address inside the network THEN the probe refuses it and nothing reaches that address', async () => {
    const internal = await internalService();
    const forum = await redirector((path) => `${internal.url}${path}`);
    const result = await probeForum(settings(forum), { allowPrivate: false, blocked: onlyTheForumIsPublic });
    expect(internal.requests).toEqual([]);
    expect(result).toEqual({ ok: false, problem: 'private-address', detail: '127.0.0.1' });
    const words = probeWords(result as Extract<typeof result, { ok: false }>, forum, 'convene');
    console.log(`[moderator reads] ${words}`);
    expect(words).toMatch(/leads to a private or local address \(127\.0\.0\.1\)/);
  });

  it('GIVEN a forum that redirects to a name resolving inside the network (localhost) THEN nothing reaches it either', async () => {
    const internal = await internalService();
    const forum = await redirector((path) => `http://localhost:${internal.port}${path}`);
    const result = await probeForum(settings(forum), { allowPrivate: false, blocked: onlyTheForumIsPublic });
    expect(internal.requests).toEqual([]);
    expect(result).toEqual({
      ok: false,
      problem: 'private-address',
      detail: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
    });
  });

  function world(env: Record<string, string> = {}) {
    const deps: Deps = {
      db: makeTestDb(),
      config: loadConfig({ CONVENE_SECRET_KEY: randomBytes(32).toString('base64'), ...env }),
      log: createLogger('silent'),
      status: { startedAt: T0, platforms: {}, intents: { messageContent: true, guildMembers: true } },
      wakeOutbox: () => {},
      // The forum's address was public when it was connected (the probe passed).
      probeForum: async () => ({ ok: true, title: 'Forum Example' }),
    };
    const ingestor = new Ingestor(deps, features);
    cleanups.push(() => ingestor.close());
    return { deps, runtimes: new ForumRuntimes({ deps, ingestor, features, now: () => T0, rejected: () => {} }) };
  }

  it('GIVEN a connected forum whose address is private now (its name was rebound) THEN its sends and reads never reach that address', async () => {
    const internal = await internalService();
    const { deps, runtimes } = world();
    await connectOwnForum(deps, 'g1', 'm1', settings(internal.url), T0);
    const runtime = await runtimes.byGuild(`discourse:127.0.0.1:${internal.port}`);
    await expect(runtime!.client.siteTitle()).rejects.toThrow(/private or local address \(127\.0\.0\.1\)/);
    await expect(runtime!.client.createTopic('Hello there, forum', 'Hello', 1)).rejects.toThrow(
      /private or local address/,
    );
    expect(internal.requests).toEqual([]);
  });

  it('GIVEN CONVENE_ALLOW_PRIVATE_FORUMS=true THEN a forum on a private address is reached', async () => {
    const internal = await internalService();
    const { deps, runtimes } = world({ CONVENE_ALLOW_PRIVATE_FORUMS: 'true' });
    await connectOwnForum(deps, 'g1', 'm1', settings(internal.url), T0);
    const runtime = await runtimes.byGuild(`discourse:127.0.0.1:${internal.port}`);
    expect(await runtime!.client.siteTitle()).toBe('Internal admin panel');
    expect(internal.requests).toEqual(['GET /site/basic-info.json api-key=a-real-looking-api-key-0001']);
  });

  it('GIVEN a public forum THEN a read and an upload (multipart) go through the checked connections whole', async () => {
    const forum = await DiscourseSandbox.start({ apiKey: 'a-real-looking-api-key-0001', botUsername: 'convene' });
    cleanups.push(() => forum.close());
    // The emulator listens on loopback: public by this test's rule.
    const client = new DiscourseClient({ ...settings(forum.url), fetch: publicOnlyFetch(() => false) });
    expect(await client.siteTitle()).toBeTruthy();
    const chart = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const upload = await client.upload({ name: 'chart.png', contentType: 'image/png', data: chart });
    expect(upload.original_filename).toBe('chart.png');
    expect([...forum.model.uploads.values()].map((u) => u.size)).toEqual([chart.length]);
  });
});
