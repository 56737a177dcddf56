import { afterEach, describe, expect, it } from 'vitest';
import type { Action } from '../../../src/actions.js';
import { asChannelId, asMemberId, asMessageId, asRoleId } from '../../../src/events.js';
import { LeaseLostError } from '../../../src/lease.js';
import { enqueueOn } from '../../../src/outbox/store.js';
import { DiscourseClient, DiscourseRequestError } from '../../../src/platforms/discourse/client.js';
import { badgeRoleId } from '../../../src/platforms/discourse/ids.js';
import { API_KEY, BOT, type Forum, startForum } from './harness.js';

let f: Forum;
afterEach(async () => {
  await f?.close();
});

let keys = 0;
function send(action: Action, now = Date.now()) {
  return enqueueOn(
    f.database,
    [{ platform: 'discourse', guildId: f.discourse.guildId, key: `test:${++keys}`, action }],
    now,
  );
}
const row = async () => (await f.outboxRows()).at(-1)!;

/**
 * These tests put Actions into the outbox themselves and look at what reaches the forum: the sender
 * is what they test, so the adapter runs without features (whose welcome PMs would mix in).
 */
const senderOnly = (options: Parameters<typeof startForum>[0] = {}) => startForum({ features: [], ...options });

async function forumWithTopic(options: Parameters<typeof startForum>[0] = {}) {
  f = await senderOnly(options);
  const alice = f.forum.createUser({ username: 'alice', name: 'Alice' });
  const bob = f.forum.createUser({ username: 'bob', name: 'Bob' });
  f.forum.createUser({ username: 'someone' });
  const category = f.forum.createCategory({ name: 'Questions' });
  const { topic, post } = f.forum.createTopic({
    username: 'alice',
    title: 'How do I calibrate the arm servo?',
    raw: 'My servo drifts by a few degrees after an hour. Ideas?',
    categoryId: category.id,
  });
  await f.settle();
  return { alice, bob, category, topic, post };
}

describe('Discourse sender: messages and mentions', () => {
  it('GIVEN a nudge mentioning one chosen member and text with @everyone/@staff/@someone THEN only the chosen member is notified', async () => {
    const { alice, bob, topic, post } = await forumWithTopic();
    await send({
      type: 'message.send',
      channelId: asChannelId(String(topic.id)),
      replyTo: asMessageId(String(post.id)),
      body: {
        content: `<@${bob.id}> might know this one — <@${alice.id}> asked: "@everyone @staff @someone please help"`,
        mentions: { members: [asMemberId(String(bob.id))] },
      },
    });
    await f.settle();
    const [reply] = f.forum.postsIn(topic.id).filter((p) => p.username === BOT);
    expect(reply!.mentions).toEqual({ users: ['bob'], groups: [] });
    expect(reply!.replyToPostNumber).toBe(post.postNumber);
    expect(reply!.raw.replaceAll('\u200D', '')).toBe(
      '@bob might know this one — alice asked: "@everyone @staff @someone please help"',
    );
    expect(await row()).toMatchObject({
      status: 'done',
      result: { postId: String(reply!.id), topicId: String(topic.id) },
    });
  });

  it('GIVEN a message for a category THEN a new topic is created there (digests)', async () => {
    const { category } = await forumWithTopic();
    await send({
      type: 'message.send',
      channelId: asChannelId(`category:${category.id}`),
      body: {
        content: 'This week in the workshop',
        embeds: [{ title: 'Weekly digest: 3 questions solved', description: 'Thanks to everyone who helped.' }],
      },
    });
    await f.settle();
    const created = [...f.forum.model.topics.values()].find((t) => t.userId === f.forum.bot.id);
    expect(created).toMatchObject({
      title: 'Weekly digest: 3 questions solved',
      categoryId: category.id,
      archetype: 'regular',
    });
  });

  it('GIVEN a short answer THEN it is signed up to the forum minimum instead of being refused', async () => {
    const { topic } = await forumWithTopic();
    await send({ type: 'message.send', channelId: asChannelId(String(topic.id)), body: { content: 'Done!' } });
    await f.settle();
    expect((await row()).status).toBe('done');
    expect(f.forum.postsIn(topic.id).at(-1)!.raw).toBe('Done!\n\n<small>— Convene</small>');
  });

  it('GIVEN an image attachment THEN it is uploaded and shown in the post', async () => {
    const { topic } = await forumWithTopic();
    await send({
      type: 'message.send',
      channelId: asChannelId(String(topic.id)),
      body: {
        content: 'Activity this week',
        attachments: [
          {
            name: 'chart.png',
            contentType: 'image/png',
            dataBase64: Buffer.from('not really a png').toString('base64'),
          },
        ],
      },
    });
    await f.settle();
    const upload = [...f.forum.model.uploads.values()][0]!;
    expect(upload.name).toBe('chart.png');
    expect(f.forum.postsIn(topic.id).at(-1)!.raw).toBe(
      `Activity this week\n\n![chart.png|690x388](${upload.shortUrl})`,
    );
  });
});

