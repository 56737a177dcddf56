import { describe, expect, it } from 'vitest';
import linkConfirm from '../../../commands/linkConfirm.js';
import { defineCommand, reply } from '../../../src/commands.js';
import { asMemberId } from '../../../src/events.js';
import {
  helpText,
  matchCommand,
  type OptionResolvers,
  readOptions,
  textAfterMention,
  textOfPrivateMessage,
  tokenizeOptions,
} from '../../../src/platforms/discourse/commands.js';

const meet = defineCommand({
  name: 'meet',
  description: 'People you should meet',
  access: 'member',
  options: {},
  run: () => reply.ephemeral('x'),
});
const introsJoin = defineCommand({
  name: 'intros join',
  description: 'Join intros',
  access: 'member',
  options: {},
  run: () => reply.ephemeral('x'),
});
const intros = defineCommand({
  name: 'intros',
  description: 'Intros',
  access: 'member',
  options: { topic: { type: 'string', description: 't' } },
  run: () => reply.ephemeral('x'),
});
const whySet = defineCommand({
  name: 'convene why set',
  description: 'Set the purpose',
  access: 'moderator',
  options: { why: { type: 'string', description: 'why', required: true, maxLength: 100 } },
  run: () => reply.ephemeral('x'),
});
const nudge = defineCommand({
  name: 'nudge',
  description: 'Nudge',
  access: 'member',
  options: {
    member: { type: 'member', description: 'who', required: true },
    days: { type: 'integer', description: 'days', min: 1, max: 30 },
    loud: { type: 'boolean', description: 'loud' },
    mode: { type: 'string', description: 'mode', choices: ['reply', 'pm'] },
  },
  run: () => reply.ephemeral('x'),
});
const initial = defineCommand({
  name: 'initial',
  description: 'One letter',
  access: 'member',
  options: { letter: { type: 'string', description: 'a letter', required: true, maxLength: 1 } },
  run: () => reply.ephemeral('x'),
});
const definitions = [meet, introsJoin, intros, whySet, nudge];

const resolvers: OptionResolvers = {
  member: async (name) => (name.toLowerCase() === 'alice' ? asMemberId('7') : null),
  channel: async () => null,
  role: async () => null,
};

describe('reading a command from a post', () => {
  it.each([
    ['@convene meet', 'meet'],
    ['Hi there\n@Convene intros join please', 'intros join please'],
    ['@convene', ''],
    ['thanks @convene_fan', null],
    ['`@convene meet` is how you ask', null],
    ['[quote="bob"]\n@convene meet\n[/quote]\nnice', null],
    ['mail convene@convene.org', null],
  ])('GIVEN the post "%s" THEN the text for the bot is %j', (raw, text) => {
    expect(textAfterMention(raw, 'convene')).toBe(text);
  });

  it.each([
    ['meet', 'meet'],
    ['@convene intros join\n\nthanks!', 'intros join'],
    ['/meet', 'meet'],
    ['\n\n  intros join  ', 'intros join'],
  ])('GIVEN the PM "%s" THEN the command text is "%s"', (raw, text) => {
    expect(textOfPrivateMessage(raw, 'convene')).toBe(text);
  });
});

describe('matching a command', () => {
  it.each([
    ['meet', 'meet', ''],
    ['intros join now', 'intros join', 'now'],
    ['Intros cooking', 'intros', 'cooking'],
    ['convene why set We build robots', 'convene why set', 'We build robots'],
    ['why set We build robots', 'convene why set', 'We build robots'],
  ])('GIVEN "%s" THEN it is /%s with "%s" left', (text, name, rest) => {
    const match = matchCommand(text, definitions);
    expect(match?.def.name).toBe(name);
    expect(match?.rest).toBe(rest);
  });

  it('GIVEN words that start no command THEN there is no match', () => {
    expect(matchCommand('dance please', definitions)).toBeNull();
  });
});

describe('reading options', () => {
  it('GIVEN key:value and positional options THEN they are typed like the definition', async () => {
    const read = await readOptions(nudge, tokenizeOptions('@alice days:7 yes mode:PM'), resolvers, 'convene');
    expect(read).toEqual({ ok: true, options: { member: '7', days: 7, loud: true, mode: 'pm' } });
  });

  it('GIVEN the last string option THEN it takes the rest of the line, quotes or not', async () => {
    expect(await readOptions(whySet, tokenizeOptions('We build robots together'), resolvers, 'convene')).toEqual({
      ok: true,
      options: { why: 'We build robots together' },
    });
    expect(await readOptions(whySet, tokenizeOptions('why:"We build robots"'), resolvers, 'convene')).toEqual({
      ok: true,
      options: { why: 'We build robots' },
    });
  });

  it.each([
    ['a missing required option', nudge, 'days:3', '`member` is needed'],
    ['an unknown member', nudge, '@mallory', "I don't know @\u200Bmallory"],
    ['a number out of range', nudge, 'alice days:90', 'between 1 and 30'],
    ['a word that is no number', nudge, 'alice days:soon', 'whole number'],
    ['a choice not offered', nudge, 'alice mode:shout', 'one of: reply, pm'],
    ['too long a text', whySet, 'x'.repeat(101), 'at most 100'],
    ['extra words', nudge, 'alice 3 yes reply more', 'did not understand "more"'],
    ['too short a code', linkConfirm, 'code:12', '`code` needs at least 6 characters.'],
    ['two letters for one', initial, 'ab', '`letter` takes at most 1 character.'],
  ])('GIVEN %s THEN the member is told what to fix', async (_what, def, text, message) => {
    const read = await readOptions(def as typeof nudge, tokenizeOptions(text), resolvers, 'convene');
    expect(read.ok).toBe(false);
    if (!read.ok && /characters?\.$/.test(message)) console.log(`[member reads] ${read.error}`);
    expect(read.ok ? '' : read.error).toContain(message);
  });
});

describe('help', () => {
  it('GIVEN a member THEN only member commands are offered, and moderators see theirs too', () => {
    const member = helpText(definitions, false, 'convene', 'dance');
    expect(member).toContain('I didn\'t recognise "dance"');
    expect(member).toContain('`@convene meet` — People you should meet');
    expect(member).not.toContain('why set');
    expect(helpText(definitions, true, 'convene', null)).toContain('`@convene convene why set`');
  });

  it('GIVEN unknown text with an @everyone THEN the help does not ping', () => {
    expect(helpText(definitions, false, 'convene', '@everyone')).not.toMatch(/"@everyone"/);
  });
});
