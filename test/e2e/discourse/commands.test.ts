import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODERATOR_ONLY } from '../../../src/commands.js';
import { enqueue } from '../../../src/outbox/store.js';
import { BOT, type Forum, startForum } from './harness.js';

let f: Forum;
beforeEach(async () => {
  f = await startForum();
  f.forum.createUser({ username: 'alice', name: 'Alice' });
  f.forum.createUser({ username: 'maria', name: 'Maria', moderator: true });
});
afterEach(async () => {
  await f.close();
});

const botPostsIn = (topicId: number) => f.forum.postsIn(topicId).filter((p) => p.username === BOT);
const pmsFromBotTo = (username: string) =>
  f.forum.privateMessagesTo(username).filter((pm) => pm.posts[0]?.username === BOT);

function topicBy(username: string) {
  const category = f.forum.createCategory({ name: 'General' });
  return f.forum.createTopic({
    username,
    title: 'Looking for people into robotics',
    raw: 'Anyone here building small robots at home? I would love to compare notes.',
    categoryId: category.id,
  });
}

describe('Discourse commands by private message', () => {
  it('GIVEN a member PMs the bot "meet" THEN the bot answers in that PM', async () => {
    // Discourse refuses PMs under 10 characters, so people write a little more than "meet".
    const { topic } = f.forum.sendPm({
      from: 'alice',
      to: [BOT],
      title: 'Hello Convene',
      raw: 'meet\n\nThanks a lot!',
    });
    await f.settle();
    const replies = botPostsIn(topic.id);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.raw).toContain('Hello Alice, you should meet the people in #welcome.');
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
    f.forum.sendPm({ from: 'alice', to: ['maria'], title: 'Between us', raw: 'meet me at the workshop?' });
    await f.settle();
    expect(f.outboxRows()).toEqual([]);
  });

  it('GIVEN a member answers "thanks!" to a PM the bot started THEN the bot does not reply with a command list', async () => {
    const alice = f.forum.model.userByName('alice')!;
    // The welcome PM goes through the outbox, as a feature would send it.
    enqueue(
      f.db,
      [
        {
          platform: 'discourse',
          guildId: f.discourse.guildId,
          key: 'welcome:alice',
          action: {
            type: 'dm.send',
            memberId: String(alice.id) as never,
            body: { content: 'Welcome to the forum, Alice! Glad you are here.' },
          },
        },
      ],
      Date.now(),
    );
    await f.settle();
    const [welcome] = pmsFromBotTo('alice');
    expect(welcome).toBeDefined();
    f.forum.replyPm({ from: 'alice', topicId: welcome!.topic.id, raw: 'thanks, happy to be here!' });
    await f.settle();
    expect(botPostsIn(welcome!.topic.id)).toHaveLength(1);
    f.forum.replyPm({ from: 'alice', topicId: welcome!.topic.id, raw: '@convene meet' });
    await f.settle();
    expect(botPostsIn(welcome!.topic.id)).toHaveLength(2);
  });
});

describe('Discourse commands by mention', () => {
  it('GIVEN "@convene intros join" in a topic THEN the public reply is posted in the topic, replying to that post', async () => {
    const { topic } = topicBy('alice');
    const post = f.forum.reply({ username: 'alice', topicId: topic.id, raw: '@convene intros join topic:robotics' });
    await f.settle();
    const [reply] = botPostsIn(topic.id);
    expect(reply!.raw).toBe('Welcome to intros, Alice! Topic: robotics.');
    expect(reply!.replyToPostNumber).toBe(post.postNumber);
  });

  it('GIVEN "@convene meet" in a topic THEN the ephemeral reply goes to the member by PM, not into the topic', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: 'Hey @convene meet — who should I talk to?' });
    await f.settle();
    expect(botPostsIn(topic.id)).toEqual([]);
    const [pm] = pmsFromBotTo('alice');
    expect(pm!.participants.sort()).toEqual(['alice', BOT].sort());
    expect(pm!.posts[0]!.raw).toContain('Hello Alice, you should meet');
  });

  it('GIVEN a mention with an unknown command THEN a short PM lists the commands', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: '@convene sing a song for the forum' });
    await f.settle();
    expect(botPostsIn(topic.id)).toEqual([]);
    const [pm] = pmsFromBotTo('alice');
    expect(pm!.posts[0]!.raw).toContain('`@convene intros join`');
  });

  it('GIVEN a moderator command from a member THEN it is refused; from a Discourse moderator THEN it runs', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: '@convene why set We build robots together' });
    f.forum.reply({ username: 'maria', topicId: topic.id, raw: '@convene why set We build robots together' });
    await f.settle();
    expect(pmsFromBotTo('alice')[0]!.posts[0]!.raw).toContain(MODERATOR_ONLY);
    expect(pmsFromBotTo('maria')[0]!.posts[0]!.raw).toContain('Purpose saved: We build robots together');
  });

  it('GIVEN a command post redelivered by Discourse THEN the command is answered once', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: '@convene intros join' });
    await f.settle();
    f.forum.redeliver(f.forum.lastDelivery('post_created')!.eventId);
    await f.settle();
    expect(botPostsIn(topic.id)).toHaveLength(1);
  });

  it('GIVEN a quoted or code-formatted "@convene meet" THEN it is not a command', async () => {
    const { topic } = topicBy('alice');
    f.forum.reply({ username: 'alice', topicId: topic.id, raw: 'You can type `@convene meet` to find people.' });
    await f.settle();
    expect(f.outboxRows()).toEqual([]);
  });
});
