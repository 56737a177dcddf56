/**
 * The one REST budget of the bot token, for every Convene process: an HTTP proxy in front of
 * Discord's API (`npm run proxy`). Discord's global limit (50 requests/s) and its route buckets count
 * per token, not per process; each process pointed at this proxy (DISCORD_REST_PROXY) sends through
 * one @discordjs/rest client, which keeps every route bucket for all of them.
 *
 * @discordjs/rest's own global limiter counts in fixed one-second windows that start at its first
 * request; Discord's (and the emulator's) windows start at their own moments. Two fixed windows out of
 * step let up to twice the limit through one of Discord's seconds when the proxy is saturated, which
 * is exactly when many processes drain together. So the proxy paces every send itself with a token
 * bucket whose rate plus burst stays under the limit in any one-second span, whatever the phase.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { proxyRequests } from '@discordjs/proxy';
import { DefaultRestOptions, REST } from 'discord.js';
import type { Logger } from '../../log.js';
import { TokenBucket } from '../../outbox/rateLimiter.js';

export interface RestProxyOptions {
  /** Discord's API (or the emulator's), e.g. https://discord.com/api. */
  upstream: string;
  /** The token's global limit in requests per second (Discord: 50). */
  globalPerSecond: number;
  host?: string;
  port?: number;
  log: Logger;
}

export interface RestProxy {
  /** The address processes put in DISCORD_REST_PROXY (ends in /api). */
  readonly url: string;
  readonly port: number;
  /** Requests forwarded, and 429s Discord answered them with (each one is retried by the proxy). */
  readonly stats: { forwarded: number; upstream429: number; failed: number };
  close(): Promise<void>;
}

/**
 * Rate and burst for a limit of `perSecond`. Requests paced here arrive at Discord with varying
 * delays (network, a busy event loop on either side), which packs them closer together: the pace
 * leaves room for 200 ms of that, i.e. rate × 1.2 + burst stays within the limit (40/s and 2 for
 * Discord's 50). Measured with 4 processes: 44/s and 4 (48 in a second, no room) still met 7 × 429.
 */
export function pacing(perSecond: number): { rate: number; burst: number } {
  const burst = Math.max(1, Math.floor(perSecond * 0.04));
  return { rate: Math.max(1, Math.floor((perSecond - burst) / 1.2)), burst };
}

/** Discord: interaction callbacks are not bound by the global limit (they have a 3 s deadline). */
const GLOBAL_EXEMPT = /\/interactions\/[^/]+\/[^/]+\/callback/;

export async function startRestProxy(options: RestProxyOptions): Promise<RestProxy> {
  const { rate, burst } = pacing(options.globalPerSecond);
  const bucket = new TokenBucket(rate, burst);
  const stats = { forwarded: 0, upstream429: 0, failed: 0 };
  const rest = new REST({
    api: options.upstream,
    // The token bucket below is the global limit; this client's own fixed window would only add a
    // second, out-of-step pacer. A global 429 from Discord still stops it for the time Discord says.
    globalRequestsPerSecond: Number.MAX_SAFE_INTEGER,
    // Only the caller knows whether its request may be repeated (thread creation may not, see
    // platforms/discord/index.ts): the proxy hands failures back instead of retrying them itself.
    retries: 0,
    // Every request waits its turn here, just before it goes out: after its route bucket let it.
    async makeRequest(url, init) {
      if (!GLOBAL_EXEMPT.test(new URL(url).pathname)) await bucket.take();
      stats.forwarded++;
      return DefaultRestOptions.makeRequest(url, init);
    },
  });
  rest.on('response', (_request, response) => {
    if (response.status === 429) {
      stats.upstream429++;
      options.log.warn({ status: 429 }, 'rest proxy: Discord answered 429; waiting and retrying');
    }
  });
  const forward = proxyRequests(rest);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, upstream: options.upstream, rate, burst, ...stats }));
      return;
    }
    // @discordjs/proxy ends the response in a `finally` even when the error is not Discord's (the
    // upstream refused the connection): left at its default that is an empty 200, which a caller
    // would take for success and the action would be lost. Start from 502, which callers retry.
    res.statusCode = 502;
    Promise.resolve(forward(req, res)).catch((error: unknown) => {
      stats.failed++;
      options.log.error({ err: error, method: req.method, url: req.url }, 'rest proxy: could not reach Discord');
      if (!res.writableEnded) res.end();
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
