/**
 * The Discourse sender's reads of the store, on both engines, against the forum emulator over real
 * HTTP: usernames of mentioned members (our index, else the admin API, then remembered), the title of
 * a linked topic, and the post number a reply answers.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../../src/actions.js';
import type { Database } from '../../../src/db/database.js';
import { asChannelId, asGuildId, asMemberId, asMessageId } from '../../../src/events.js';
import { eventApplier } from '../../../src/ingest/store.js';
import { createLogger } from '../../../src/log.js';
import type { SendContext } from '../../../src/outbox/platformSender.js';
import { DiscourseClient } from '../../../src/platforms/discourse/client.js';
import { DiscourseSender } from '../../../src/platforms/discourse/sender.js';
import { usernameOf, writeIndex } from '../../../src/platforms/discourse/store.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';

const API_KEY = 'sender-store-key';
const BOT = 'convene';
const forumId = asGuildId('discourse:forum.test');

let sent = 0;
const context = (): SendContext => ({
  guildId: forumId,
  key: `test:${++sent}`,
  id: sent,
  attempt: 1,
  progress: null,
  checkpoint: async () => {},
});

describe.each(ENGINES)('Discourse sender reading the store on %s', (engine) => {
  let db: Database;
  let forum: DiscourseSandbox;
  let sender: DiscourseSender;
  beforeEach(async () => {
    db = await testDatabase(engine);
    forum = await DiscourseSandbox.start({ apiKey: API_KEY, botUsername: BOT });
    const client = new DiscourseClient({ url: forum.url, apiKey: API_KEY, apiUsername: BOT });
    sender = new DiscourseSender(db, client, forumId, createLogger('silent'), 'Robot Makers');
  });
  afterEach(async () => {
    await forum.close();
  });

  it('GIVEN one member indexed and one not THEN the reply names both, links the topic by title, answers the indexed post, and remembers the new name', async () => {
    const alice = forum.createUser({ username: 'alice', name: 'Alice' });
    const bob = forum.createUser({ username: 'bob', name: 'Bob' });
    const category = forum.createCategory({ name: 'Questions' });
    const { topic, post } = forum.createTopic({
      username: 'alice',
      title: 'How do I calibrate the arm servo?',
      raw: 'My servo drifts by a few degrees after an hour. Ideas?',
      categoryId: category.id,
    });
    await eventApplier()(
      db,
      {
        platform: 'discourse',
        guildId: forumId,
        kind: 'thread.upserted',
        at: 1,
        threadId: asChannelId(String(topic.id)),
        parentId: asChannelId(`category:${category.id}`),
        name: topic.title,
        ownerId: asMemberId(String(alice.id)),
        tags: [],
        archived: false,
        createdAt: 1,
      },
      { storeMessageText: false },
    );
    await writeIndex(
      db,
      forumId,
      {
        posts: [
          { postId: String(post.id), topicId: String(topic.id), postNumber: post.postNumber, userId: String(alice.id) },
        ],
        users: [{ userId: String(alice.id), username: 'alice' }],
      },
      1,
    );

    const action: Action = {
      type: 'message.send',
      channelId: asChannelId(String(topic.id)),
      replyTo: asMessageId(String(post.id)),
      body: {
        content: `<@${bob.id}> might know this one — <@${alice.id}> asked in <#${topic.id}>`,
        mentions: { members: [asMemberId(String(bob.id))] },
      },
    };
    await sender.send(action, context());
    const [reply] = forum.postsIn(topic.id).filter((p) => p.username === BOT);
    expect(reply!.raw.replaceAll('\u200D', '')).toBe(
      `@bob might know this one — alice asked in [How do I calibrate the arm servo?](${forum.url}/t/${topic.id})`,
    );
    expect(reply!.replyToPostNumber).toBe(post.postNumber);
    // The post number came from the index, bob's name from the admin API (once), and is kept.
    expect(forum.botRequests(/^GET \/posts\//)).toEqual([]);
    expect(forum.botRequests(/^GET \/admin\/users\/\d+\.json$/).map((r) => r.path)).toEqual([
      `/admin/users/${bob.id}.json`,
    ]);
    expect(await usernameOf(db, forumId, String(bob.id))).toBe('bob');

    await sender.send(
      {
        type: 'thread.create',
        channelId: asChannelId(String(topic.id)),
        name: 'Alice, meet Bob',
        memberIds: [asMemberId(String(alice.id)), asMemberId(String(bob.id))],
        body: { content: `<@${alice.id}> and <@${bob.id}>: you both build arms.` },
      },
      context(),
    );
    const [pm] = forum.privateMessagesTo('bob');
    expect(pm!.participants.sort()).toEqual(['alice', 'bob', BOT].sort());
    expect(forum.botRequests(/^GET \/admin\/users\/\d+\.json$/)).toHaveLength(1);
  });
});
