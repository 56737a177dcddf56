/**
 * Real Discourse webhook captures, read at test time from the shared reference data (they are not
 * copied into the repo: some of them carry no licence). Path: ../shared/specs/discourse/webhooks.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SPECS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/specs/discourse');

export interface WebhookCapture {
  headers: Record<string, string>;
  body: Record<string, unknown>;
  secret?: string;
  raw_body?: string;
}

export function capture(name: string): WebhookCapture {
  return JSON.parse(readFileSync(resolve(SPECS_DIR, 'webhooks', `${name}.json`), 'utf8')) as WebhookCapture;
}

/** Header lookup that ignores case (the captures mix "X-Discourse-Event" and "x-discourse-event"). */
export function headerOf(c: WebhookCapture, name: string): string {
  const key = Object.keys(c.headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!key) throw new Error(`capture has no ${name} header`);
  return c.headers[key]!;
}
