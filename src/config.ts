/**
 * Configuration: read from the environment (and .env via dotenv) once, validated, typed, passed in.
 * Nothing else in Convene reads process.env.
 */
import { z } from 'zod';
import { parseSecretKey } from './secrets/secretBox.js';
import { parseShardIds, type ShardSet } from './shards.js';

const DURATION = /^(\d+)\s*(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30s", "5m", "4h" → milliseconds; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS;
  return value * UNIT_MS[unit];
}

const duration = (example: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === null || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a duration such as ${example} (units ms, s, m, h, d)` });
      return z.NEVER;
    }
    return ms;
  });

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const httpUrl = z
  .string()
  .url({ message: 'expected an http(s) URL' })
  .refine((v) => /^https?:\/\//.test(v), 'expected an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

/** Empty (`DISCOURSE_URL=` as in .env.example) counts as left out. */
const unsetWhenEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalUrl = z.preprocess(unsetWhenEmpty, httpUrl.optional());

const schema = z.object({
  DISCORD_TOKEN: optionalText,
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  // How many shards the bot runs across all its processes; Discord requires more than one from 2,500 servers.
  DISCORD_SHARD_COUNT: z.coerce
    .number({ message: 'expected a whole number of shards, 1 or more' })
    .int('expected a whole number of shards, 1 or more')
    .min(1, 'expected a whole number of shards, 1 or more')
    .default(1),
  // Which of them this process runs ("0,2", "0-3"); all of them by default.
  DISCORD_SHARDS: optionalText,
  // discord.js appends /v10 to it and the proxy strips /api/v10 again: without /api the routes miss.
  DISCORD_REST_PROXY: z.preprocess(
    // Empty as in .env.example: no proxy.
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    httpUrl
      .refine(
        (v) => /\/api$/.test(v),
        "expected the proxy's API address ending in /api, such as http://127.0.0.1:8788/api",
      )
      .optional(),
  ),
  DATABASE_URL: z
    .string()
    .default('file:./data/convene.db')
    .refine(
      (v) => v.startsWith('file:') || v === ':memory:' || isPostgresUrl(v),
      'expected file:<path> (SQLite), postgres://user:password@host:5432/database (PostgreSQL) or :memory:',
    )
    // SQLite opens an empty path as a temporary database, deleted at exit: everything would be lost.
    .refine(
      (v) => v.trim() !== 'file:',
      'expected a path after file: (such as file:./data/convene.db); an empty one would be a temporary database, lost at exit',
    )
    .refine(
      (v) => !isPostgresUrl(v) || postgresTarget(v) !== null,
      'expected postgres://user:password@host:5432/database, with a host and a database name',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CONVENE_SCAN_INTERVAL: duration('30s or 5m').prefault('5m'),
  CONVENE_OUTBOX_LEASE: duration('30s').prefault('30s'),
  CONVENE_JOB_LEASE: duration('10m').prefault('10m'),
  CONVENE_BACKFILL_HORIZON: duration('14d or 48h').prefault('14d'),
  HTTP_PORT: z.coerce
    .number({ message: 'expected a port number' })
    .int('expected a port number')
    .min(0, 'expected a port number from 0 to 65535')
    .max(65535, 'expected a port number from 0 to 65535')
    .default(8787),
  DISCOURSE_URL: optionalUrl,
  DISCOURSE_API_KEY: optionalText,
  DISCOURSE_API_USERNAME: optionalText,
  DISCOURSE_WEBHOOK_SECRET: optionalText,
  CONVENE_SECRET_KEY: optionalText.transform((text, ctx) => {
    if (text === undefined) return undefined;
    const key = parseSecretKey(text);
    if (!key) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected 32 bytes as 64 hex digits or base64 (make one with: openssl rand -base64 32)',
      });
      return z.NEVER;
    }
    return key;
  }),
  CONVENE_PUBLIC_URL: optionalUrl,
  CONVENE_ALLOW_PRIVATE_FORUMS: z.preprocess(
    unsetWhenEmpty,
    z.enum(['true', 'false'], { message: 'expected true or false' }).default('false'),
  ),
});

export interface Config {
  discordToken: string | undefined;
  discordApiUrl: string;
  /** The Discord shards this process runs; it does the work of their guilds only (src/shards.ts). */
  discordShards: ShardSet;
  /** Every REST request goes through this proxy (npm run proxy), which keeps the one rate limit budget of the bot token. */
  discordRestProxy?: string | undefined;
  /** `file:<path>` or `:memory:` (SQLite), or `postgres://…` (PostgreSQL). */
  databaseUrl: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  scanIntervalMs: number;
  /** How long a sender holds an outbox row; after a crash the row is resent when it expires. */
  outboxLeaseMs: number;
  /** How long a scheduled run is held without a renewal; after a crash another process runs it then. */
  jobLeaseMs: number;
  /** How far back a restart reads history it missed (older than this is not read). */
  backfillHorizonMs: number;
  httpPort: number;
  discourse: { url: string; apiKey: string; apiUsername: string; webhookSecret: string | undefined } | undefined;
  /**
   * Encrypts what moderators hand over (a forum's API key and webhook secret) before it is stored;
   * without it, connecting a forum by command is refused.
   */
  secretKey: Buffer | undefined;
  /** Where the forum reaches this bot (behind a proxy); else the address the HTTP server listens on. */
  publicUrl: string | undefined;
  /**
   * Whether a forum connected by command may be on a private or local address. Off by default: a
   * moderator of any server could otherwise make Convene probe the network it runs in.
   */
  allowPrivateForums: boolean;
}

