import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../../../src/platforms/discourse/client.js';
import { signatureOf, verifySignature } from '../../../src/platforms/discourse/webhook.js';
import { capture, headerOf } from './fixtures.js';

describe('webhook signature (Discourse test vector)', () => {
  const ping = capture('ping');
  const secret = ping.secret!;
  const raw = Buffer.from(ping.raw_body!);
  const header = headerOf(ping, 'X-Discourse-Event-Signature');

  it("GIVEN Discourse's own ping vector THEN our HMAC matches its header", () => {
    expect(signatureOf(secret, raw)).toBe(header);
    expect(verifySignature(secret, raw, header)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['signed with another secret', signatureOf('another_secret_value', raw)],
    ['truncated', header.slice(0, -2)],
    ['without the sha256= prefix', header.slice('sha256='.length)],
  ])('GIVEN a signature that is %s THEN it is refused', (_what, given) => {
    expect(verifySignature(secret, raw, given)).toBe(false);
  });

  it('GIVEN the same bytes re-serialized with spaces THEN the signature no longer matches (raw bytes are signed)', () => {
    expect(verifySignature(secret, Buffer.from('{ "ping": "OK" }'), header)).toBe(false);
  });
});

describe('Discourse 429 wait', () => {
  it.each([
    ['the header only', '10', undefined, 10],
    ['the JSON only', null, 7, 7],
    ['both (the longer wins)', '3', 12, 12],
    ['an HTTP date', 'Thu, 01 Jan 2026 00:00:30 GMT', undefined, 30],
    ['neither', null, undefined, undefined],
  ])('GIVEN %s THEN the wait is right', (_what, header, json, seconds) => {
    expect(retryAfterSeconds(header, json, Date.parse('2026-01-01T00:00:00Z'))).toBe(seconds);
  });
});
