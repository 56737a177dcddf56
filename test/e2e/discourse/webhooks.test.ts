import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signatureOf } from '../../../src/platforms/discourse/webhook.js';
import { deliver, type Forum, SECRET, startForum } from './harness.js';

let f: Forum;
beforeEach(async () => {
  f = await startForum();
});
afterEach(async () => {
  await f.close();
});

const guildOf = (f: Forum) => f.discourse.guildId;
const t = () => f.database.tables;
const messageRows = (f: Forum) =>
  f.database
    .select()
    .from(t().messages)
    .where(eq(t().messages.guildId, guildOf(f)));
const keyRows = (f: Forum) => f.database.select().from(t().discourseWebhookKeys);

function setupTopic(f: Forum) {
  f.forum.createUser({ username: 'alice', name: 'Alice A.' });
  f.forum.createUser({ username: 'bob' });
  const category = f.forum.createCategory({ name: 'Questions' });
  const { topic, post } = f.forum.createTopic({
    username: 'alice',
    title: 'How do I build the docs offline?',
    raw: 'I tried make docs but it wants the network. Any idea?',
    categoryId: category.id,
  });
  return { category, topic, post };
}

describe('Discourse webhooks: signatures', () => {
  it('GIVEN a ping signed with the secret THEN it is answered 200', async () => {
    const delivery = f.forum.ping();
    await f.forum.flush();
    expect(delivery.status).toBe(200);
    expect(delivery.response).toMatchObject({ ok: true });
  });

  it('GIVEN deliveries signed with the right secret THEN they are stored', async () => {
    setupTopic(f);
    await f.settle();
    expect(f.forum.sentDeliveries().map((d) => d.status)).toEqual(f.forum.sentDeliveries().map(() => 200));
    expect(await messageRows(f)).toHaveLength(1);
  });

  it('GIVEN deliveries signed with another secret THEN each is refused with 401 and nothing is stored', async () => {
    f.forum.setWebhook({ url: f.webhookUrl, secret: 'not-the-secret-at-all' });
    setupTopic(f);
    await f.settle();
    expect(f.forum.sentDeliveries().map((d) => d.status)).toEqual(f.forum.sentDeliveries().map(() => 401));
    expect(await messageRows(f)).toEqual([]);
    expect(await f.database.select().from(t().members).where(eq(t().members.username, 'alice'))).toEqual([]);
    expect(await keyRows(f)).toEqual([]);
  });

  it('GIVEN deliveries without a signature (hook has no secret) THEN they are refused with 401 and nothing is stored', async () => {
    f.forum.setWebhook({ url: f.webhookUrl });
    setupTopic(f);
    await f.settle();
    expect(new Set(f.forum.sentDeliveries().map((d) => d.status))).toEqual(new Set([401]));
    expect(await messageRows(f)).toEqual([]);
    expect(await keyRows(f)).toEqual([]);
  });

  it('GIVEN a captured delivery replayed byte for byte THEN it is answered as a duplicate and changes nothing', async () => {
    setupTopic(f);
    await f.settle();
    const original = f.forum.lastDelivery('post_created')!;
    const before = await messageRows(f);
    const heardBefore = f.heard.length;
    const replay = await deliver(f.webhookUrl, original.body, original.headers);
    expect(replay).toEqual({ status: 200, json: { ok: true, duplicate: true } });
    expect(await messageRows(f)).toEqual(before);
    expect(f.heard.length).toBe(heardBefore);
  });

  it('GIVEN a signed body that is not JSON, or JSON of the wrong shape THEN 400 and nothing is stored', async () => {
    const headers = (body: string) => ({
      'X-Discourse-Event': 'post_created',
      'X-Discourse-Event-Type': 'post',
      'X-Discourse-Event-Id': '999',
      'X-Discourse-Event-Signature': signatureOf(SECRET, body),
    });
    const notJson = '{"post": {"id": 1,';
    expect((await deliver(f.webhookUrl, notJson, headers(notJson))).status).toBe(400);
    const wrongShape = JSON.stringify({ post: { id: 'twelve', username: 'x' } });
    const answer = await deliver(f.webhookUrl, wrongShape, headers(wrongShape));
    expect(answer.status).toBe(400);
    expect(String(answer.json.error)).toMatch(/post: /);
    expect(await messageRows(f)).toEqual([]);
    expect(await keyRows(f)).toEqual([]);
  });

  it('GIVEN a tampered body with the original signature THEN 401', async () => {
    setupTopic(f);
    await f.settle();
    const original = f.forum.sentDeliveries().find((d) => d.event === 'post_created' && d.body.includes('Any idea?'))!;
    const tampered = original.body.replace('Any idea?', 'Any idea!');
    expect((await deliver(f.webhookUrl, tampered, original.headers)).status).toBe(401);
  });
});

