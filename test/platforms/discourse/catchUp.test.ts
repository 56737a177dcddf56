import { describe, expect, it } from 'vitest';
import { type HeldPost, postChanges } from '../../../src/platforms/discourse/catchUp.js';

const held = (postId: string, extra: Partial<HeldPost> = {}): HeldPost => ({
  postId,
  createdAt: 1_000,
  editedAt: null,
  deleted: false,
  ...extra,
});

describe('postChanges', () => {
  it('GIVEN a post the forum no longer shows THEN it is removed; one we already deleted is left alone', () => {
    expect(
      postChanges([{ id: '1', updatedAt: 1_000, version: 1 }], [held('1'), held('2'), held('3', { deleted: true })]),
    ).toEqual({ edited: [], removed: ['2'] });
  });

  it.each([
    ['a later version than our copy', { updatedAt: 2_000, version: 2 }, {}, ['1']],
    ['a later version edited again since our edit', { updatedAt: 3_000, version: 3 }, { editedAt: 2_000 }, ['1']],
    ['our copy has that edit', { updatedAt: 2_000, version: 2 }, { editedAt: 2_000 }, []],
    ['touched but never revised (version 1)', { updatedAt: 5_000, version: 1 }, {}, []],
  ])('GIVEN %s THEN edited is %j', (_what, post, ours, expected) => {
    expect(postChanges([{ id: '1', ...post }], [held('1', ours)]).edited).toEqual(expected);
  });
});
