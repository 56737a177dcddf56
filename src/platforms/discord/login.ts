/**
 * Logging in to Discord and keeping the gateway connection honest.
 *
 * discord.js reconnects a failed gateway connection by itself, every half second, for ever, and says
 * so only in debug events; its login waits for READY without a deadline. GatewayWatch wraps that
 * loop: each failed attempt is logged with the wait before the next one, the waits grow (1 s, 2 s,
 * 4 s… up to a minute), and at start-up it gives up after `maxAttempts` failures or `loginTimeoutMs`
 * with one line saying what to check. Later (a running bot losing Discord) it keeps trying at the
 * longest wait, because Discord outages end, and says so in /healthz and /convene status.
 */
// discord.js runs its gateway on @discordjs/ws and hands us that package's manager in buildStrategy
// (it re-exports the package, but shadows WebSocketManager and WebSocketShardEvents with its own).
import {
  type IShardingStrategy,
  type WebSocketManager as ShardManager,
  SimpleShardingStrategy,
  WebSocketShardEvents,
} from '@discordjs/ws';
import { Client, GatewayCloseCodes, GatewayIntentBits, Partials, Routes } from 'discord.js';
import { clearProblem, type Deps, databaseOf, raiseProblem } from '../../commands.js';
import { ConfigError } from '../../config.js';
import type { Database } from '../../db/database.js';
import { PROCESS_OWNER } from '../../lease.js';
import type { ShardSet } from '../../shards.js';
import { plural } from '../../text/plural.js';
import { sharedIdentifyThrottler } from './identifyTurns.js';

export interface GatewayRetryPolicy {
  /** Failed attempts in a row after which start-up gives up (later: after which it is a problem). */
  maxAttempts: number;
  /** The wait after the second failure in a row; it doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Start-up gives up when no session is ready after this long, however the attempts went. */
  loginTimeoutMs: number;
}

/** 8 attempts: waits of 0, 1, 2, 4, 8, 16, 32 s, so start-up gives up after about 65 s. */
export const DEFAULT_GATEWAY_RETRY: GatewayRetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  loginTimeoutMs: 180_000,
};

/** Discord close code / discord.js error for privileged intents the app was not granted. */
const DISALLOWED_INTENTS = 4014;
/** The code discord.js closes with when it reconnects to resume a session. */
const RESUMING = 4200;
/** Close codes after which discord.js does not reconnect (authentication, sharding, intents). */
const FINAL_CLOSE_CODES = new Set([4004, 4010, 4011, 4012, 4013, 4014]);
/** Problem key in RuntimeStatus while the gateway cannot be reached. */
const PROBLEM = 'gateway';

const BASE_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.DirectMessages,
];

