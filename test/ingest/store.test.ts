import { and, asc, eq, sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { bumpCacheIn } from '../../src/db/cacheWatch.js';
import { type Database, transaction } from '../../src/db/database.js';
import type { CommunityEvent } from '../../src/events.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, asRoleId } from '../../src/events.js';
import { type EventApplier, eventApplier } from '../../src/ingest/store.js';
import { ENGINES, testDatabase } from '../helpers/engines.js';

const g = { platform: 'discord' as const, guildId: asGuildId('g1') };
const policy = { storeMessageText: false };

const events: CommunityEvent[] = [
  { ...g, kind: 'guild.upserted', at: 1, name: 'Shader Club' },
  {
    ...g,
    kind: 'channel.upserted',
    at: 2,
    channelId: asChannelId('c-help'),
    name: 'help',
    channelKind: 'text',
    parentId: null,
    topic: 'Ask here',
  },
  {
    ...g,
    kind: 'channel.upserted',
    at: 2,
    channelId: asChannelId('c-forum'),
    name: 'questions',
    channelKind: 'forum',
    parentId: null,
    topic: null,
  },
  {
    ...g,
    kind: 'member.joined',
    at: 10,
    memberId: asMemberId('m1'),
    username: 'eve',
    displayName: 'Eve',
    bot: false,
    roles: [asRoleId('r1')],
  },
  {
    ...g,
    kind: 'thread.upserted',
    at: 20,
    threadId: asChannelId('t1'),
    parentId: asChannelId('c-forum'),
    name: 'Compute shaders?',
    ownerId: asMemberId('m1'),
    tags: [],
    archived: false,
    createdAt: 20,
  },
  {
    ...g,
    kind: 'message.created',
    at: 20,
    messageId: asMessageId('t1'),
    channelId: asChannelId('t1'),
    authorId: asMemberId('m1'),
    authorName: 'Eve',
    authorIsBot: false,
    replyToId: null,
    mentionIds: [],
    content: 'How do compute shaders share memory?',
  },
  {
    ...g,
    kind: 'message.created',
    at: 30,
    messageId: asMessageId('x2'),
    channelId: asChannelId('t1'),
    authorId: asMemberId('m2'),
    authorName: 'Sam',
    authorIsBot: false,
    replyToId: asMessageId('t1'),
    mentionIds: [asMemberId('m1')],
    content: 'Use groupshared arrays',
  },
  {
    ...g,
    kind: 'reaction.added',
    at: 40,
    messageId: asMessageId('x2'),
    channelId: asChannelId('t1'),
    memberId: asMemberId('m1'),
    emoji: '✅',
  },
  {
    ...g,
    kind: 'message.updated',
    at: 50,
    messageId: asMessageId('x2'),
    channelId: asChannelId('t1'),
    content: 'Use groupshared (LDS) arrays',
  },
  {
    ...g,
    kind: 'member.updated',
    at: 60,
    memberId: asMemberId('m1'),
    username: 'eve',
    displayName: 'Eve R.',
    roles: [],
  },
  { ...g, kind: 'member.left', at: 70, memberId: asMemberId('m1') },
];

async function snapshot(db: Database) {
  const all = (table: string) => db.all(sql`SELECT * FROM ${sql.identifier(table)} ORDER BY 1, 2`);
  return {
    guilds: await all('guilds'),
    members: await all('members'),
    channels: await all('channels'),
    messages: await all('messages'),
    reactions: await all('reactions'),
  };
}

async function each(apply: EventApplier, db: Database, list: readonly CommunityEvent[], p = policy) {
  const fresh: boolean[] = [];
  for (const e of list) fresh.push(await apply(db, e, p));
  return fresh;
}

describe.each(ENGINES)('ingest on %s', (engine) => {
  let db: Database;
  let apply: EventApplier;
  beforeEach(async () => {
    db = await testDatabase(engine);
    apply = eventApplier();
  });

  const messageRow = async (messageId: string) => {
    const { messages } = db.tables;
    return (await db.select().from(messages).where(eq(messages.messageId, messageId)))[0];
  };

  it('GIVEN every event kind applied twice THEN the second pass changes nothing and reports nothing fresh', async () => {
    const first = await each(apply, db, events);
    const after = await snapshot(db);
    const second = await each(apply, db, events);
    expect(first.filter((f) => !f)).toEqual([]);
    expect(second).toEqual(events.map(() => false));
    expect(await snapshot(db)).toEqual(after);
  });

  it('GIVEN every event kind applied twice in one transaction THEN the second pass reports nothing fresh', async () => {
    const [first, second] = await transaction(db, async (tx) => [
      await each(apply, tx, events),
      await each(apply, tx, events),
    ]);
    expect(first.filter((f) => !f)).toEqual([]);
    expect(second).toEqual(events.map(() => false));
  });

  it('GIVEN a transaction that rolls back THEN nothing of its events is kept and a new applier stores them again', async () => {
    await expect(
      transaction(db, async (tx) => {
        await each(apply, tx, events);
        throw new Error('the batch failed');
      }),
    ).rejects.toThrow('the batch failed');
    expect(await snapshot(db)).toEqual({ guilds: [], members: [], channels: [], messages: [], reactions: [] });
    const again = await each(eventApplier(), db, events);
    expect(again.filter((f) => !f)).toEqual([]);
    expect((await snapshot(db)).messages).toHaveLength(2);
  });

  it('GIVEN a message THEN its derived terms are stored and its text is not (by default)', async () => {
    await each(apply, db, events);
    const { messages } = db.tables;
    const rows = await db.select().from(messages).where(eq(messages.guildId, 'g1')).orderBy(asc(messages.createdAt));
    expect(rows[0]).toMatchObject({
      messageId: 't1',
      parentChannelId: 'c-forum',
      terms: 'comput=compute shader=shaders share memori=memory',
      content: null,
      createdAt: 20,
    });
    expect(rows[1]).toMatchObject({
      replyToId: 't1',
      mentionIds: ['m1'],
      terms: expect.stringContaining('lds'),
      editedAt: 50,
      content: null,
    });
  });

  it('GIVEN a guild that stores text THEN the text is kept', async () => {
    await each(apply, db, events, { storeMessageText: true });
    expect((await messageRow('t1'))?.content).toBe('How do compute shaders share memory?');
  });

  it('GIVEN a member who joined, changed and left THEN the row holds the latest of each', async () => {
    await each(apply, db, events);
    const { members, channels } = db.tables;
    const [m1] = await db.select().from(members).where(eq(members.memberId, 'm1'));
    expect(m1).toMatchObject({
      displayName: 'Eve R.',
      roles: [],
      bot: false,
      moderator: false,
      joinedAt: 10,
      leftAt: 70,
    });
    const [thread] = await db.select().from(channels).where(eq(channels.channelId, 't1'));
    expect(thread).toMatchObject({ kind: 'thread', parentId: 'c-forum', ownerId: 'm1', archived: false, tags: [] });
  });

  it('GIVEN a member who left and rejoined THEN the rejoin is fresh and the old join replayed is not', async () => {
    const join = (at: number): CommunityEvent => ({
      ...g,
      kind: 'member.joined',
      at,
      memberId: asMemberId('m9'),
      username: 'z',
      displayName: 'Z',
      bot: false,
      roles: [],
    });
    expect(await apply(db, join(100), policy)).toBe(true);
    expect(await apply(db, { ...g, kind: 'member.left', at: 200, memberId: asMemberId('m9') }, policy)).toBe(true);
    expect(await apply(db, join(100), policy)).toBe(false);
    expect(await apply(db, join(300), policy)).toBe(true);
    const { members } = db.tables;
    const row = await db
      .select({ joinedAt: members.joinedAt, leftAt: members.leftAt })
      .from(members)
      .where(eq(members.memberId, 'm9'));
    expect(row).toEqual([{ joinedAt: 300, leftAt: null }]);
  });

  it('GIVEN a deleted message THEN its terms are gone and a late edit does not bring them back', async () => {
    await each(apply, db, events.slice(0, 7));
    expect(
      await apply(
        db,
        { ...g, kind: 'message.deleted', at: 80, messageId: asMessageId('x2'), channelId: asChannelId('t1') },
        policy,
      ),
    ).toBe(true);
    await apply(
      db,
      {
        ...g,
        kind: 'message.updated',
        at: 90,
        messageId: asMessageId('x2'),
        channelId: asChannelId('t1'),
        content: 'secret',
      },
      policy,
    );
    expect(await messageRow('x2')).toMatchObject({ terms: '', deletedAt: 80 });
  });

  it('GIVEN events of two guilds THEN every row carries its own guild id', async () => {
    await each(apply, db, events);
    await each(
      apply,
      db,
      events.map((e) => ({ ...e, guildId: asGuildId('g2') }) as CommunityEvent),
    );
    const { messages } = db.tables;
    const counts = await db
      .select({ guildId: messages.guildId, n: sql<number>`count(*)`.mapWith(Number) })
      .from(messages)
      .groupBy(messages.guildId)
      .orderBy(messages.guildId);
    expect(counts).toEqual([
      { guildId: 'g1', n: 2 },
      { guildId: 'g2', n: 2 },
    ]);
  });

  it('GIVEN a thread message that arrives before its thread THEN it is re-parented when the thread arrives', async () => {
    await apply(db, events[2]!, policy); // the forum channel
    await apply(db, events[5]!, policy); // the starter message, before the thread event
    await apply(db, events[4]!, policy); // the thread
    expect((await messageRow('t1'))?.parentChannelId).toBe('c-forum');
  });

  it('GIVEN a member who erased their data THEN their new messages get no terms', async () => {
    await apply(db, events[3]!, policy);
    const { members } = db.tables;
    await transaction(db, async (tx) => {
      await tx
        .update(members)
        .set({ profilingOff: true })
        .where(and(eq(members.guildId, 'g1'), eq(members.memberId, 'm1')));
      await bumpCacheIn(tx, 'erased', 'g1'); // as eraseMember does (the join above already loaded the erased set)
    });
    await apply(db, events[5]!, { storeMessageText: true });
    expect(await messageRow('t1')).toMatchObject({ terms: '', content: null });
  });

  it("GIVEN an erased member's thread whose title was erased THEN a replay keeps it erased and their name stays empty", async () => {
    await each(apply, db, events.slice(0, 5));
    const { members, channels } = db.tables;
    await transaction(db, async (tx) => {
      await tx
        .update(members)
        .set({ profilingOff: true, username: '', displayName: '' })
        .where(eq(members.memberId, 'm1'));
      await tx.update(channels).set({ name: '' }).where(eq(channels.channelId, 't1'));
      await bumpCacheIn(tx, 'erased', 'g1');
    });
    await apply(
      db,
      { ...(events[4] as CommunityEvent & { kind: 'thread.upserted' }), at: 25, name: 'Compute shaders?' },
      policy,
    );
    await apply(db, { ...(events[9] as CommunityEvent), at: 65 }, policy);
    const [thread] = await db.select().from(channels).where(eq(channels.channelId, 't1'));
    const [m1] = await db.select().from(members).where(eq(members.memberId, 'm1'));
    expect(thread?.name).toBe('');
    expect(m1).toMatchObject({ username: '', displayName: '' });
  });
});
