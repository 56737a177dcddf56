import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BackfillInterrupted,
  type BackfillProgress,
  backfillDiscourse,
} from '../../../src/platforms/discourse/backfill.js';
import { readCursor } from '../../../src/platforms/discourse/store.js';
import { BOT, type Forum, startForum } from './harness.js';

let f: Forum;
let totalPosts = 0;
let topicIds: number[] = [];
let acceptedPostId = 0;

beforeEach(async () => {
  f = await startForum();
  // History made before Convene was installed: no webhooks reach it.
  f.forum.setWebhook(undefined);
  const start = Date.parse('2025-06-01T08:00:00Z');
  const names = ['alice', 'bob', 'carol', 'dmitri', 'eve'];
  for (const [i, username] of names.entries()) f.forum.createUser({ username, createdAt: start + i * 60_000 });
  const category = f.forum.createCategory({ name: 'Help' });
  topicIds = [];
  totalPosts = 0;
  for (let t = 0; t < 7; t++) {
    const asker = names[t % names.length]!;
    const { topic } = f.forum.createTopic({
      username: asker,
      title: `Question number ${t + 1} about the servo rig`,
      raw: `I am stuck on step ${t + 1} of the servo rig build. Any pointers?`,
      categoryId: category.id,
      createdAt: start + (t + 1) * 3_600_000,
    });
    topicIds.push(topic.id);
    totalPosts++;
    // Topic 3 is long: more than the 20 posts Discourse shows in /t/{id}.json.
    const replies = t === 2 ? 25 : 2;
    for (let r = 0; r < replies; r++) {
      const post = f.forum.reply({
        username: names[(t + r + 1) % names.length]!,
        topicId: topic.id,
        raw: `Reply ${r + 1}: have you checked the calibration of part ${r}?`,
        replyToPostNumber: r === 0 ? 1 : undefined,
        createdAt: start + (t + 1) * 3_600_000 + (r + 1) * 60_000,
      });
      totalPosts++;
      if (t === 1 && r === 1) acceptedPostId = post.id;
    }
  }
  f.forum.acceptAnswer(acceptedPostId);
});
afterEach(async () => {
  await f.close();
});

const run = (extra: Partial<Parameters<typeof backfillDiscourse>[0]> = {}) =>
  backfillDiscourse({
    db: f.database,
    client: f.discourse.client,
    ingestor: f.ingestor,
    guildId: f.discourse.guildId,
    botUsername: BOT,
    perPage: 3,
    sleep: async () => {},
    ...extra,
  });

const t = () => f.database.tables;
const messageRows = () => f.database.select().from(t().messages).where(eq(t().messages.guildId, f.discourse.guildId));
/** Successful reads of a topic (a failed attempt during an outage is not a read). */
const topicFetches = (id: number) =>
  f.forum.botRequests(new RegExp(`^GET /t/${id}\\.json$`)).filter((r) => r.status === 200).length;