function describeClose(code: number): string {
  if (code === 1006) return 'connection lost or refused';
  if (code === 1000) return 'closed';
  const name = GatewayCloseCodes[code];
  return name ? name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase() : 'closed';
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** Counts failed gateway attempts of one client, spaces them out, logs them, and gives up at start-up. */
export class GatewayWatch {
  private failures = 0;
  private since = 0;
  private lastCode = 0;
  /** No (re)connection attempt starts before this time. */
  private retryAt = 0;
  private starting = true;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private rejectStart: ((error: Error) => void) | null = null;
  /** Rejects when start-up gives up; never settles otherwise. */
  readonly startFailed = new Promise<never>((_resolve, reject) => {
    this.rejectStart = reject;
  });

  constructor(
    private readonly deps: Deps,
    private readonly policy: GatewayRetryPolicy,
  ) {
    // Nobody awaits it once start-up succeeded: that must not be an unhandled rejection.
    this.startFailed.catch(() => undefined);
  }

  /** For `ws.buildStrategy`: the usual strategy, with every connection attempt passing this watch. */
  strategy(manager: ShardManager): IShardingStrategy {
    const retrieve = manager.options.retrieveSessionInfo;
    // @discordjs/ws calls this first thing in every connection attempt (and on each dispatch, when
    // retryAt is long past): the one place to make it wait between failed attempts.
    manager.options.retrieveSessionInfo = async (shardId) => {
      await this.waitForRetry();
      return retrieve(shardId);
    };
    manager.on(WebSocketShardEvents.Closed, ({ code }) => this.failed(code));
    manager.on(WebSocketShardEvents.Ready, () => this.connected());
    manager.on(WebSocketShardEvents.Resumed, () => this.connected());
    return new SimpleShardingStrategy(manager);
  }

  /** Start-up is over: from now on failures are retried for as long as it takes. */
  started(): void {
    this.starting = false;
    this.rejectStart = null;
  }

  /** The client is being destroyed: no further attempt may start (pending waits never end). */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private waitForRetry(): Promise<void> {
    if (this.stopped) return new Promise(() => undefined);
    const wait = this.retryAt - Date.now();
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, wait);
      this.timers.add(timer);
    });
  }

  private failed(code: number): void {
    // 4200 is discord.js closing on purpose to resume (Discord asked it to reconnect): not a failure.
    if (this.stopped || code === RESUMING) return;
    const { log } = this.deps;
    if (FINAL_CLOSE_CODES.has(code)) {
      // discord.js does not retry these. At start-up, fail now: login() rejects by itself only when
      // this process runs one shard; with several, it waits for the others' READY for ever.
      if (this.starting) {
        this.rejectStart?.(new GatewayClosedError(code));
        this.rejectStart = null;
        return;
      }
      const sentence = `Discord ended the gateway session for good (code ${code}, ${describeClose(code)}): Convene hears nothing from Discord until the cause is fixed (DISCORD_TOKEN, intents) and it is restarted`;
      log.error({ code }, `discord gateway: ${sentence}`);
      raiseProblem(this.deps.status, PROBLEM, sentence);
      return;
    }
    if (this.failures === 0) this.since = Date.now();
    this.failures++;
    this.lastCode = code;
    const n = this.failures;
    const delay = n === 1 ? 0 : Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (n - 2));
    this.retryAt = Date.now() + delay;
    const detail = { attempt: n, code, reason: describeClose(code), nextAttemptInMs: delay };
    if (this.starting && n >= this.policy.maxAttempts) {
      this.giveUp(`after ${n} failed attempts in ${seconds(Date.now() - this.since)}`);
      return;
    }
    if (n === 1) log.info(detail, `discord gateway: ${describeClose(code)} (code ${code}); reconnecting`);
    else if (n < this.policy.maxAttempts) {
      log.warn(detail, `discord gateway: attempt ${n} failed (code ${code}); next one in ${seconds(delay)}`);
    } else if (n === this.policy.maxAttempts) {
      const sentence = `Discord's gateway has refused or dropped ${n} connection attempts in a row since ${new Date(this.since).toISOString()}; Convene keeps trying every ${seconds(this.policy.maxDelayMs)}`;
      log.error(detail, `discord gateway: ${sentence}`);
      raiseProblem(this.deps.status, PROBLEM, sentence);
    } else if (n % 10 === 0) {
      // Past the limit a line every ten attempts (about ten minutes) says it is still going on.
      log.warn(detail, `discord gateway: still failing after ${n} attempts; next one in ${seconds(delay)}`);
    }
  }

  private connected(): void {
    if (this.failures > 0 && !this.stopped) {
      this.deps.log.info(
        { attempts: this.failures, downMs: Date.now() - this.since },
        `discord gateway: connected again after ${plural(this.failures, 'failed attempt')}`,
      );
    }
    this.failures = 0;
    this.retryAt = 0;
    clearProblem(this.deps.status, PROBLEM);
  }

  /** Start-up has waited long enough. */
  giveUp(how: string): void {
    this.rejectStart?.(new GatewayUnreachableError(how, this.lastCode));
    this.rejectStart = null;
  }
}