/** A variable's value cannot work: the message names the variable and what to do. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}: ${expected}`, options);
    this.name = 'ConfigError';
  }
}

function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** Host and database of a PostgreSQL URL, or null when one of them is missing or it does not parse. */
export function postgresTarget(url: string): { host: string; database: string } | null {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.slice(1));
    return parsed.hostname && database && !database.includes('/') ? { host: parsed.host, database } : null;
  } catch {
    return null;
  }
}

/** A URL's password is not for the log: postgres://convene:<redacted>@db/convene. */
export function withoutPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1<redacted>@');
}

/** Parse an environment into a Config; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const value = env[variable];
    const shown =
      value === undefined
        ? 'missing'
        : `got ${JSON.stringify(variable.includes('TOKEN') || variable.includes('KEY') || variable.includes('SECRET') ? '<redacted>' : withoutPassword(value))}`;
    throw new ConfigError(variable, `${issue?.message ?? 'invalid'} (${shown})`);
  }
  const e = parsed.data;
  const discourseVars = [e.DISCOURSE_URL, e.DISCOURSE_API_KEY, e.DISCOURSE_API_USERNAME];
  if (discourseVars.some(Boolean) && !discourseVars.every(Boolean)) {
    const missing = (['DISCOURSE_URL', 'DISCOURSE_API_KEY', 'DISCOURSE_API_USERNAME'] as const).find(
      (name) => !e[name],
    );
    throw new ConfigError(
      missing ?? 'DISCOURSE_URL',
      'expected all of DISCOURSE_URL, DISCOURSE_API_KEY and DISCOURSE_API_USERNAME together (missing)',
    );
  }
  return {
    discordToken: e.DISCORD_TOKEN,
    discordApiUrl: e.DISCORD_API_URL,
    discordShards: shardSet(e.DISCORD_SHARDS, e.DISCORD_SHARD_COUNT),
    discordRestProxy: e.DISCORD_REST_PROXY,
    databaseUrl: e.DATABASE_URL,
    logLevel: e.LOG_LEVEL,
    scanIntervalMs: e.CONVENE_SCAN_INTERVAL,
    outboxLeaseMs: e.CONVENE_OUTBOX_LEASE,
    jobLeaseMs: e.CONVENE_JOB_LEASE,
    backfillHorizonMs: e.CONVENE_BACKFILL_HORIZON,
    httpPort: e.HTTP_PORT,
    discourse:
      e.DISCOURSE_URL && e.DISCOURSE_API_KEY && e.DISCOURSE_API_USERNAME
        ? {
            url: e.DISCOURSE_URL,
            apiKey: e.DISCOURSE_API_KEY,
            apiUsername: e.DISCOURSE_API_USERNAME,
            webhookSecret: e.DISCOURSE_WEBHOOK_SECRET,
          }
        : undefined,
    secretKey: e.CONVENE_SECRET_KEY,
    publicUrl: e.CONVENE_PUBLIC_URL,
    allowPrivateForums: e.CONVENE_ALLOW_PRIVATE_FORUMS === 'true',
  };
}

/** DISCORD_SHARDS within DISCORD_SHARD_COUNT; unset means every shard (one process runs the whole bot). */
function shardSet(text: string | undefined, count: number): ShardSet {
  if (text === undefined) return { ids: Array.from({ length: count }, (_, id) => id), count };
  const ids = parseShardIds(text);
  if (!Array.isArray(ids)) throw new ConfigError('DISCORD_SHARDS', `${ids.error}`);
  const outside = ids.filter((id) => id >= count);
  if (outside.length) {
    throw new ConfigError(
      'DISCORD_SHARDS',
      `expected shard ids below DISCORD_SHARD_COUNT (${count}), from 0 to ${count - 1} (got ${JSON.stringify(text)})`,
    );
  }
  return { ids, count };
}