describe('Discourse sender: PMs, groups, badges', () => {
  it('GIVEN dm.send THEN the member gets a private message from the bot', async () => {
    const { alice } = await forumWithTopic();
    await send({
      type: 'dm.send',
      memberId: asMemberId(String(alice.id)),
      body: { content: 'Welcome, Alice! Tell us what you are building.' },
    });
    await f.settle();
    const [pm] = f.forum.privateMessagesTo('alice');
    expect(pm!.participants.sort()).toEqual(['alice', BOT].sort());
    expect(pm!.topic.title).toBe('Welcome, Alice! Tell us what you are building.');
  });

  it('GIVEN thread.create for two members THEN one private message holds both of them and the bot', async () => {
    const { alice, bob } = await forumWithTopic();
    await send({
      type: 'thread.create',
      channelId: asChannelId('0'),
      name: 'Alice, meet Bob',
      memberIds: [asMemberId(String(alice.id)), asMemberId(String(bob.id))],
      body: {
        content: `<@${alice.id}>, <@${bob.id}>: you both build robot arms.`,
        mentions: { members: [asMemberId(String(alice.id)), asMemberId(String(bob.id))] },
      },
    });
    await f.settle();
    const [pm] = f.forum.privateMessagesTo('bob');
    expect(pm!.participants.sort()).toEqual(['alice', 'bob', BOT].sort());
    expect(await row()).toMatchObject({ status: 'done', result: { threadId: String(pm!.topic.id) } });
  });

  it('GIVEN role.add and role.remove THEN the member joins and leaves the group (adding twice is fine)', async () => {
    const { alice } = await forumWithTopic();
    const group = f.forum.createGroup('explorers');
    const member = asMemberId(String(alice.id));
    await send({ type: 'role.add', memberId: member, roleId: asRoleId(String(group.id)) });
    await send({ type: 'role.add', memberId: member, roleId: asRoleId(String(group.id)) });
    await f.settle();
    expect(f.forum.groupMembers(group.id)).toEqual(['alice']);
    expect((await f.outboxRows()).map((r) => r.status)).toEqual(['done', 'done']);
    await send({ type: 'role.remove', memberId: member, roleId: asRoleId(String(group.id)) });
    await f.settle();
    expect(f.forum.groupMembers(group.id)).toEqual([]);
  });

  it('GIVEN a badge role THEN the badge is granted, and revoked on remove', async () => {
    const { alice } = await forumWithTopic();
    const badge = f.forum.createBadge('Helper');
    await send({
      type: 'role.add',
      memberId: asMemberId(String(alice.id)),
      roleId: asRoleId(badgeRoleId(badge.id)),
      reason: 'first accepted answer',
    });
    await f.settle();
    expect(f.forum.badgesOf('alice')).toEqual(['Helper']);
    await send({
      type: 'role.remove',
      memberId: asMemberId(String(alice.id)),
      roleId: asRoleId(badgeRoleId(badge.id)),
    });
    await f.settle();
    expect(f.forum.badgesOf('alice')).toEqual([]);
  });

  it('GIVEN a member Convene has never seen THEN the username is looked up by id through the API', async () => {
    f = await senderOnly();
    f.forum.setWebhook(undefined);
    const dana = f.forum.createUser({ username: 'dana' });
    await send({
      type: 'dm.send',
      memberId: asMemberId(String(dana.id)),
      body: { content: 'Hello Dana, nice to meet you here.' },
    });
    await f.settle();
    expect(f.forum.privateMessagesTo('dana')).toHaveLength(1);
    expect(f.forum.botRequests(/^GET \/admin\/users\/\d+\.json$/)).toHaveLength(1);
  });
});

