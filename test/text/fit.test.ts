import { describe, expect, it } from 'vitest';
import {
  clip,
  fitDiscordBody,
  fitList,
  fitPlain,
  fitText,
  hasBidiControl,
  LIMITS,
  limitViolation,
  link,
  openMarkdown,
  safeText,
} from '../../src/text/fit.js';

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
    ['[click](https://evil.example)', '\\[click\\]\\(https://evil.example\\)'],
    ['gpj.\u202Eexe', 'gpj.exe'],
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

describe('fitting any text to a limit', () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

  it('GIVEN a text that fits THEN it is unchanged', () => {
    expect(fitText('**hello** <@123>', 2000)).toBe('**hello** <@123>');
  });

  it('GIVEN a long text THEN it is cut on a word boundary with a visible ellipsis', () => {
    const out = fitText(words(500), 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.endsWith('…')).toBe(true);
    expect(out.slice(0, -1)).toMatch(/word\d+$/);
    expect(words(500).startsWith(out.slice(0, -1))).toBe(true);
  });

  it('GIVEN lines THEN it prefers to cut at a line break', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i} has a few words in it`).join('\n');
    const out = fitText(text, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(text.split('\n')).toContain(out.slice(0, -1).split('\n').at(-1));
  });

  it.each([
    ['a mention', '<@123456789012345678>'],
    ['a role mention', '<@&123456789012345678>'],
    ['a channel', '<#123456789012345678>'],
    ['a timestamp', '<t:1767225600:R>'],
    ['a masked link', '[the release notes](https://example.com/a/very/long/path/to/notes)'],
    ['a bare link', 'https://example.com/a/very/long/path/to/notes?with=query'],
  ])('GIVEN %s at the limit THEN the cut never falls inside it', (_what, token) => {
    for (let at = 20; at < 60; at++) {
      const text = `${'x'.repeat(at)}${token}${' tail'.repeat(50)}`;
      const out = fitText(text, 70);
      expect(out.length).toBeLessThanOrEqual(70);
      expect(out.includes(token) || !out.includes(token.slice(0, 3))).toBe(true);
    }
  });

  it.each([
    ['bold', `**${'strong words '.repeat(40)}**`, '**'],
    ['code', `\`${'code words '.repeat(40)}\``, '`'],
    ['spoiler', `||${'hidden words '.repeat(40)}||`, '||'],
    ['a fence', `\`\`\`\n${'let x = 1;\n'.repeat(60)}\`\`\``, '```'],
  ])('GIVEN %s cut in the middle THEN the markdown is closed again', (_what, text, mark) => {
    const out = fitText(text, 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(openMarkdown(out)).toEqual([]);
    expect(out.endsWith(mark)).toBe(true);
    expect(out).toContain('…');
  });

  it('GIVEN escaped markup THEN it is not taken for an opener', () => {
    expect(openMarkdown('\\*\\* not bold \\`')).toEqual([]);
    expect(openMarkdown('5 * 3 and snake_case_name')).toEqual([]);
  });

  it('GIVEN a plain name THEN it is one line cut at a word', () => {
    expect(fitPlain(`Intro: ${'long name '.repeat(20)}`, LIMITS.threadName).length).toBeLessThanOrEqual(100);
    expect(fitPlain('a\u202Eb\nc', 100)).toBe('ab c');
  });

  it('GIVEN a body over every limit THEN fitDiscordBody makes it acceptable', () => {
    const long = words(2000);
    const body = fitDiscordBody({
      content: long,
      embeds: [
        {
          title: long,
          description: long,
          footer: long,
          fields: Array.from({ length: 30 }, () => ({ name: long, value: long })),
        },
        { description: long },
      ],
      buttons: [{ id: 'x:1', label: long }],
    });
    expect(limitViolation(body)).toBeNull();
    expect(body.content.endsWith('…')).toBe(true);
  });

  it('GIVEN bidi controls THEN they are detected', () => {
    expect(hasBidiControl('abc\u202E')).toBe(true);
    expect(hasBidiControl(safeText('abc\u202Edef\u2066', 100))).toBe(false);
  });
});
