/**
 * Discord-style REST rate limits: per-route buckets keyed by their major parameter (channel, guild,
 * webhook), a global per-bot limit, the X-RateLimit-* headers discord.js plans with, and 429s with
 * Discord's body. Every 429 is counted by scope so a benchmark can assert "zero 429s", and a test can
 * force the next N requests to be limited.
 */
import { createHash } from 'node:crypto';

export interface BucketLimit {
  limit: number;
  windowMs: number;
}

export interface RateLimitOptions {
  /** Requests per second for the whole bot (Discord: 50). Interaction callbacks are exempt, as on Discord. */
  globalPerSecond: number;
  /** Limit for routes without their own entry. */
  defaultBucket: BucketLimit;
  /** Per route template, e.g. `"POST /channels/:channel_id/messages"`. */
  routes: Record<string, BucketLimit>;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  globalPerSecond: 50,
  defaultBucket: { limit: 50, windowMs: 1000 },
  routes: {
    // Discord: 5 messages per 5 s per channel.
    'POST /channels/:channel_id/messages': { limit: 5, windowMs: 5000 },
    'PATCH /channels/:channel_id/messages/:message_id': { limit: 5, windowMs: 5000 },
    'DELETE /channels/:channel_id/messages/:message_id': { limit: 5, windowMs: 5000 },
    // Discord: reactions are 1 per 250 ms per channel.
    'PUT /channels/:channel_id/messages/:message_id/reactions/:emoji/@me': { limit: 1, windowMs: 250 },
    'DELETE /channels/:channel_id/messages/:message_id/reactions/:emoji/@me': { limit: 1, windowMs: 250 },
    'PUT /guilds/:guild_id/members/:user_id/roles/:role_id': { limit: 10, windowMs: 10_000 },
    'DELETE /guilds/:guild_id/members/:user_id/roles/:role_id': { limit: 10, windowMs: 10_000 },
    'POST /users/@me/channels': { limit: 10, windowMs: 10_000 },
  },
};

export type RateLimitScope = 'user' | 'global' | 'shared';

export interface RateLimitHit {
  at: number;
  method: string;
  path: string;
  route: string;
  scope: RateLimitScope;
  retryAfter: number;
  forced: boolean;
}

export interface RateLimitCounts {
  /** Real (not forced) 429s by scope. */
  user: number;
  global: number;
  shared: number;
  /** 429s produced by `forceRateLimit`. */
  forced: number;
  hits: RateLimitHit[];
}

export interface ForcedRateLimit {
  count: number;
  /** seconds */
  retryAfter: number;
  /** Only requests whose "METHOD /path" (path without /api/v10) matches. */
  route?: string | RegExp;
  global?: boolean;
}

export interface RateLimitRequest {
  method: string;
  path: string;
  /** Route template, e.g. "POST /channels/:channel_id/messages". */
  route: string;
  /** Major parameter value (channel/guild/webhook id) the bucket is keyed on. */
  major: string;
  /** Interaction callbacks are not bound by the global limit. */
  exemptFromGlobal: boolean;
}

export type RateLimitDecision =
  | { limited: false; headers: Record<string, string> }
  | {
      limited: true;
      headers: Record<string, string>;
      body: { message: string; retry_after: number; global: boolean; code?: number };
    };

interface BucketState {
  remaining: number;
  resetAt: number;
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

export class RateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private globalWindowStart = 0;
  private globalCount = 0;
  private readonly forced: ForcedRateLimit[] = [];
  readonly counts: RateLimitCounts = { user: 0, global: 0, shared: 0, forced: 0, hits: [] };

  constructor(private readonly options: RateLimitOptions) {}

  force(rule: ForcedRateLimit): void {
    this.forced.push({ ...rule });
  }

  check(req: RateLimitRequest, now = Date.now()): RateLimitDecision {
    const forced = this.takeForced(req);
    if (forced) {
      return this.limited(req, now, forced.global ? 'global' : 'user', forced.retryAfter * 1000, true);
    }
    if (!req.exemptFromGlobal) {
      if (now - this.globalWindowStart >= 1000) {
        this.globalWindowStart = now;
        this.globalCount = 0;
      }
      if (this.globalCount >= this.options.globalPerSecond) {
        return this.limited(req, now, 'global', this.globalWindowStart + 1000 - now, false);
      }
    }
    const limit = this.options.routes[req.route] ?? this.options.defaultBucket;
    const key = `${req.route}|${req.major}`;
    let bucket = this.buckets.get(key);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { remaining: limit.limit, resetAt: now + limit.windowMs };
      this.buckets.set(key, bucket);
    }
    if (bucket.remaining <= 0) return this.limited(req, now, 'user', bucket.resetAt - now, false);
    bucket.remaining--;
    if (!req.exemptFromGlobal) this.globalCount++;
    return { limited: false, headers: this.bucketHeaders(req.route, limit, bucket, now) };
  }

  private takeForced(req: RateLimitRequest): ForcedRateLimit | undefined {
    const target = `${req.method} ${req.path}`;
    const rule = this.forced.find(
      (r) => r.route === undefined || (typeof r.route === 'string' ? target.includes(r.route) : r.route.test(target)),
    );
    if (!rule) return undefined;
    rule.count--;
    if (rule.count <= 0) this.forced.splice(this.forced.indexOf(rule), 1);
    return rule;
  }

  private bucketHeaders(route: string, limit: BucketLimit, bucket: BucketState, now: number): Record<string, string> {
    return {
      'x-ratelimit-limit': String(limit.limit),
      'x-ratelimit-remaining': String(bucket.remaining),
      'x-ratelimit-reset': seconds(bucket.resetAt).toFixed(3),
      'x-ratelimit-reset-after': seconds(bucket.resetAt - now).toFixed(3),
      'x-ratelimit-bucket': bucketHash(route),
    };
  }

  private limited(
    req: RateLimitRequest,
    now: number,
    scope: RateLimitScope,
    retryMs: number,
    forced: boolean,
  ): RateLimitDecision {
    const retryAfter = Number(seconds(retryMs).toFixed(3));
    const global = scope === 'global';
    if (forced) this.counts.forced++;
    else this.counts[scope]++;
    this.counts.hits.push({ at: now, method: req.method, path: req.path, route: req.route, scope, retryAfter, forced });
    const limit = this.options.routes[req.route] ?? this.options.defaultBucket;
    const headers: Record<string, string> = {
      // Discord rounds Retry-After up to whole seconds; the precise value keeps tests fast and is still
      // what the body's retry_after says.
      'retry-after': String(retryAfter),
      'x-ratelimit-scope': scope,
    };
    if (global) {
      headers['x-ratelimit-global'] = 'true';
    } else {
      Object.assign(headers, {
        'x-ratelimit-limit': String(limit.limit),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': seconds(now + retryMs).toFixed(3),
        'x-ratelimit-reset-after': retryAfter.toFixed(3),
        'x-ratelimit-bucket': bucketHash(req.route),
      });
    }
    return {
      limited: true,
      headers,
      body: { message: 'You are being rate limited.', retry_after: retryAfter, global, ...(global ? { code: 0 } : {}) },
    };
  }
}

function bucketHash(route: string): string {
  return createHash('sha1').update(route).digest('hex').slice(0, 16);
}