/** Discord ended a session at start-up with a code discord.js does not retry (4004, 4011, 4014…). */
export class GatewayClosedError extends Error {
  constructor(readonly code: number) {
    super(`Discord closed the gateway for good: ${describeClose(code)} (code ${code})`);
    this.name = 'GatewayClosedError';
  }
}

export class GatewayUnreachableError extends Error {
  constructor(
    readonly how: string,
    readonly lastCode: number,
  ) {
    super(
      `no Discord gateway session ${how}${lastCode ? ` (last: code ${lastCode}, ${describeClose(lastCode)})` : ''}`,
    );
    this.name = 'GatewayUnreachableError';
  }
}

function makeClient(
  apiUrl: string,
  privileged: { members: boolean; content: boolean },
  watch: GatewayWatch,
  shards: ShardSet,
  db: Database,
) {
  return new Client({
    // This process's shards of the whole bot's: each process connects its own (src/shards.ts).
    shards: [...shards.ids],
    shardCount: shards.count,
    intents: [
      ...BASE_INTENTS,
      ...(privileged.members ? [GatewayIntentBits.GuildMembers] : []),
      ...(privileged.content ? [GatewayIntentBits.MessageContent] : []),
    ],
    partials: [Partials.Message, Partials.Reaction, Partials.Channel, Partials.GuildMember, Partials.User],
    rest: {
      api: apiUrl,
      // A 429 on the command registration can last an hour: fail it at once (commandSync.ts retries
      // it later) instead of holding start-up; every other request waits its rate limit out as usual.
      rejectOnRateLimit: (limit) => /^\/applications\/[^/]+\/commands/.test(limit.route),
    },
    ws: {
      buildStrategy: (manager) => watch.strategy(manager),
      // When other processes run the bot's other shards, identifies take turns with them through the
      // store (identifyTurns.ts). A process running every shard keeps discord.js's own queue.
      ...(shards.ids.length < shards.count
        ? {
            buildIdentifyThrottler: async (manager: { fetchGatewayInformation(): Promise<GatewayInfo> }) =>
              sharedIdentifyThrottler(
                db,
                (await manager.fetchGatewayInformation()).session_start_limit.max_concurrency,
                PROCESS_OWNER,
              ),
          }
        : {}),
    },
  });
}

interface GatewayInfo {
  session_start_limit: { max_concurrency: number };
}

function isDisallowedIntents(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    e?.code === DISALLOWED_INTENTS || e?.code === 'DisallowedIntents' || /disallowed intent/i.test(String(e?.message))
  );
}

/** Discord closed with 4011: one shard would hold more than 2,500 servers. */
function isShardingRequired(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 4011 || /sharding (is )?required/i.test(String(e?.message));
}