describe('Discourse webhooks: each event kind', () => {
  it('GIVEN user_created THEN the member is stored, joined at the account creation time', async () => {
    const user = f.forum.createUser({
      username: 'carol',
      name: 'Carol',
      createdAt: Date.parse('2026-02-01T10:00:00Z'),
    });
    await f.settle();
    const row = (
      await f.database
        .select()
        .from(t().members)
        .where(eq(t().members.memberId, String(user.id)))
    )[0];
    expect(row).toMatchObject({
      username: 'carol',
      displayName: 'Carol',
      joinedAt: Date.parse('2026-02-01T10:00:00Z'),
      bot: false,
    });
  });

  it('GIVEN category_created, topic_created and post_created THEN the category is a forum channel, the topic a thread in it, the post a message in the topic', async () => {
    const { category, topic, post } = setupTopic(f);
    await f.settle();
    const category_ = (
      await f.database
        .select()
        .from(t().channels)
        .where(eq(t().channels.channelId, `category:${category.id}`))
    )[0];
    expect(category_).toMatchObject({ name: 'Questions', kind: 'forum' });
    const thread = (
      await f.database
        .select()
        .from(t().channels)
        .where(eq(t().channels.channelId, String(topic.id)))
    )[0];
    expect(thread).toMatchObject({
      kind: 'thread',
      parentId: `category:${category.id}`,
      name: 'How do I build the docs offline?',
    });
    const [message] = await messageRows(f);
    expect(message).toMatchObject({
      messageId: String(post.id),
      channelId: String(topic.id),
      parentChannelId: `category:${category.id}`,
      createdAt: post.createdAt,
    });
  });

  it('GIVEN a reply to a post and a mention THEN the reply links to that post and the mention to that member', async () => {
    const { topic, post } = setupTopic(f);
    await f.settle();
    const reply = f.forum.reply({
      username: 'bob',
      topicId: topic.id,
      raw: 'Try `make docs-offline`, @alice — it works for me.',
      replyToPostNumber: post.postNumber,
    });
    await f.settle();
    const row = (
      await f.database
        .select()
        .from(t().messages)
        .where(eq(t().messages.messageId, String(reply.id)))
    )[0];
    const alice = f.forum.model.userByName('alice')!;
    expect(row).toMatchObject({ replyToId: String(post.id), mentionIds: [String(alice.id)] });
  });

  it('GIVEN post_edited and post_destroyed THEN the message is edited, then deleted', async () => {
    const { topic } = setupTopic(f);
    const reply = f.forum.reply({ username: 'bob', topicId: topic.id, raw: 'A first answer that needs fixing.' });
    await f.settle();
    f.forum.editPost(reply.id, 'A better answer: use the offline flag.');
    await f.settle();
    const edited = (
      await f.database
        .select()
        .from(t().messages)
        .where(eq(t().messages.messageId, String(reply.id)))
    )[0]!;
    expect(edited.editedAt).toBe(reply.updatedAt);
    expect(edited.terms).toContain('offline');
    f.forum.deletePost(reply.id);
    await f.settle();
    expect(
      (
        await f.database
          .select()
          .from(t().messages)
          .where(eq(t().messages.messageId, String(reply.id)))
      )[0]!.deletedAt,
    ).toBe(reply.deletedAt);
  });

  it('GIVEN topic_edited THEN the thread takes the new title', async () => {
    const { topic } = setupTopic(f);
    await f.settle();
    f.forum.editTopic(topic.id, { title: 'Building the docs without a network', tags: ['docs'] });
    await f.settle();
    expect(
      (
        await f.database
          .select()
          .from(t().channels)
          .where(eq(t().channels.channelId, String(topic.id)))
      )[0],
    ).toMatchObject({
      name: 'Building the docs without a network',
      tags: ['docs'],
    });
  });

  it('GIVEN topic_destroyed THEN every post of the topic is deleted', async () => {
    const { topic } = setupTopic(f);
    f.forum.reply({ username: 'bob', topicId: topic.id, raw: 'An answer to a topic about to go.' });
    await f.settle();
    f.forum.deleteTopic(topic.id);
    await f.settle();
    const rows = await messageRows(f);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.deletedAt !== null)).toBe(true);
  });

  it('GIVEN accepted_solution then unaccepted_solution THEN the features hear the answer accepted by the asker, then withdrawn', async () => {
    const { topic } = setupTopic(f);
    const answer = f.forum.reply({
      username: 'bob',
      topicId: topic.id,
      raw: 'Use the offline flag, it caches everything.',
    });
    await f.settle();
    f.forum.acceptAnswer(answer.id);
    await f.settle();
    f.forum.unacceptAnswer(answer.id);
    await f.settle();
    const alice = f.forum.model.userByName('alice')!;
    const accepted = f.heard.filter((h) => h.event.kind === 'answer.accepted');
    expect(accepted.map((h) => [h.event, h.fresh])).toEqual([
      [
        expect.objectContaining({
          threadId: String(topic.id),
          messageId: String(answer.id),
          byMemberId: String(alice.id),
          accepted: true,
        }),
        true,
      ],
      [expect.objectContaining({ accepted: false }), true],
    ]);
  });
});

