/**
 * The Discourse adapter's rows on both engines: webhook keys applied (a later delivery superseding
 * earlier ones), the post and username index (an erased member's name not indexed again), and what
 * the catch-up compares with the forum.
 */
import { and, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../../src/events.js';
import { eventApplier } from '../../../src/ingest/store.js';
import {
  heldPosts,
  isKeySeen,
  newestPostAt,
  recordKey,
  topicsWithPostsSince,
  writeIndex,
} from '../../../src/platforms/discourse/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';

const forum = asGuildId('forum.example');
const g = { platform: 'discourse' as const, guildId: forum };
const post = (id: string, topic: string, at: number): CommunityEvent => ({
  ...g,
  kind: 'message.created',
  at,
  messageId: asMessageId(id),
  channelId: asChannelId(topic),
  authorId: asMemberId('7'),
  authorName: 'quillmarsh',
  authorIsBot: false,
  replyToId: null,
  mentionIds: [],
  content: 'How do I pin a topic?',
});

describe.each(ENGINES)('Discourse store on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  it('GIVEN a delivery recorded THEN its key is seen, and a later one superseding it takes its place', async () => {
    expect(await isKeySeen(db, forum, 'post:1:v1')).toBe(false);
    await recordKey(db, forum, 'post:1:v1', 'post_created', [], 1_000);
    expect(await isKeySeen(db, forum, 'post:1:v1')).toBe(true);
    expect(await isKeySeen(db, asGuildId('other.example'), 'post:1:v1')).toBe(false);
    await recordKey(db, forum, 'post:1:v2', 'post_edited', ['post:1:v1'], 2_000);
    await recordKey(db, forum, 'post:1:v2', 'post_edited', ['post:1:v1'], 2_001);
    expect(await isKeySeen(db, forum, 'post:1:v1')).toBe(false);
    expect(await isKeySeen(db, forum, 'post:1:v2')).toBe(true);
  });

  it('GIVEN an index with a renamed user and an erased one THEN one row per current name and none for the erased', async () => {
    const { members, discourseUsers, discoursePosts } = db.tables;
    await db
      .insert(members)
      .values({ guildId: forum, memberId: '9', username: '', displayName: '', profilingOff: true, updatedAt: 0 });
    const posts = [
      { postId: '101', topicId: '11', postNumber: 1, userId: '7' },
      { postId: '102', topicId: '11', postNumber: 2, userId: '7' },
    ];
    await writeIndex(db, forum, { posts, users: [{ userId: '7', username: 'QuillMarsh' }] }, 1);
    await writeIndex(
      db,
      forum,
      {
        posts,
        users: [
          { userId: '8', username: 'quillmarsh' },
          { userId: '9', username: 'erased_one' },
        ],
      },
      2,
    );
    const users = await db
      .select({ usernameLower: discourseUsers.usernameLower, userId: discourseUsers.userId })
      .from(discourseUsers)
      .where(eq(discourseUsers.guildId, forum));
    expect(users).toEqual([{ usernameLower: 'quillmarsh', userId: '8' }]);
    const indexed = await db
      .select({ postNumber: discoursePosts.postNumber })
      .from(discoursePosts)
      .where(and(eq(discoursePosts.guildId, forum), eq(discoursePosts.topicId, '11')));
    expect(indexed.map((p) => p.postNumber).sort()).toEqual([1, 2]);
  });

  it('GIVEN posts held in two topics, one deleted and one edited THEN the catch-up reads them as held', async () => {
    const apply = eventApplier();
    const events: CommunityEvent[] = [
      post('p1', 't1', 100),
      post('p2', 't1', 200),
      post('p3', 't2', 300),
      {
        ...g,
        kind: 'message.updated',
        at: 250,
        messageId: asMessageId('p2'),
        channelId: asChannelId('t1'),
        content: 'x',
      },
      { ...g, kind: 'message.deleted', at: 260, messageId: asMessageId('p1'), channelId: asChannelId('t1') },
    ];
    for (const e of events) await apply(db, e, { storeMessageText: false });
    const held = await heldPosts(db, forum, 't1');
    expect(held.sort((a, b) => a.createdAt - b.createdAt)).toEqual([
      { postId: 'p1', createdAt: 100, editedAt: null, deleted: true },
      { postId: 'p2', createdAt: 200, editedAt: 250, deleted: false },
    ]);
    expect((await topicsWithPostsSince(db, forum, 150)).sort()).toEqual(['t1', 't2']);
    expect(await topicsWithPostsSince(db, forum, 250)).toEqual(['t2']);
    expect(await newestPostAt(db, forum)).toBe(300);
    expect(await newestPostAt(db, asGuildId('other.example'))).toBeUndefined();
  });
});
