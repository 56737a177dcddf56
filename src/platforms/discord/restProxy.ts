/**
 * The one REST budget of the bot token, for every Convene process: an HTTP proxy in front of
 * Discord's API (`npm run proxy`). Discord's global limit (50 requests/s) and its route buckets count
 * per token, not per process; each process pointed at this proxy (DISCORD_REST_PROXY) sends through
 * one @discordjs/rest client, which keeps every route bucket for all of them (@discordjs/proxy is that
 * client's HTTP face).
 *
 * @discordjs/rest's own global limiter counts in fixed one-second windows that start at its first
 * request; Discord's windows start at their own moments, so out of step the two can let up to twice
 * the limit through one of Discord's seconds when the proxy is saturated, which is exactly when many
 * processes drain together. A pace (a token bucket) is not enough either: paced requests arrive
 * bunched after any stall (measured: 4 processes behind a 44/s bucket met 7 × 429, behind 40/s still
 * 1 to 4). The proxy lets a request go only while those in flight plus those answered within the last
 * second stay under the limit (globalWindow.ts), which holds however the requests are delayed.
 *
 * Each process's outbox keeps pacing itself at 47/s (outbox/drain.ts): a process draining alone gets
 * about the whole budget, and the proxy stays the one limit that counts for all of them together;
 * a process-level share (47/N) would leave the budget idle whenever the other processes are.
 * A process's drain keeps at most 8 requests in flight, so the proxy's queue stays short.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { populateErrorResponse, populateSuccessfulResponse } from '@discordjs/proxy';
// The ES module build, the one @discordjs/proxy's helpers check errors against (discord.js loads the
// CommonJS one: its DiscordAPIError is another class, and the helpers would not recognise it).
import { DefaultRestOptions, REST, type RequestMethod, type RouteLike } from '@discordjs/rest';
import type { Logger } from '../../log.js';
import { GlobalWindow } from './globalWindow.js';

export interface RestProxyOptions {
  /** Discord's API (or the emulator's), e.g. https://discord.com/api. */
  upstream: string;
  /** The token's global limit in requests per second (Discord: 50). */
  globalPerSecond: number;
  /**
   * The bot's token (DISCORD_TOKEN). The proxy never adds it to a request; it forwards only requests
   * that carry it, or that Discord authenticates by a token in their path (interaction callbacks and
   * follow-ups), and refuses the rest itself: see `admits`.
   */
  token: string;
  host?: string;
  port?: number;
  log: Logger;
}

export interface RestProxy {
  /** The address processes put in DISCORD_REST_PROXY (ends in /api). */
  readonly url: string;
  readonly port: number;
  /** Requests forwarded, and 429s Discord answered them with (each one is retried by the proxy). */
  readonly stats: { forwarded: number; upstream429: number; failed: number; refused: number };
  close(): Promise<void>;
}

/** Room for the emulator's and Discord's whole-millisecond clocks beside ours. */
const WINDOW_MS = 1_010;

/** What a caller that is not the bot reads (Discord's own 401 body, and why). */
const REFUSED = {
  message: '401: Unauthorized',
  code: 0,
  detail: 'This Convene REST proxy forwards only the requests of the bot whose DISCORD_TOKEN it was started with.',
};

/** Discord: interaction callbacks are not bound by the global limit (they have a 3 s deadline). */
const GLOBAL_EXEMPT = /\/interactions\/[^/]+\/[^/]+\/callback/;

/** Discord authenticates these by the interaction or webhook token in their path: discord.js sends no Authorization. */
const TOKEN_IN_PATH = /^\/(interactions\/[^/]+\/[^/]+\/callback|webhooks\/[^/]+\/[^/]+)(\/|$)/;
/** The methods of Discord's API; anything else has no route there. */
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether the proxy forwards a request: the bot's own (its token), or one authenticated by its path.
 * Anyone else who can reach the proxy (it must listen beyond loopback once processes run on several
 * machines) would spend the bot's one budget, and every 401 Discord answered would count towards
 * the invalid-request limit of the proxy's address (Discord: 10,000 in 10 minutes bans the address,
 * and every process of the bot with it). So they are answered here and never reach Discord.
 */
function admits(authorization: string | undefined, route: string, botAuthorization: Buffer): boolean {
  if (authorization === undefined) return TOKEN_IN_PATH.test(route);
  return timingSafeEqual(sha256(authorization), botAuthorization);
}

