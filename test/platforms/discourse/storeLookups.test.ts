/**
 * What the Discourse adapter reads back from its rows, on both engines: the mapping's lookups answered
 * in one batch (mapWithStore, compared with the same mapping given the same facts as plain maps), the
 * sender's usernames, channel names and post numbers, and the backfill cursor.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  type CommunityEvent,
  type MessageId,
} from '../../../src/events.js';
import { eventApplier } from '../../../src/ingest/store.js';
import { topicEvents } from '../../../src/platforms/discourse/backfill.js';
import type { Post, TopicView } from '../../../src/platforms/discourse/client.js';
import {
  MalformedPayloadError,
  type MappingContext,
  mapWebhook,
  type WebhookOutcome,
} from '../../../src/platforms/discourse/mapping.js';
import { mapWithStore } from '../../../src/platforms/discourse/mappingStore.js';
import {
  channelNames,
  initialCursor,
  memberIdByUsername,
  postNumberOf,
  readCursor,
  saveCursor,
  usernameOf,
  usernamesOf,
  writeIndex,
} from '../../../src/platforms/discourse/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';
import { capture, headerOf } from './fixtures.js';

const forum = asGuildId('discourse:forum.example');
const other = asGuildId('discourse:other.example');
const g = { platform: 'discourse' as const, guildId: forum };
const BOT = 'convene';

/** The facts seeded below, as the plain maps the pure mapping tests use. */
const known: MappingContext = {
  guildId: forum,
  botUsername: BOT,
  memberIdByUsername: (n) => ({ alice: asMemberId('5'), user1: asMemberId('1') })[n],
  postIdByNumber: (t, n) =>
    (t === '10' ? ({ 1: '101', 2: '102', 3: '103' } as Record<number, string>)[n] : undefined) as MessageId | undefined,
  topicKnown: (t) => t === '10' || t === '16',
  categoryKnown: (c) => c === 'category:4',
  topicOwner: (t) => (t === '16' ? asMemberId('3') : t === '10' ? asMemberId('1') : undefined),
  postsOfTopic: (t) => (t === '10' ? ['101', '102', '103'].map(asMessageId) : []),
};

async function seed(db: Database): Promise<void> {
  const apply = eventApplier();
  const events: CommunityEvent[] = [
    {
      ...g,
      kind: 'channel.upserted',
      at: 1,
      channelId: asChannelId('category:4'),
      name: 'Questions',
      channelKind: 'forum',
      parentId: null,
      topic: null,
    },
    ...[
      ['10', '1', 'How do I pin a topic?'],
      ['16', '3', 'Uploads fail on the mobile app'],
    ].map(
      ([id, owner, name]): CommunityEvent => ({
        ...g,
        kind: 'thread.upserted',
        at: 2,
        threadId: asChannelId(id!),
        parentId: asChannelId('category:4'),
        name: name!,
        ownerId: asMemberId(owner!),
        tags: [],
        archived: false,
        createdAt: 2,
      }),
    ),
  ];
  for (const e of events) await apply(db, e, { storeMessageText: false });
  // The same topic id in another forum must not answer for this one.
  await writeIndex(db, other, { posts: [{ postId: '901', topicId: '10', postNumber: 4, userId: '9' }], users: [] }, 1);
  await writeIndex(
    db,
    forum,
    {
      // Written out of order: the posts of a topic are answered in post-number order.
      posts: [3, 1, 2].map((n) => ({ postId: `10${n}`, topicId: '10', postNumber: n, userId: '1' })),
      users: [
        { userId: '5', username: 'Alice' },
        { userId: '1', username: 'user1' },
      ],
    },
    3,
  );
}

function deliver(ctx: MappingContext, name: string, change: (payload: Record<string, unknown>) => void = () => {}) {
  const c = capture(name);
  const body = structuredClone(c.body);
  change(Object.values(body)[0] as Record<string, unknown>);
  return mapWebhook(headerOf(c, 'X-Discourse-Event'), headerOf(c, 'X-Discourse-Event-Type'), body, ctx);
}

