import { describe, expect, it } from 'vitest';
import { type ConnectFacts, decideConnect, normalizeForumUrl } from '../../../src/features/links/forumRules.js';

const A = 'discourse:a.example';
const B = 'discourse:b.example';
const pair = (guildId: string, forumGuildId: string) => ({ guildId, forumGuildId, pairedBy: 'm', pairedAt: 0 });
const facts = (over: Partial<ConnectFacts>): ConnectFacts => ({
  guildId: 'g1',
  forumGuildId: A,
  forumPair: null,
  guildPair: null,
  storedForumGuildId: null,
  ...over,
});

describe('decideConnect', () => {
  it.each([
    ['a free forum and a free server', facts({}), { kind: 'new' }],
    [
      'the forum held by another server',
      facts({ forumPair: pair('g2', A) }),
      { kind: 'held-elsewhere', holderGuildId: 'g2' },
    ],
    [
      'this server holding the forum by command',
      facts({ forumPair: pair('g1', A), guildPair: pair('g1', A), storedForumGuildId: A }),
      { kind: 'update' },
    ],
    [
      'this server paired with the environment’s forum, asking for it',
      facts({ forumPair: pair('g1', A), guildPair: pair('g1', A) }),
      { kind: 'new' },
    ],
    [
      'this server already holding another forum by command',
      facts({ storedForumGuildId: B, guildPair: pair('g1', B) }),
      { kind: 'other-forum', forumGuildId: B },
    ],
    [
      'this server paired with the environment’s other forum',
      facts({ guildPair: pair('g1', B) }),
      { kind: 'other-forum', forumGuildId: B },
    ],
  ])('GIVEN %s THEN %o', (_what, given, expected) => {
    expect(decideConnect(given)).toEqual(expected);
  });
});

describe('normalizeForumUrl', () => {
  it.each([
    ['https://forum.example.org/', 'https://forum.example.org'],
    ['  https://forum.example.org/latest?x=1#top ', 'https://forum.example.org/latest'],
    ['https://example.org/community/', 'https://example.org/community'],
    ['http://127.0.0.1:4200', 'http://127.0.0.1:4200'],
    // One forum, one address: a trailing dot (the same name, fully qualified) is not another forum.
    ['https://Forum.Example.org.:443/', 'https://forum.example.org'],
    ['https://forum.example.org../', 'https://forum.example.org'],
    ['forum.example.org', null],
    ['ftp://forum.example.org', null],
    ['https://user:pass@forum.example.org', null],
    ['javascript:alert(1)', null],
  ])('GIVEN %s THEN %s', (text, expected) => {
    expect(normalizeForumUrl(text)).toBe(expected);
  });
});
