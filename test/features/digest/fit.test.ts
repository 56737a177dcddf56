import { describe, expect, it } from 'vitest';
import { clip, fitList, link, safeText } from '../../../src/features/digest/fit.js';

describe('making member text safe to show', () => {
  it('GIVEN an emoji at the cut THEN clipping never splits it', () => {
    const out = clip('ab😀😀😀', 4);
    expect(out).toBe('ab…');
    expect(out.length).toBeLessThanOrEqual(4);
  });

  it.each([
    ['@everyone look', '@\u200beveryone look'],
    ['<@123456> hi', '\\<@\u200b123456\\> hi'],
    ['**bold** _it_', '\\*\\*bold\\*\\* \\_it\\_'],
    ['two\nlines', 'two lines'],
  ])('GIVEN "%s" THEN it reads as plain text', (input, output) => {
    expect(safeText(input, 100)).toBe(output);
  });

  it('GIVEN a title with brackets THEN the masked link stays one link', () => {
    expect(link('a ](evil) [b', 'https://discord.com/channels/1/2', 80)).toBe(
      '[a \\]\\(evil\\) \\[b](https://discord.com/channels/1/2)',
    );
    expect(link('x', 'javascript:alert(1)', 80)).toBe('x');
  });
});

describe('filling a budget with "and N more"', () => {
  const items = Array.from({ length: 50 }, (_, i) => `item number ${i}`);
  const more = (n: number) => `…and ${n} more`;

  it.each([10, 40, 100, 300, 1024])('GIVEN a budget of %i THEN the list fits and counts what it left out', (max) => {
    const out = fitList(items, max, more);
    expect(out.length).toBeLessThanOrEqual(max);
    const shown = out.split('\n').filter((l) => l.startsWith('item')).length;
    const left = /and (\d+) more/.exec(out);
    expect(shown + Number(left?.[1] ?? 0)).toBe(out === '' ? 0 : 50);
  });

  it('GIVEN room for everything THEN there is no "more"', () => {
    expect(fitList(['a', 'b'], 100, more)).toBe('a\nb');
  });
});
