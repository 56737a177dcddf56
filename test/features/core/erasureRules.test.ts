/** What counts as naming an erased member in other people's data (pure rules of erasure.ts). */
import { describe, expect, it } from 'vitest';
import { erasedMember, namesMember, withoutId, withoutName } from '../../../src/features/core/erasure.js';

const wen = erasedMember('g', '4242', ['bon_hoffer', 'Wendeline Quillmarsh']);

describe('namesMember', () => {
  it.each([
    ['"content":"Welcome Wendeline Quillmarsh!"', true],
    ['"content":"thanks BON_HOFFER"', true],
    ['"content":"thanks bonhoffer"', true],
    ['"mentions":{"members":["4242"]}', true],
    ['"content":"<@4242> meet <@17>"', true],
    ['"content":"Wendeline and Ada"', false],
    ['"mentions":{"members":["42421"]}', false],
    ['"content":"bon_hoffers"', false],
  ])('GIVEN %s THEN %s', (text, expected) => {
    expect(namesMember(text, wen)).toBe(expected);
  });

  it('GIVEN a name shorter than 3 letters THEN it names nobody (it is a piece of everyday words)', () => {
    const al = erasedMember('g', '7', ['Al']);
    expect(namesMember('"content":"Al, also all"', al)).toBe(false);
    expect(namesMember('"members":["7"]', al)).toBe(true);
  });

  it('GIVEN a short name THEN only the whole word counts', () => {
    const ann = erasedMember('g', '8', ['Ann']);
    expect(namesMember('"content":"we announce"', ann)).toBe(false);
    expect(namesMember('"content":"thanks Ann!"', ann)).toBe(true);
  });
});

describe('withoutName', () => {
  it('GIVEN stored terms with the name as written and as a stem THEN only those go', () => {
    const quill = erasedMember('g', '1', ['Quillmarsh']);
    expect(withoutName('thank quillmarsh=Quillmarsh telescop=telescopes', quill)).toBe('thank telescop=telescopes');
    expect(withoutName('quillmarsh vsync', quill)).toBe('vsync');
    expect(withoutName('', quill)).toBe('');
  });
});

describe('withoutId', () => {
  it.each([
    [
      'a pair made by them',
      { guildId: 'g', pairedBy: '4242', pairedAt: 1 },
      { guildId: 'g', pairedBy: '', pairedAt: 1 },
    ],
    ['a list holding them', { ids: ['17', '4242'] }, { ids: ['17', ''] }],
    ['a mention in a text', { text: 'ask <@4242> or <@!4242>' }, { text: 'ask  or ' }],
    ['a longer id that starts like theirs', { by: '42421', n: 4242 }, { by: '42421', n: 4242 }],
    ['nothing (null)', null, null],
  ])('GIVEN %s THEN only their id goes', (_what, value, expected) => {
    expect(withoutId(value, '4242')).toEqual(expected);
  });
});
