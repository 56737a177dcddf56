/**
 * Commands on a Discourse forum: the real features' commands, read from private messages and
 * mentions by the real command reader, answered through the outbox and the forum's API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineCommand, MODERATOR_ONLY, reply } from '../../../src/commands.js';
import { defineFeature } from '../../../src/features/feature.js';
import { features } from '../../../src/features/index.js';
import { BOT, type Forum, startForum } from './harness.js';

let f: Forum;
afterEach(async () => {
  await f.close();
});

async function forum(options: Parameters<typeof startForum>[0] = {}) {
  f = await startForum(options);
  f.forum.createUser({ username: 'alice', name: 'Alice' });
  f.forum.createUser({ username: 'maria', name: 'Maria', moderator: true });
  // Each new user gets the real welcome PM from the journey feature.
  await f.settle();
}

const botPostsIn = (topicId: number) => f.forum.postsIn(topicId).filter((p) => p.username === BOT);
const pmsFromBotTo = (username: string) =>
  f.forum.privateMessagesTo(username).filter((pm) => pm.posts[0]?.username === BOT);
/** The bot's private messages to `username` other than the welcome every new user gets. */
const answersTo = (username: string) => pmsFromBotTo(username).filter((pm) => !/welcome/i.test(pm.posts[0]!.raw));

function topicBy(username: string, title = 'Looking for people into robotics') {
  const category = f.forum.createCategory({ name: 'General' });
  return f.forum.createTopic({
    username,
    title,
    raw: 'Anyone here building small robots at home? I would love to compare notes.',
    categoryId: category.id,
  });
}

/** Discourse refuses PMs under 10 characters, so people write a little more than the command. */
function pmBot(from: string, command: string) {
  return f.forum.sendPm({ from, to: [BOT], title: `About ${command}`, raw: `${command}\n\nThanks a lot!` });
}

describe('Discourse commands by private message', () => {
  beforeEach(() => forum());

  it('GIVEN two members in intros who both build robot arms THEN "meet" by PM answers in that PM with the other one and why', async () => {
    f.forum.createUser({ username: 'bob', name: 'Bob' });
    const category = f.forum.createCategory({ name: 'Robotics' });
    f.forum.createTopic({
      username: 'alice',
      title: 'Servo jitter on my robot arm',
      raw: 'My robot arm servos jitter when the arduino drives all six joints. Separate servo power supply?',
      categoryId: category.id,
    });
    f.forum.createTopic({
      username: 'bob',
      title: 'Robot arm gripper with hobby servos',
      raw: 'Printed a gripper for my robot arm; the servos need calibration from the arduino sketch.',
      categoryId: category.id,
    });
    pmBot('alice', 'intros join');
    pmBot('bob', 'intros join');
    await f.settle();
    await f.scheduler.tick(Date.now());
    const { topic } = pmBot('alice', 'meet');
    await f.settle();
    const replies = botPostsIn(topic.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.raw).toContain('People you might enjoy meeting:');
    expect(replies[0]!.raw).toMatch(/\*\*1\. Bob\*\* — .*(robot|servo|arduino)/);
    expect(replies[0]!.replyToPostNumber).toBe(1);
  });

  it('GIVEN a PM with an unknown command THEN the bot answers with the commands it knows', async () => {
    const { topic } = f.forum.sendPm({ from: 'alice', to: [BOT], title: 'Question', raw: 'dance for me please' });
    await f.settle();
    const [answer] = botPostsIn(topic.id);
    expect(answer!.raw).toContain("I didn't recognise");
    expect(answer!.raw).toContain('`@convene meet`');
    expect(answer!.raw).not.toContain('convene why set');
  });

  it('GIVEN a PM between two members THEN the bot stays out of it', async () => {
    const before = (await f.outboxRows()).length;
    const { topic } = f.forum.sendPm({
      from: 'alice',
      to: ['maria'],
      title: 'Between us',
      raw: 'meet me at the workshop?',
    });
    await f.settle();
    expect(botPostsIn(topic.id)).toEqual([]);
    expect(await f.outboxRows()).toHaveLength(before);
  });

  it('GIVEN a member answers "thanks!" to the welcome PM THEN the bot does not reply with a command list, but a command there is answered', async () => {
    const [welcome] = pmsFromBotTo('alice');
    expect(welcome!.posts[0]!.raw).toMatch(/welcome/i);
    f.forum.replyPm({ from: 'alice', topicId: welcome!.topic.id, raw: 'thanks, happy to be here!' });
    await f.settle();
    expect(botPostsIn(welcome!.topic.id)).toHaveLength(1);
    f.forum.replyPm({ from: 'alice', topicId: welcome!.topic.id, raw: '@convene intros join' });
    await f.settle();
    const posts = botPostsIn(welcome!.topic.id);
    expect(posts).toHaveLength(2);
    expect(posts[1]!.raw).toContain('You are in!');
  });
});

