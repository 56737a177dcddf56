/** Counts and nouns that agree (src/text/plural.ts), as every count-bearing sentence says them. */
import { describe, expect, it } from 'vitest';
import { formatCount, nounFor, plural } from '../../src/text/plural.js';

describe('plural', () => {
  it.each([
    [0, 'member', undefined, '0 members'],
    [1, 'member', undefined, '1 member'],
    [2, 'member', undefined, '2 members'],
    [1, 'person', 'people', '1 person'],
    [12, 'person', 'people', '12 people'],
    [1_024, 'answered question', undefined, '1,024 answered questions'],
    // The noun agrees with the number shown: 1.2 is written "1".
    [1.2, 'day', undefined, '1 day'],
    [-1, 'pt', 'pts', '-1 pt'],
  ])('GIVEN %d %s THEN "%s"', (n, one, many, expected) => {
    expect(plural(n, one, many)).toBe(expected);
  });

  it('GIVEN a verb to agree THEN nounFor picks it', () => {
    expect(`the last ${plural(1, 'character')} ${nounFor(1, 'is', 'are')} not sent`).toBe(
      'the last 1 character is not sent',
    );
    expect(`the last ${plural(9, 'character')} ${nounFor(9, 'is', 'are')} not sent`).toBe(
      'the last 9 characters are not sent',
    );
  });

  it('GIVEN large counts THEN thousands are separated', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
  });
});
