import { describe, expect, it } from 'vitest';
import {
  asks,
  isQuestion,
  isWatched,
  type MessageFacts,
  questionTerms,
  soundsLikeHelp,
  type WatchRules,
} from '../../../src/features/questions/detect.js';

const AUTO: WatchRules = { auto: true, channels: {} };

describe('soundsLikeHelp', () => {
  it.each([
    ['help', true],
    ['help-desk', true],
    ['support', true],
    ['questions', true],
    ['question-of-the-day', true],
    ['ask-the-team', true],
    ['q-and-a', true],
    ['general', false],
    ['task-board', false],
    ['basket', false],
  ])('GIVEN a channel named %s THEN %s', (name, expected) => {
    expect(soundsLikeHelp(name)).toBe(expected);
  });
});

describe('asks', () => {
  it.each([
    ['How do I bake lightmaps', true],
    ['why does my shader not compile', true],
    ['Anyone tried the new physics?', true],
    ['It crashes on start. Any idea? Thanks', true],
    ['Is there a way to disable vsync', true],
    ['the build works now?!', true],
    ['I fixed it.', false],
    ['what', false],
    ['?', false],
    ['```how do I```', false],
    ['', false],
  ])('GIVEN "%s" THEN %s', (text, expected) => {
    expect(asks(text)).toBe(expected);
  });
});

describe('isWatched', () => {
  it.each([
    ['a forum channel by default', { id: 'f', name: 'showcase', kind: 'forum' }, AUTO, true],
    ['a help text channel by default', { id: 'h', name: 'help', kind: 'text' }, AUTO, true],
    ['an ordinary text channel by default', { id: 'g', name: 'general', kind: 'text' }, AUTO, false],
    [
      'a help channel turned off',
      { id: 'h', name: 'help', kind: 'text' },
      { auto: true, channels: { h: false } },
      false,
    ],
    [
      'a listed channel with auto off',
      { id: 'g', name: 'general', kind: 'text' },
      { auto: false, channels: { g: true } },
      true,
    ],
    [
      'a forum not listed with auto off',
      { id: 'f', name: 'help', kind: 'forum' },
      { auto: false, channels: { g: true } },
      false,
    ],
  ])('GIVEN %s THEN %s', (_case, channel, rules, expected) => {
    expect(isWatched(channel, rules)).toBe(expected);
  });
});

describe('isQuestion', () => {
  const forum = { id: 'f', name: 'help', kind: 'forum' };
  const thread = { id: 't', name: 'my crash', kind: 'thread' };
  const text = { id: 'c', name: 'support', kind: 'text' };
  const cases: [string, MessageFacts, boolean][] = [
    [
      'the post opening a forum thread, even without a question mark',
      { content: 'Crash on start.', channel: thread, parent: forum, opensThread: true },
      true,
    ],
    [
      'a later message in a forum thread',
      { content: 'how about this?', channel: thread, parent: forum, opensThread: false },
      false,
    ],
    [
      'a message that asks in a help text channel',
      { content: 'how do I do X?', channel: text, parent: null, opensThread: false },
      true,
    ],
    [
      'a statement in a help text channel',
      { content: 'done, thanks all', channel: text, parent: null, opensThread: false },
      false,
    ],
    [
      'a thread opened under a help text channel with a question',
      { content: 'why is it slow?', channel: thread, parent: text, opensThread: true },
      true,
    ],
  ];
  it.each(cases)('GIVEN %s THEN %s', (_case, facts, expected) => {
    expect(isQuestion(facts, AUTO)).toBe(expected);
  });
});

describe('questionTerms', () => {
  it('GIVEN a title and body terms THEN the title comes first, without repeats', () => {
    expect(questionTerms('Shader for vulkan', 'vulkan shader crash')).toEqual(['shader', 'vulkan', 'crash']);
  });
});
