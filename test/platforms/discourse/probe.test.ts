import { describe, expect, it } from 'vitest';
import { privateAddressOf } from '../../../src/platforms/discourse/probe.js';

describe('privateAddressOf', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['10.1.2.3', '10.1.2.3'],
    ['172.20.0.5', '172.20.0.5'],
    ['192.168.1.5', '192.168.1.5'],
    ['169.254.169.254', '169.254.169.254'],
    ['100.64.0.1', '100.64.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['[::1]', '::1'],
    ['[fd00::1]', 'fd00::1'],
    ['[fe80::1]', 'fe80::1'],
    ['[::ffff:10.0.0.1]', '::ffff:10.0.0.1'],
    ['[::ffff:a9fe:a9fe]', '::ffff:a9fe:a9fe'],
    // NAT64 (RFC 6052) carries an IPv4 address: the metadata service through the translator.
    ['[64:ff9b::a9fe:a9fe]', '64:ff9b::a9fe:a9fe'],
    ['[64:ff9b::10.0.0.1]', '64:ff9b::10.0.0.1'],
    ['[64:ff9b:1::a]', '64:ff9b:1::a'],
    // IPv4-compatible (deprecated): never a public forum's address.
    ['[::a9fe:a9fe]', '::a9fe:a9fe'],
    ['localhost', expect.stringMatching(/^(127\.0\.0\.1|::1)$/)],
    ['8.8.8.8', null],
    ['1.1.1.1', null],
    ['[2606:4700:4700::1111]', null],
    ['[64:ff9b::808:808]', null],
    ['172.32.0.1', null],
  ])('GIVEN %s THEN %s', async (host, expected) => {
    expect(await privateAddressOf(host)).toEqual(expected);
  });
});
