import { describe, expect, it } from 'vitest';
import {
  type HeldMessage,
  planPage,
  reactionChanges,
  type SeenMessage,
} from '../../../src/platforms/discord/reconcile.js';

const seen = (id: string, extra: Partial<SeenMessage> = {}): SeenMessage => ({
  id,
  editedAt: null,
  reactions: new Map(),
  ...extra,
});
const held = (id: string, extra: Partial<HeldMessage> = {}): HeldMessage => ({
  id,
  editedAt: null,
  deleted: false,
  reactions: new Map(),
  ...extra,
});

describe('planPage', () => {
  it('GIVEN messages Discord shows that we lack THEN they are created in page order, with their reactions listed', () => {
    const plan = planPage([seen('1'), seen('2', { reactions: new Map([['✅', 2]]) })], [held('1')]);
    expect(plan.create).toEqual(['2']);
    expect(plan.recount).toEqual([{ messageId: '2', emoji: '✅' }]);
    expect(plan.remove).toEqual([]);
  });

  it('GIVEN a message we hold that Discord no longer shows THEN it is removed; one we already deleted is left alone', () => {
    const plan = planPage([seen('1')], [held('1'), held('2'), held('3', { deleted: true })]);
    expect(plan.remove).toEqual(['2']);
  });

  it.each([
    ['never edited before, edited now', null, 500, ['1']],
    ['edited again after our copy', 400, 500, ['1']],
    ['our copy is the latest edit', 500, 500, []],
    ['not edited', null, null, []],
  ])('GIVEN %s THEN edit is %j', (_what, ours, theirs, expected) => {
    const plan = planPage([seen('1', { editedAt: theirs })], [held('1', { editedAt: ours })]);
    expect(plan.edit).toEqual(expected);
  });

  it('GIVEN a reaction count that differs from ours THEN its users are listed; an equal count is trusted', () => {
    const plan = planPage(
      [
        seen('1', {
          reactions: new Map([
            ['👍', 2],
            ['🎉', 1],
          ]),
        }),
      ],
      [
        held('1', {
          reactions: new Map([
            ['👍', ['a']],
            ['🎉', ['b']],
          ]),
        }),
      ],
    );
    expect(plan.recount).toEqual([{ messageId: '1', emoji: '👍' }]);
  });

  it('GIVEN an equal count of a reaction a feature counts THEN its users are listed anyway (a swap keeps the count)', () => {
    const plan = planPage(
      [
        seen('1', {
          reactions: new Map([
            ['✅', 1],
            ['🎉', 1],
          ]),
        }),
      ],
      [
        held('1', {
          reactions: new Map([
            ['✅', ['a']],
            ['🎉', ['b']],
          ]),
        }),
      ],
      (emoji) => emoji === '✅',
    );
    expect(plan.recount).toEqual([{ messageId: '1', emoji: '✅' }]);
  });

  it('GIVEN a reaction Discord no longer has at all THEN everyone we hold took theirs back, without a request', () => {
    const plan = planPage([seen('1')], [held('1', { reactions: new Map([['✅', ['a', 'b']]]) })]);
    expect(plan.unreact).toEqual([{ messageId: '1', emoji: '✅', memberIds: ['a', 'b'] }]);
    expect(plan.recount).toEqual([]);
  });
});

describe('reactionChanges', () => {
  it('GIVEN who reacted on Discord and who we hold THEN the added and the removed', () => {
    expect(reactionChanges(['a', 'c'], ['a', 'b'])).toEqual({ added: ['c'], removed: ['b'] });
    expect(reactionChanges([], [])).toEqual({ added: [], removed: [] });
  });
});