const eventsOf = (outcome: WebhookOutcome) => (outcome.kind === 'apply' ? outcome.events : []);

describe.each(ENGINES)('Discourse lookups on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
    await seed(db);
  });

  const stored = (name: string, change?: (payload: Record<string, unknown>) => void) =>
    mapWithStore(db, forum, BOT, (ctx) => deliver(ctx, name, change));

  it('GIVEN a reply with mentions in a known topic THEN the store answers as the plain facts do: the replied post and the known member', async () => {
    const reply = (p: Record<string, unknown>) => {
      p.post_number = 4;
      p.reply_to_post_number = 2;
      p.cooked =
        '<p>Hi <a class="mention" href="/u/alice">@Alice</a> and <a class="mention" href="/u/user1">@user1</a>, <a class="mention" href="/u/ghost">@ghost</a></p>';
    };
    const outcome = await stored('post_created', reply);
    expect(outcome).toEqual(deliver(known, 'post_created', reply));
    // Category and topic known: only the message, replying to post 2, mentioning Alice (not the author).
    expect(eventsOf(outcome)).toEqual([
      expect.objectContaining({ kind: 'message.created', replyToId: '102', mentionIds: ['5'], channelId: '10' }),
    ]);
  });

  it('GIVEN a post in a topic and a category never seen THEN both are announced before the message, as with no facts', async () => {
    const elsewhere = (p: Record<string, unknown>) => {
      p.topic_id = 77;
      p.category_id = 9;
      p.reply_to_post_number = 2;
    };
    const outcome = await stored('post_created', elsewhere);
    expect(eventsOf(outcome).map((e) => e.kind)).toEqual(['channel.upserted', 'thread.upserted', 'message.created']);
    expect(eventsOf(outcome)[2]).toMatchObject({ replyToId: null });
    expect(outcome).toEqual(deliver(known, 'post_created', elsewhere));
  });

  it('GIVEN topic_destroyed THEN every post we hold of it is deleted, in post-number order, and none of another forum', async () => {
    const destroyed = await stored('topic_created', (t) => {
      t.id = 10;
    });
    // Read as topic_destroyed: the same topic payload under the other event name.
    const topic = { topic: { ...(capture('topic_created').body.topic as object), id: 10 } };
    const outcome = await mapWithStore(db, forum, BOT, (ctx) => mapWebhook('topic_destroyed', 'topic', topic, ctx));
    expect(eventsOf(outcome).map((e) => (e.kind === 'message.deleted' ? e.messageId : e.kind))).toEqual([
      '101',
      '102',
      '103',
      'thread.upserted',
    ]);
    expect(outcome).toEqual(mapWebhook('topic_destroyed', 'topic', topic, known));
    // topic_created of a topic in a known category announces no category stub.
    expect(eventsOf(destroyed).map((e) => e.kind)).toEqual(['thread.upserted']);
  });

  it("GIVEN an accepted answer THEN the topic's owner accepted it; in a topic we do not know, its author", async () => {
    const accepted = await stored('accepted_solution');
    expect(eventsOf(accepted)).toEqual([expect.objectContaining({ kind: 'answer.accepted', byMemberId: '3' })]);
    expect(accepted).toEqual(deliver(known, 'accepted_solution'));
    const unknownTopic = await stored('accepted_solution', (p) => {
      p.topic_id = 99;
    });
    expect(eventsOf(unknownTopic)).toEqual([expect.objectContaining({ byMemberId: '1' })]);
  });

  it('GIVEN a malformed payload THEN mapWithStore throws the mapping error', async () => {
    await expect(
      mapWithStore(db, forum, BOT, (ctx) => mapWebhook('post_created', 'post', { post: { id: 'x' } }, ctx)),
    ).rejects.toBeInstanceOf(MalformedPayloadError);
  });

  it('GIVEN a topic read back whose reply names a post the forum no longer shows THEN the number is answered by the store', async () => {
    const post = (id: number, n: number, extra: Partial<Post> = {}) =>
      ({
        id,
        user_id: 5,
        username: 'Alice',
        created_at: '2026-01-02T00:00:00.000Z',
        post_number: n,
        topic_id: 10,
        raw: 'thanks @user1',
        cooked: '<p>thanks <a class="mention" href="/u/user1">@user1</a></p>',
        ...extra,
      }) as Post;
    const topic = {
      id: 10,
      title: 'How do I pin a topic?',
      category_id: 4,
      created_at: '2026-01-01T00:00:00.000Z',
      user_id: 1,
    } as TopicView;
    // Post 2 was deleted on the forum: the read-back topic lacks it, our index still has it.
    const posts = [post(101, 1), post(104, 4, { reply_to_post_number: 2 }), post(105, 5, { reply_to_post_number: 4 })];
    const { events } = await mapWithStore(db, forum, BOT, (ctx) => topicEvents(topic, posts, ctx));
    const messages = events.filter((e) => e.kind === 'message.created');
    expect(messages.map((m) => [m.messageId, m.replyToId, m.mentionIds])).toEqual([
      ['101', null, ['1']],
      ['104', '102', ['1']],
      ['105', '104', ['1']],
    ]);
  });

  it('GIVEN names indexed, renamed and only in the members table THEN usernames come from the index first, the latest name winning', async () => {
    const { members } = db.tables;
    await db.insert(members).values([
      { guildId: forum, memberId: '5', username: 'alice_old', displayName: 'Alice', updatedAt: 0 },
      { guildId: forum, memberId: '6', username: 'bob', displayName: 'Bob', updatedAt: 0 },
    ]);
    await writeIndex(db, forum, { posts: [], users: [{ userId: '5', username: 'Alice_Renamed' }] }, 9);
    expect(await usernamesOf(db, forum, ['5', '6', '1', '404', '5'])).toEqual(
      new Map([
        ['5', 'Alice_Renamed'],
        ['1', 'user1'],
        ['6', 'bob'],
      ]),
    );
    expect(await usernameOf(db, forum, '6')).toBe('bob');
    expect(await usernameOf(db, other, '5')).toBeUndefined();
    expect(await usernamesOf(db, forum, [])).toEqual(new Map());
    expect(await memberIdByUsername(db, forum, 'ALICE_RENAMED')).toBe('5');
    expect(await memberIdByUsername(db, forum, 'ghost')).toBeUndefined();
  });

  it('GIVEN channels and indexed posts THEN their names and post numbers are read for this forum only', async () => {
    expect(await channelNames(db, forum, ['10', 'category:4', '10', 'nowhere'])).toEqual(
      new Map([
        ['10', 'How do I pin a topic?'],
        ['category:4', 'Questions'],
      ]),
    );
    expect(await channelNames(db, other, ['10'])).toEqual(new Map());
    expect(await postNumberOf(db, forum, '102')).toEqual({ topicId: '10', postNumber: 2 });
    expect(await postNumberOf(db, forum, '901')).toBeUndefined();
  });

  it('GIVEN a backfill cursor saved, moved on and finished THEN it reads back as saved, finished only when done', async () => {
    expect(await readCursor(db, forum)).toBeNull();
    const cursor = { ...initialCursor(), phase: 'topics' as const, usersPage: 3, lastTopic: { createdAt: 5, id: 7 } };
    await saveCursor(db, forum, cursor, 100);
    expect(await readCursor(db, forum)).toEqual({ cursor, finishedAt: null });
    const done = { ...cursor, phase: 'done' as const, topicsDone: 12 };
    await saveCursor(db, forum, done, 200);
    expect(await readCursor(db, forum)).toEqual({ cursor: done, finishedAt: 200 });
    expect(await readCursor(db, other)).toBeNull();
  });
});
