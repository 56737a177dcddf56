import { describe, expect, it } from 'vitest';
import { CommunityWordCounter, everydayFrequency, judgeWord, nameWords } from '../../src/text/topicWords.js';

/** 40 members in 40 conversations: everyone says "urho3d", a few talk about shaders, some ask for help, one is "Advocated". */
function community() {
  const c = new CommunityWordCounter();
  for (let m = 0; m < 40; m++) {
    for (let k = 0; k < 3; k++) {
      const conversation = `t${(m * 3 + k) % 40}`;
      const terms = ['urho3d', 'approach', `own${m}`];
      if (m < 4) terms.push('shader', 'shader');
      if (m % 5 === 0 && k === 0) terms.push('help');
      c.add(`m${m}`, m < 4 ? 'shaders-thread' : conversation, terms);
    }
  }
  return c.finish(nameWords(['Advocated', 'game_dev', 'Mei Lin']));
}

describe('topic words', () => {
  const c = community();
  it.each([
    ['shader', 'shaders', 'topic'],
    ['advoc', 'advocating', 'name'],
    ['mei', 'Mei', 'name'],
    ['urho3d', 'Urho3D', 'everywhere'],
    ['help', 'help', 'everyday'],
  ] as const)('GIVEN %s written "%s" THEN it is judged %s', (stem, form, verdict) => {
    expect(judgeWord(stem, form, c)).toBe(verdict);
  });

  it('GIVEN a username made of words ("game_dev") THEN only the whole name is blocked, not "game" itself', () => {
    expect(nameWords(['game_dev']).has('game')).toBe(false);
    expect(nameWords(['game_dev']).has('game_dev')).toBe(true);
  });

  it('GIVEN everyday English THEN filler is common and topic words are rare (SUBTLEX-US per million words)', () => {
    for (const w of ['instead', 'check', 'help', 'none']) expect(everydayFrequency(w)).toBeGreaterThan(60);
    for (const w of ['replication', 'shader', 'texture']) expect(everydayFrequency(w)).toBeLessThan(5);
  });
});