/**
 * @discordjs/proxy's `proxyRequests`, with the body read first. The library hands @discordjs/rest the
 * incoming request stream as the body, and a request retried after a 429 then goes out empty
 * (measured against the emulator: "400 Cannot send an empty message"); a Buffer can be sent again.
 * Its response helpers do the rest: Discord's answer is passed on without X-RateLimit headers (the
 * callers' REST clients must not keep buckets of their own), its errors with their status and body.
 */
async function forward(rest: REST, req: IncomingMessage, res: ServerResponse, fullRoute: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://proxy.local');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'authorization', 'x-audit-log-reason']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  // A caller that gave up (its timeout) will retry: a request of it still waiting here for its bucket
  // must not go out later as well (a second thread, a second message).
  const callerGone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) callerGone.abort();
  });
  try {
    const response = await rest.queueRequest({
      signal: callerGone.signal,
      fullRoute: fullRoute as RouteLike,
      method: (req.method ?? 'GET') as RequestMethod,
      query: url.searchParams,
      // The caller's Authorization header is forwarded as it is (admits() checked it): the proxy adds none.
      auth: false,
      passThroughBody: true,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
      headers,
    });
    await populateSuccessfulResponse(res, response);
    res.end();
  } catch (error) {
    if (!populateErrorResponse(res, error)) throw error;
    res.end();
  }
}

export async function startRestProxy(options: RestProxyOptions): Promise<RestProxy> {
  // One under the limit: a request of anyone else on this token (npm run deploy-commands) still fits.
  const budget = new GlobalWindow(Math.max(1, options.globalPerSecond - 1), WINDOW_MS);
  const stats = { forwarded: 0, upstream429: 0, failed: 0, refused: 0 };
  const botAuthorization = sha256(`Bot ${options.token}`);
  const rest = new REST({
    api: options.upstream,
    // The window below is the global limit; this client's own fixed window would only add a second,
    // out-of-step one. A global 429 from Discord still stops it for the time Discord says.
    globalRequestsPerSecond: Number.MAX_SAFE_INTEGER,
    // Only the caller knows whether its request may be repeated (thread creation may not, see
    // platforms/discord/index.ts): the proxy hands failures back instead of retrying them itself.
    retries: 0,
    // Every request waits its turn here, just before it goes out: after its route bucket let it. It
    // counts until its answer (or failure) is back, then for one more window.
    async makeRequest(url, init) {
      const release = GLOBAL_EXEMPT.test(new URL(url).pathname) ? null : await budget.acquire();
      stats.forwarded++;
      try {
        return await DefaultRestOptions.makeRequest(url, init);
      } finally {
        release?.();
      }
    },
  });
  rest.on('response', (_request, response) => {
    if (response.status === 429) {
      stats.upstream429++;
      options.log.warn({ status: 429 }, 'rest proxy: Discord answered 429; waiting and retrying');
    }
  });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, upstream: options.upstream, inUse: budget.used, ...stats }));
      return;
    }
    const route = new URL(req.url ?? '/', 'http://proxy.local').pathname.replace(/^\/api(\/v\d+)?/, '');
    if (!METHODS.has(req.method ?? '')) {
      stats.refused++;
      res.writeHead(405, { 'content-type': 'application/json', allow: [...METHODS].join(', '), connection: 'close' });
      res.end(JSON.stringify({ message: '405: Method Not Allowed', code: 0 }));
      return;
    }
    const authorization = req.headers.authorization;
    if (!admits(authorization, route, botAuthorization)) {
      stats.refused++;
      // One line for the first, then every thousandth: a flood must not flood the log.
      if (stats.refused === 1 || stats.refused % 1000 === 0) {
        options.log.warn(
          { refused: stats.refused, method: req.method, route, remote: req.socket.remoteAddress },
          'rest proxy: refused a request that is not the bot’s (another token or none); Discord never saw it',
        );
      }
      // Before the body is read: a stranger's upload is not buffered.
      res.writeHead(401, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify(REFUSED));
      return;
    }
    forward(rest, req, res, route).catch((error: unknown) => {
      // Not an answer from Discord (it could not be reached): a 502, which callers retry. Never an
      // empty 200, which a caller would take for success (the action would be lost).
      stats.failed++;
      options.log.error({ err: error, method: req.method, url: req.url }, 'rest proxy: could not reach Discord');
      if (!res.headersSent) res.statusCode = 502;
      res.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/api`,
    port,
    stats,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
