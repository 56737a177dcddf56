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
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { app: 'convene' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
