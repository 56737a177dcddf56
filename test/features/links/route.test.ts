import { describe, expect, it } from 'vitest';
import { type LinkedCandidate, pickLinkedAnswerer } from '../../../src/features/links/route.js';

const base: LinkedCandidate = {
  memberId: 'd-cyd',
  forumMemberId: 'f-cyd',
  nudgesOff: false,
  answers: ['allocate vulkan descriptor set pool', 'vulkan descriptor binding update'],
  lastActiveThere: 2_000,
  lastActiveOnForum: 1_000,
};
const question = ['vulkan', 'descriptor', 'invalid', 'update'];

describe('pickLinkedAnswerer', () => {
  it.each([
    { what: 'active on Discord', c: base, expected: { memberId: 'd-cyd', via: 'discord', answers: 2 } },
    { what: 'active on the forum', c: { ...base, lastActiveOnForum: 3_000 }, expected: { via: 'discourse' } },
  ])(
    'GIVEN a linked member who answered the topic and is $what THEN they are picked, to be contacted there',
    ({ c, expected }) => {
      expect(pickLinkedAnswerer(question, 'f-noor', [c])).toMatchObject(expected);
    },
  );

  it.each([
    { what: 'opted out of nudges', c: { ...base, nudgesOff: true }, asker: 'f-noor' },
    { what: 'the asker', c: base, asker: 'f-cyd' },
    {
      what: 'someone whose answers share one term at most',
      c: { ...base, answers: ['vulkan shader compile'] },
      asker: 'f-noor',
    },
  ])('GIVEN $what THEN nobody is picked', ({ c, asker }) => {
    expect(pickLinkedAnswerer(question, asker, [c])).toBeNull();
  });

  it('GIVEN two linked members THEN the one with more answers on the topic wins', () => {
    const dee = { ...base, memberId: 'd-dee', forumMemberId: 'f-dee', answers: ['vulkan descriptor pool'] };
    expect(pickLinkedAnswerer(question, 'f-noor', [dee, base])?.memberId).toBe('d-cyd');
  });
});