describe('Discourse backfill', () => {
  it('GIVEN a forum with history THEN every user, topic and post is imported with platform times and replies resolved', async () => {
    const seen: BackfillProgress[] = [];
    const cursor = await run({ onProgress: (p) => seen.push(p) });
    expect(cursor).toMatchObject({ phase: 'done', topicsDone: 7, postsDone: totalPosts });
    expect(await messageRows()).toHaveLength(totalPosts);
    const alice = f.forum.model.userByName('alice')!;
    expect(
      (
        await f.database
          .select()
          .from(t().members)
          .where(eq(t().members.memberId, String(alice.id)))
      )[0],
    ).toMatchObject({
      username: 'alice',
      joinedAt: alice.createdAt,
    });
    const [first] = f.forum.postsIn(topicIds[0]!);
    const [, firstReply] = f.forum.postsIn(topicIds[0]!);
    expect(
      (
        await f.database
          .select()
          .from(t().messages)
          .where(eq(t().messages.messageId, String(firstReply!.id)))
      )[0],
    ).toMatchObject({
      replyToId: String(first!.id),
      createdAt: firstReply!.createdAt,
      channelId: String(topicIds[0]),
    });
    expect(
      (
        await f.database
          .select()
          .from(t().channels)
          .where(eq(t().channels.channelId, String(topicIds[2])))
      )[0],
    ).toMatchObject({ kind: 'thread' });
    expect(f.heard.filter((h) => h.event.kind === 'answer.accepted').map((h) => h.event)).toEqual([
      expect.objectContaining({ messageId: String(acceptedPostId), threadId: String(topicIds[1]), accepted: true }),
    ]);
    expect(seen.at(-1)).toMatchObject({ phase: 'done', topicsDone: 7, topicsTotal: 7 });
    // The long topic needed its extra posts by id.
    expect(f.forum.botRequests(new RegExp(`^GET /t/${topicIds[2]}/posts\\.json$`))).toHaveLength(1);
  });

  it('GIVEN a backfill cut off by an outage THEN a second run resumes after the last topic done, without duplicates', async () => {
    // The 4th topic fetch fails for good (every retry too): the run stops there.
    let fetched = 0;
    const firstRun = run({
      attempts: 2,
      onProgress: (p) => {
        if (p.phase === 'topics' && p.topicsDone === 3 && fetched === 0) {
          fetched = 1;
          f.forum.failNext(2, 503, /^GET \/t\/\d+\.json$/);
        }
      },
    });
    await expect(firstRun).rejects.toThrow(/503/);
    const saved = (await readCursor(f.database, f.discourse.guildId))!.cursor;
    expect(saved).toMatchObject({ phase: 'topics', topicsDone: 3 });
    expect(await messageRows()).toHaveLength(1 + 2 + 1 + 2 + 1 + 25);

    const cursor = await run();
    expect(cursor).toMatchObject({ phase: 'done', topicsDone: 7, postsDone: totalPosts });
    expect(await messageRows()).toHaveLength(totalPosts);
    // Topics finished before the outage were not fetched again.
    expect(topicIds.slice(0, 3).map(topicFetches)).toEqual([1, 1, 1]);
    expect(topicIds.slice(3).map(topicFetches)).toEqual([1, 1, 1, 1]);
  });

  it('GIVEN a backfill stopped by the operator (Ctrl-C) THEN it saves where it was and the next run finishes the rest', async () => {
    const abort = new AbortController();
    const firstRun = run({
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'topics' && p.topicsDone === 2) abort.abort();
      },
    });
    await expect(firstRun).rejects.toBeInstanceOf(BackfillInterrupted);
    const cursor = await run();
    expect(cursor.topicsDone).toBe(7);
    expect(await messageRows()).toHaveLength(totalPosts);
    expect(topicIds.map(topicFetches)).toEqual(topicIds.map(() => 1));
  });

  it('GIVEN a finished backfill run again THEN it reads only what is new and changes nothing else', async () => {
    await run();
    const before = await messageRows();
    const requestsBefore = f.forum.botRequests().length;
    const newer = f.forum.createTopic({
      username: 'eve',
      title: 'A new question after the import',
      raw: 'Did anyone try the new firmware on the rig yet?',
      createdAt: Date.parse('2025-07-01T00:00:00Z'),
    });
    const cursor = await run();
    expect(cursor.phase).toBe('done');
    const after = await messageRows();
    expect(after).toHaveLength(before.length + 1);
    expect(after.filter((m) => !before.some((b) => b.messageId === m.messageId)).map((m) => m.channelId)).toEqual([
      String(newer.topic.id),
    ]);
    const topicReads = f.forum
      .botRequests()
      .slice(requestsBefore)
      .filter((r) => /^\/t\/\d+\.json$/.test(r.path));
    expect(topicReads.map((r) => r.path)).toEqual([`/t/${newer.topic.id}.json`]);
  });
});