/** 4011 as one line naming DISCORD_SHARD_COUNT, with the count Discord recommends when it says. */
async function shardingRequired(client: Client, error: unknown, shards: ShardSet): Promise<ConfigError> {
  let recommended: number | null = null;
  try {
    const info = (await client.rest.get(Routes.gatewayBot())) as { shards?: unknown };
    if (typeof info.shards === 'number') recommended = info.shards;
  } catch (readError) {
    // The sentence still names the variable; only the number is missing.
    client.emit('debug', `GET /gateway/bot after 4011 failed: ${String(readError)}`);
  } finally {
    await client.destroy();
  }
  const advice =
    recommended !== null && recommended > shards.count
      ? `set DISCORD_SHARD_COUNT to ${recommended} (Discord's recommendation)`
      : 'raise DISCORD_SHARD_COUNT';
  return new ConfigError(
    'DISCORD_SHARD_COUNT',
    `Discord requires more shards: one shard may hold at most 2,500 servers and ${shards.count} ${shards.count === 1 ? 'is' : 'are'} too few for this bot; ${advice}, and give each process its part with DISCORD_SHARDS`,
    { cause: error },
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** A login failure as one line naming the variable to fix, when it is one of those. */
export function explainLoginError(error: unknown, apiUrl: string, variable = 'DISCORD_API_URL'): unknown {
  const e = error as {
    code?: unknown;
    name?: unknown;
    status?: unknown;
    message?: unknown;
    cause?: { code?: unknown };
  };
  const code = String(e?.code ?? e?.cause?.code ?? '');
  if (code === 'TokenInvalid' || /authentication failed/i.test(String(e?.message))) {
    return new ConfigError(
      'DISCORD_TOKEN',
      'Discord refused this token: copy a new one from https://discord.com/developers/applications → your application → Bot → Reset Token',
      { cause: error },
    );
  }
  if (NETWORK_CODES.has(code) || e?.name === 'AbortError') {
    return new ConfigError(
      variable,
      variable === 'DISCORD_REST_PROXY'
        ? `could not reach ${apiUrl} (${code || 'timed out'}): start the proxy there (npm run proxy) or fix the address`
        : `could not reach ${apiUrl} (${code || 'timed out'}): check the address and this machine's network`,
      { cause: error },
    );
  }
  if (typeof e?.status === 'number') {
    return new ConfigError(
      variable,
      `${apiUrl} answered ${e.status} to GET /gateway/bot: is it Discord's API (or a Discord-compatible server)?`,
      { cause: error },
    );
  }
  if (error instanceof GatewayUnreachableError) {
    return new ConfigError(
      variable,
      `${error.message}: check that the gateway of ${apiUrl} is reachable from this machine (firewall, proxy)`,
      { cause: error },
    );
  }
  return error;
}

/**
 * Log in and wait for READY, dropping privileged intents Discord does not grant (4014) instead of
 * failing. Returns the client and its watch, past start-up: stop the watch before destroying the client.
 */
export async function login(
  deps: Deps,
  options: { token: string; apiUrl: string; gatewayRetry?: Partial<GatewayRetryPolicy> },
): Promise<{ client: Client; watch: GatewayWatch }> {
  const policy = { ...DEFAULT_GATEWAY_RETRY, ...options.gatewayRetry };
  const attempts = [
    { members: true, content: true },
    { members: true, content: false },
    { members: false, content: false },
  ];
  let lastError: unknown;
  for (const privileged of attempts) {
    const watch = new GatewayWatch(deps, policy);
    const client = makeClient(options.apiUrl, privileged, watch, deps.config.discordShards, databaseOf(deps));
    const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
    const deadline = setTimeout(() => watch.giveUp(`within ${seconds(policy.loginTimeoutMs)}`), policy.loginTimeoutMs);
    try {
      await Promise.race([client.login(options.token).then(() => ready), watch.startFailed]);
      watch.started();
      deps.status.intents = { guildMembers: privileged.members, messageContent: privileged.content };
      if (!privileged.content || !privileged.members) {
        deps.log.warn(
          { messageContent: privileged.content, guildMembers: privileged.members },
          'Discord did not grant every privileged intent: running with fewer features (no message terms without Message Content; no member list backfill without Server Members)',
        );
      }
      return { client, watch };
    } catch (error) {
      watch.stop();
      // Read before the client is destroyed: what Discord recommends is the useful part of the sentence.
      if (isShardingRequired(error)) throw await shardingRequired(client, error, deps.config.discordShards);
      await client.destroy();
      lastError = error;
      if (!isDisallowedIntents(error)) {
        // Through a REST proxy, an address that does not answer is the proxy's (npm run proxy).
        throw explainLoginError(
          error,
          options.apiUrl,
          deps.config.discordRestProxy ? 'DISCORD_REST_PROXY' : 'DISCORD_API_URL',
        );
      }
    } finally {
      clearTimeout(deadline);
    }
  }
  throw lastError;
}
