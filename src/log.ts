/** Structured JSON logs (pino). Secrets are redacted wherever they might appear in a logged object. */
import { pino } from 'pino';

export type Logger = pino.Logger;

export const REDACT_PATHS = [
  'token',
  '*.token',
  'config.discordToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["api-key"]',
  'apiKey',
  '*.apiKey',
  'webhookSecret',
  '*.webhookSecret',
  // discord.js's DiscordAPIError keeps the body it sent: a reply's text (a webhook secret shown once)
  // or a member's words. The status, method and route stay in the log.
  'err.requestBody',
  '*.requestBody',
];

/**
 * Addresses of requests, kept in the log for their route, less the token some routes carry in their
 * path: an interaction's (Discord: whoever holds it may answer and follow up as the bot for 15
 * minutes, mentions included) or a webhook's.
 */
const ADDRESS_PATHS = ['url', 'route', 'err.url', '*.url'];
// Discord's ids are numbers: /webhooks/discourse/<forum id> (Convene's own route, no token) stays.
const TOKEN_IN_PATH = /(\/(?:interactions|webhooks)\/\d+\/)[^/?#]+/g;

function censor(value: unknown, path: string[]): unknown {
  if (ADDRESS_PATHS.includes(path.join('.')) || (path.length === 2 && path[1] === 'url')) {
    return typeof value === 'string' ? value.replace(TOKEN_IN_PATH, '$1[redacted]') : value;
  }
  return '[redacted]';
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { app: 'convene' }, redact: { paths: [...REDACT_PATHS, ...ADDRESS_PATHS], censor } },
    destination,
  );
}
