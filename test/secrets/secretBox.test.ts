import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { newWebhookSecret, parseSecretKey, SecretBox } from '../../src/secrets/secretBox.js';

const key = randomBytes(32);

describe('SecretBox (AES-256-GCM)', () => {
  it('GIVEN a sealed value THEN it opens to the same text with the same key and context, and holds no clear text', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('api-key-0123456789', 'forum:f1:api-key');
    expect(sealed).not.toContain('api-key-0123456789');
    expect(box.open(sealed, 'forum:f1:api-key')).toBe('api-key-0123456789');
  });

  it('GIVEN the same text sealed twice THEN the two sealed values differ (a fresh IV each time)', () => {
    const box = new SecretBox(key);
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it.each([
    ['another forum', (s: string) => new SecretBox(key).open(s, 'forum:f2:api-key')],
    ['another field', (s: string) => new SecretBox(key).open(s, 'forum:f1:webhook-secret')],
    ['another key', (s: string) => new SecretBox(randomBytes(32)).open(s, 'forum:f1:api-key')],
    [
      'one changed byte',
      (s: string) => {
        const parts = s.split('.');
        const data = Buffer.from(parts[3]!, 'base64url');
        data[0] = data[0]! ^ 1;
        parts[3] = data.toString('base64url');
        return new SecretBox(key).open(parts.join('.'), 'forum:f1:api-key');
      },
    ],
    ['not a sealed value', () => new SecretBox(key).open('api-key-0123456789', 'forum:f1:api-key')],
  ])('GIVEN %s THEN opening fails instead of returning wrong text', (_what, open) => {
    const sealed = new SecretBox(key).seal('api-key-0123456789', 'forum:f1:api-key');
    expect(() => open(sealed)).toThrow();
  });
});

describe('parseSecretKey', () => {
  const bytes = randomBytes(32);
  it.each([
    ['64 hex digits', bytes.toString('hex'), true],
    ['base64', bytes.toString('base64'), true],
    ['base64url', bytes.toString('base64url'), true],
    ['with spaces around', `  ${bytes.toString('base64')}\n`, true],
    ['31 bytes of base64', randomBytes(31).toString('base64'), false],
    ['33 bytes of hex', randomBytes(33).toString('hex'), false],
    ['a password', 'correct horse battery staple', false],
  ])('GIVEN %s THEN %s', (_what, text, ok) => {
    const parsed = parseSecretKey(text);
    if (ok) expect(parsed?.equals(bytes)).toBe(true);
    else expect(parsed).toBeNull();
  });

  it('GIVEN a valid key in the environment THEN the config carries its 32 bytes', () => {
    expect(loadConfig({ CONVENE_SECRET_KEY: bytes.toString('hex') }).secretKey?.equals(bytes)).toBe(true);
    expect(loadConfig({}).secretKey).toBeUndefined();
  });
});

describe('newWebhookSecret', () => {
  it('GIVEN two new secrets THEN they are 64 hex characters and differ', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