describe('Discourse commands by mention', () => {
  beforeEach(() => forum());

  it('GIVEN "@convene intros join" in a topic THEN the member joins and the private answer goes by PM, not into the topic', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: 'Count me in: @convene intros join' });
    await f.settle();
    expect(botPostsIn(topic.id)).toEqual([]);
    const [pm] = answersTo('alice');
    expect(pm!.participants.sort()).toEqual(['alice', BOT].sort());
    expect(pm!.posts[0]!.raw).toContain('You are in!');
    const status = pmBot('alice', 'intros status');
    await f.settle();
    expect(botPostsIn(status.topic.id)[0]!.raw).toMatch(/You are in intros/);
  });

  it('GIVEN "@convene meet" in a topic from someone not in intros THEN the answer says how to join, by PM', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: 'Hey @convene meet — who should I talk to?' });
    await f.settle();
    expect(botPostsIn(topic.id)).toEqual([]);
    const [pm] = answersTo('alice');
    expect(pm!.posts[0]!.raw).toContain('You have not joined intros yet — try `@convene intros join`');
  });

  it('GIVEN a mention with an unknown command THEN a short PM lists the commands', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: '@convene sing a song for the forum' });
    await f.settle();
    expect(botPostsIn(topic.id)).toEqual([]);
    const [pm] = answersTo('alice');
    expect(pm!.posts[0]!.raw).toContain('`@convene intros join`');
  });

  it('GIVEN "convene why set" from a member THEN it is refused; from a Discourse moderator THEN it is saved and /help shows it', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: '@convene convene why set We build robots together' });
    f.forum.reply({ username: 'maria', topicId: topic.id, raw: '@convene convene why set We build robots together' });
    await f.settle();
    expect(answersTo('alice')[0]!.posts[0]!.raw).toContain(MODERATOR_ONLY);
    const saved = answersTo('maria')[0]!.posts[0]!.raw;
    expect(saved).toMatch(/^Saved\./);
    // The purpose is what /help shows every member.
    const help = pmBot('alice', 'help');
    await f.settle();
    expect(botPostsIn(help.topic.id)[0]!.raw).toContain('We build robots together');
  });

  it('GIVEN a command post redelivered by Discourse THEN the command is answered once', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: '@convene intros join' });
    await f.settle();
    f.forum.redeliver(f.forum.lastDelivery('post_created')!.eventId);
    await f.settle();
    const answers = answersTo('alice').flatMap((pm) => pm.posts.filter((p) => p.username === BOT));
    expect(answers.map((p) => p.raw)).toEqual([expect.stringContaining('You are in!')]);
  });

  it('GIVEN a quoted or code-formatted "@convene meet" THEN it is not a command', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: 'You can type `@convene meet` to find people.' });
    f.forum.reply({
      username: 'alice',
      topicId: topic.id,
      raw: '[quote="maria, post:1, topic:1"]\n@convene meet\n[/quote]\nThat is how it works.',
    });
    await f.settle();
    expect(answersTo('alice')).toEqual([]);
    expect(botPostsIn(topic.id)).toEqual([]);
  });
});

describe('Discourse commands: a public reply', () => {
  // No command of today's features answers publicly (they all answer privately), but the adapter
  // supports it: this test command checks that path, beside the real features.
  const shout = defineFeature({
    name: 'shout',
    commands: [
      defineCommand({
        name: 'shout',
        description: 'Answer in the topic (test command)',
        access: 'member',
        options: { word: { type: 'string', description: 'What to shout' } },
        run: (ctx) => reply.public(`${ctx.member.displayName} shouts ${ctx.options.word ?? 'hello'}!`),
      }),
    ],
    buttons: [],
    jobs: [],
  });
  beforeEach(() => forum({ features: [...features, shout] }));

  it('GIVEN a command whose reply is public THEN it is posted in the topic, replying to the command post', async () => {
    const { topic } = topicBy('alice');
    const post = f.forum.reply({ username: 'alice', topicId: topic.id, raw: '@convene shout word:robots' });
    await f.settle();
    const [answer] = botPostsIn(topic.id);
    expect(answer!.raw).toBe('Alice shouts robots!');
    expect(answer!.replyToPostNumber).toBe(post.postNumber);
  });
});