const proxySchema = z.object({
  // Not added to requests: the proxy forwards only those that carry it (restProxy.ts admits).
  DISCORD_TOKEN: optionalText.refine(
    (v) => v !== undefined,
    'expected the bot token: the proxy forwards only its requests',
  ),
  DISCORD_API_URL: httpUrl.default('https://discord.com/api'),
  DISCORD_REST_PROXY_HOST: z.string().trim().min(1, 'expected a host name or address').default('127.0.0.1'),
  DISCORD_REST_PROXY_PORT: schema.shape.HTTP_PORT.removeDefault().default(8788),
  // Discord: 50 requests per second per bot token; large bots are granted more on request.
  DISCORD_GLOBAL_LIMIT: z.coerce
    .number({ message: 'expected requests per second, such as 50' })
    .int('expected requests per second, such as 50')
    .min(1, 'expected requests per second, such as 50')
    .default(50),
  LOG_LEVEL: schema.shape.LOG_LEVEL,
});

export interface ProxyConfig {
  /** Discord's API (or the emulator's), where the proxy sends what it receives. */
  upstream: string;
  /** The bot's token: only requests carrying it are forwarded. */
  token: string;
  host: string;
  port: number;
  /** The bot token's global limit, requests per second. */
  globalPerSecond: number;
  logLevel: Config['logLevel'];
}

/** The REST proxy's configuration (npm run proxy); throws ConfigError naming the first bad variable. */
export function loadProxyConfig(env: Record<string, string | undefined>): ProxyConfig {
  const parsed = proxySchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const value = env[variable];
    throw new ConfigError(
      variable,
      `${issue?.message ?? 'invalid'} (${value === undefined ? 'missing' : variable === 'DISCORD_TOKEN' ? 'got <redacted>' : `got ${JSON.stringify(value)}`})`,
    );
  }
  const e = parsed.data;
  return {
    upstream: e.DISCORD_API_URL,
    token: e.DISCORD_TOKEN!,
    host: e.DISCORD_REST_PROXY_HOST,
    port: e.DISCORD_REST_PROXY_PORT,
    globalPerSecond: e.DISCORD_GLOBAL_LIMIT,
    logLevel: e.LOG_LEVEL,
  };
}
