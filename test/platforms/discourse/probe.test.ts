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
    ['localhost', expect.stringMatching(/^(127\.0\.0\.1|::1)$/)],
    ['8.8.8.8', null],
    ['1.1.1.1', null],
    ['[2606:4700:4700::1111]', null],
    ['172.32.0.1', null],
  ])('GIVEN %s THEN %s', async (host, expected) => {
    expect(await privateAddressOf(host)).toEqual(expected);
  });
});