describe('Discourse sender: failures', () => {
  it('GIVEN a 429 with Retry-After and wait_seconds THEN the action waits that long and is then sent once', async () => {
    let clock = Date.parse('2026-03-02T09:00:00Z');
    const { topic } = await forumWithTopic({ clock: () => clock });
    f.forum.forceRateLimit(1, 1, /^POST \/posts\.json$/);
    await send(
      {
        type: 'message.send',
        channelId: asChannelId(String(topic.id)),
        body: { content: 'Here is a pointer for you.' },
      },
      clock,
    );
    await f.discourse.drain.drainAll();
    const waiting = await row();
    expect(waiting).toMatchObject({ status: 'pending', notBefore: clock + 1_000 });
    expect(waiting.lastError).toMatch(/rate limit/);
    expect(await f.discourse.drain.drainAll()).toBe(0);
    clock += 1_000;
    await f.discourse.drain.drainAll();
    expect((await row()).status).toBe('done');
    expect(f.forum.botRequests(/^POST \/posts\.json$/).map((r) => r.status)).toEqual([429, 200]);
    expect(f.forum.postsIn(topic.id).filter((p) => p.username === BOT)).toHaveLength(1);
  });

  it('GIVEN a 5xx THEN the action is retried; GIVEN a 4xx THEN it fails for good', async () => {
    let clock = Date.parse('2026-03-02T09:00:00Z');
    const { topic } = await forumWithTopic({ clock: () => clock });
    f.forum.failNext(1, 502, /^POST \/posts\.json$/);
    await send(
      {
        type: 'message.send',
        channelId: asChannelId(String(topic.id)),
        body: { content: 'Here is a pointer for you.' },
      },
      clock,
    );
    await f.discourse.drain.drainAll();
    expect((await row()).status).toBe('pending');
    clock += 10 * 60_000;
    await f.discourse.drain.drainAll();
    expect((await row()).status).toBe('done');

    await send(
      { type: 'message.send', channelId: asChannelId('987654'), body: { content: 'A reply to a topic that is gone.' } },
      clock,
    );
    await f.discourse.drain.drainAll();
    expect(await row()).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await row()).lastError).toMatch(/404/);
  });

  it('GIVEN a post with an upload whose row another process took over THEN it stops at the checkpoint and posts nothing', async () => {
    const { topic } = await forumWithTopic();
    const before = f.forum.postsIn(topic.id).length;
    const sending = f.discourse.sender.send(
      {
        type: 'message.send',
        channelId: asChannelId(String(topic.id)),
        body: {
          content: 'Activity this week',
          attachments: [
            { name: 'chart.png', contentType: 'image/png', dataBase64: Buffer.from('png').toString('base64') },
          ],
        },
      },
      {
        guildId: f.discourse.guildId,
        key: 'taken-over',
        id: 1,
        attempt: 1,
        progress: null,
        // What the drain's checkpoint does when the row is held by another process now.
        checkpoint: () => Promise.reject(new LeaseLostError('outbox row 1')),
      },
    );
    await expect(sending).rejects.toBeInstanceOf(LeaseLostError);
    expect(f.forum.postsIn(topic.id)).toHaveLength(before);
  });

  it('GIVEN a wrong API key THEN the forum answers 403 invalid_access and the client says so', async () => {
    f = await senderOnly();
    const client = new DiscourseClient({ url: f.forum.url, apiKey: `${API_KEY}-wrong`, apiUsername: BOT });
    const error = await client.latestTopics().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscourseRequestError);
    expect(error).toMatchObject({ status: 403, errorType: 'invalid_access' });
    const noUser = new DiscourseClient({ url: f.forum.url, apiKey: API_KEY, apiUsername: 'nobody' });
    expect(await noUser.latestTopics().catch((e: unknown) => e)).toMatchObject({ status: 403 });
  });
});
