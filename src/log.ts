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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: 'convene' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