describe('Discourse webhooks: redeliveries', () => {
  it('GIVEN every event redelivered under a new event id THEN each answers duplicate and nothing changes', async () => {
    const { topic } = setupTopic(f);
    const answer = f.forum.reply({
      username: 'bob',
      topicId: topic.id,
      raw: 'Use the offline flag, it caches everything.',
    });
    f.forum.acceptAnswer(answer.id);
    await f.settle();
    const snapshot = {
      messages: await messageRows(f),
      members: await f.database.select().from(t().members),
      channels: await f.database.select().from(t().channels),
    };
    const heardBefore = f.heard.length;
    const originals = f.forum.sentDeliveries();
    const again = originals.map((d) => f.forum.redeliver(d.eventId));
    await f.settle();
    for (const [i, delivery] of again.entries()) {
      expect(delivery.eventId).not.toBe(originals[i]!.eventId);
      expect(delivery.body).toBe(originals[i]!.body);
      expect(delivery.status).toBe(200);
      expect(delivery.response).toEqual({ ok: true, duplicate: true });
    }
    expect({
      messages: await messageRows(f),
      members: await f.database.select().from(t().members),
      channels: await f.database.select().from(t().channels),
    }).toEqual(snapshot);
    expect(f.heard.length).toBe(heardBefore);
  });

  it('GIVEN an accept, an unaccept and a re-accept of one answer THEN the re-accept is not taken for a redelivery', async () => {
    const { topic } = setupTopic(f);
    const answer = f.forum.reply({
      username: 'bob',
      topicId: topic.id,
      raw: 'Use the offline flag, it caches everything.',
    });
    f.forum.acceptAnswer(answer.id);
    f.forum.unacceptAnswer(answer.id);
    f.forum.acceptAnswer(answer.id);
    await f.settle();
    expect(
      f.forum
        .sentDeliveries()
        .filter((d) => d.type === 'solved')
        .map((d) => d.response),
    ).toEqual([
      { ok: true, stored: 1 },
      { ok: true, stored: 1 },
      { ok: true, stored: 1 },
    ]);
    const keys = await f.database
      .select({ key: t().discourseWebhookKeys.key })
      .from(t().discourseWebhookKeys)
      .where(
        and(
          eq(t().discourseWebhookKeys.guildId, f.discourse.guildId),
          eq(t().discourseWebhookKeys.event, 'accepted_solution'),
        ),
      );
    expect(keys).toEqual([{ key: `solved:post:${answer.id}:accepted` }]);
  });
});

describe('health', () => {
  it('GIVEN the forum adapter started THEN /healthz says Discourse is up', async () => {
    const response = await fetch(`${f.httpUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, platforms: { discourse: { up: true } } });
  });
});
