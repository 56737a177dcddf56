import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration } from '../src/config.js';

describe('loadConfig', () => {
  it('GIVEN an empty environment THEN it uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      discordToken: undefined,
      discordApiUrl: 'https://discord.com/api',
      databaseUrl: 'file:./data/convene.db',
      logLevel: 'info',
      scanIntervalMs: 300_000,
      outboxLeaseMs: 30_000,
      backfillHorizonMs: 14 * 86_400_000,
      httpPort: 8787,
      discourse: undefined,
      discordShards: { ids: [0], count: 1 },
    });
  });

  it.each([
    [{ DISCORD_SHARD_COUNT: '3' }, { ids: [0, 1, 2], count: 3 }],
    [
      { DISCORD_SHARD_COUNT: '3', DISCORD_SHARDS: '0,2' },
      { ids: [0, 2], count: 3 },
    ],
    [
      { DISCORD_SHARD_COUNT: '8', DISCORD_SHARDS: '4-7' },
      { ids: [4, 5, 6, 7], count: 8 },
    ],
    [
      { DISCORD_SHARD_COUNT: '3', DISCORD_SHARDS: ' ' },
      { ids: [0, 1, 2], count: 3 },
    ],
  ])('GIVEN %j THEN this process runs %j', (env, shards) => {
    expect(loadConfig(env).discordShards).toEqual(shards);
  });

  it.each([
    ['CONVENE_SCAN_INTERVAL', { CONVENE_SCAN_INTERVAL: 'often' }, /duration/],
    ['CONVENE_SCAN_INTERVAL', { CONVENE_SCAN_INTERVAL: '0s' }, /duration/],
    ['CONVENE_BACKFILL_HORIZON', { CONVENE_BACKFILL_HORIZON: 'two weeks' }, /duration such as 14d/],
    ['DISCORD_API_URL', { DISCORD_API_URL: 'discord.com/api' }, /URL/],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }, /file:/],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /info/],
    ['HTTP_PORT', { HTTP_PORT: '99999' }, /port/],
    ['DISCOURSE_API_KEY', { DISCOURSE_URL: 'https://forum.example.org' }, /together/],
    ['DISCORD_SHARD_COUNT', { DISCORD_SHARD_COUNT: '0' }, /whole number of shards, 1 or more/],
    ['DISCORD_SHARD_COUNT', { DISCORD_SHARD_COUNT: 'three' }, /whole number of shards/],
    ['DISCORD_SHARDS', { DISCORD_SHARD_COUNT: '3', DISCORD_SHARDS: '0,x' }, /shard ids such as 0,2 or 0-3/],
    [
      'DISCORD_SHARDS',
      { DISCORD_SHARD_COUNT: '3', DISCORD_SHARDS: '1-3' },
      /below DISCORD_SHARD_COUNT \(3\), from 0 to 2/,
    ],
    ['DISCORD_SHARDS', { DISCORD_SHARDS: '2' }, /below DISCORD_SHARD_COUNT \(1\)/],
    ['CONVENE_SECRET_KEY', { CONVENE_SECRET_KEY: 'hunter2' }, /32 bytes.*\(got "<redacted>"\)/],
    ['CONVENE_SECRET_KEY', { CONVENE_SECRET_KEY: 'ab'.repeat(31) }, /64 hex digits or base64/],
    ['CONVENE_PUBLIC_URL', { CONVENE_PUBLIC_URL: 'convene.example.org' }, /URL/],
    ['CONVENE_ALLOW_PRIVATE_FORUMS', { CONVENE_ALLOW_PRIVATE_FORUMS: 'yes' }, /true or false/],
  ])('GIVEN a bad %s THEN start-up fails naming that variable', (variable, env, expected) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(new RegExp(`^${variable}: `));
    expect((error as ConfigError).message).toMatch(expected);
  });

  it('GIVEN a bad secret THEN the error never repeats its value', () => {
    expect(() => loadConfig({ DISCOURSE_WEBHOOK_SECRET: 'x', DISCOURSE_URL: 'nope' })).toThrow(ConfigError);
    try {
      loadConfig({ DISCORD_TOKEN: 'secret-token', LOG_LEVEL: 'loud' });
    } catch (e) {
      expect(String(e)).not.toContain('secret-token');
    }
  });

  it('GIVEN a PostgreSQL DATABASE_URL THEN it is taken as it is', () => {
    const url = 'postgres://convene:s3cret@db.internal:5432/convene';
    expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(loadConfig({ DATABASE_URL: 'postgresql://db.internal/convene' }).databaseUrl).toBe(
      'postgresql://db.internal/convene',
    );
  });

  it.each([
    ['postgres://convene:s3cret@db.internal:5432/', 'no database name'],
    ['postgres://convene:s3cret@/convene', 'no host'],
  ])(
    'GIVEN the PostgreSQL URL %s (%s) THEN start-up stops with one line naming DATABASE_URL, without the password',
    (url) => {
      let error: unknown;
      try {
        loadConfig({ DATABASE_URL: url });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toBe(
        `DATABASE_URL: expected postgres://user:password@host:5432/database, with a host and a database name (got "${url.replace('s3cret', '<redacted>')}")`,
      );
      expect(message).not.toContain('\n');
    },
  );

  it('GIVEN durations and a file URL THEN the durations are parsed into milliseconds and the URL kept', () => {
    const config = loadConfig({ CONVENE_SCAN_INTERVAL: '30s', DATABASE_URL: 'file:/tmp/x/c.db', DISCORD_TOKEN: ' t ' });
    expect(config.scanIntervalMs).toBe(30_000);
    expect(config.databaseUrl).toBe('file:/tmp/x/c.db');
    expect(config.discordToken).toBe('t');
  });

  it.each([
    ['250ms', 250],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['1d', 86_400_000],
    ['5 minutes', null],
    ['', null],
  ])('parseDuration(%j) = %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('.env.example', () => {
  it('GIVEN .env.example copied to .env with only DISCORD_TOKEN filled in THEN start-up accepts it (empty means unset)', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('dotenv');
    const env = parse(readFileSync(new URL('../.env.example', import.meta.url)));
    const config = loadConfig({ ...env, DISCORD_TOKEN: 'token' });
    expect(config.discourse).toBeUndefined();
    expect(config.publicUrl).toBeUndefined();
    expect(config.secretKey).toBeUndefined();
  });
});
