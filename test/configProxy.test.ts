import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadProxyConfig } from '../src/config.js';

function errorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('DISCORD_REST_PROXY', () => {
  it('GIVEN no proxy THEN the bot talks to DISCORD_API_URL itself', () => {
    expect(loadConfig({}).discordRestProxy).toBeUndefined();
    // As .env.example has it.
    expect(loadConfig({ DISCORD_REST_PROXY: '' }).discordRestProxy).toBeUndefined();
  });

  it('GIVEN the address of a proxy THEN every REST request goes there (a trailing slash is dropped)', () => {
    expect(loadConfig({ DISCORD_REST_PROXY: 'http://10.0.0.5:8788/api/' }).discordRestProxy).toBe(
      'http://10.0.0.5:8788/api',
    );
  });

  it.each([
    [
      'http://127.0.0.1:8788',
      /ending in \/api, such as http:\/\/127\.0\.0\.1:8788\/api \(got "http:\/\/127\.0\.0\.1:8788"\)/,
    ],
    ['127.0.0.1:8788/api', /http\(s\) URL/],
  ])('GIVEN DISCORD_REST_PROXY=%s THEN start-up stops with one line naming the variable', (value, expected) => {
    const error = errorOf(() => loadConfig({ DISCORD_REST_PROXY: value }));
    expect(error.variable).toBe('DISCORD_REST_PROXY');
    expect(error.message).toMatch(/^DISCORD_REST_PROXY: /);
    expect(error.message).toMatch(expected);
    expect(error.message).not.toContain('\n');
  });
});

describe('loadProxyConfig (npm run proxy)', () => {
  it('GIVEN only the bot token THEN it listens on 127.0.0.1:8788 in front of Discord at 50 requests/s', () => {
    expect(loadProxyConfig({ DISCORD_TOKEN: 'the.bot.token' })).toEqual({
      upstream: 'https://discord.com/api',
      token: 'the.bot.token',
      host: '127.0.0.1',
      port: 8788,
      globalPerSecond: 50,
      logLevel: 'info',
    });
  });

  it.each([
    ['DISCORD_TOKEN', { DISCORD_TOKEN: undefined }, /the bot token: the proxy forwards only its requests \(missing\)/],
    ['DISCORD_TOKEN', { DISCORD_TOKEN: ' ' }, /the bot token.*\(got <redacted>\)/],
    ['DISCORD_REST_PROXY_PORT', { DISCORD_REST_PROXY_PORT: '70000' }, /port number from 0 to 65535/],
    ['DISCORD_GLOBAL_LIMIT', { DISCORD_GLOBAL_LIMIT: 'fast' }, /requests per second, such as 50/],
    ['DISCORD_GLOBAL_LIMIT', { DISCORD_GLOBAL_LIMIT: '0' }, /requests per second, such as 50/],
    ['DISCORD_API_URL', { DISCORD_API_URL: 'discord.com' }, /URL/],
  ])('GIVEN a bad %s THEN the proxy does not start and names it', (variable, env, expected) => {
    const error = errorOf(() => loadProxyConfig({ DISCORD_TOKEN: 'the.bot.token', ...env }));
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: `));
    expect(error.message).toMatch(expected);
  });
});
