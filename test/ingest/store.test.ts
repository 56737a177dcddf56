import { describe, expect, it } from 'vitest';
import { bumpCache } from '../../src/db/cacheGenerations.js';
import type { CommunityEvent } from '../../src/events.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, asRoleId } from '../../src/events.js';
import { createEventApplier } from '../../src/ingest/store.js';
import { makeTestDb } from '../helpers/db.js';

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

function snapshot(db: ReturnType<typeof makeTestDb>) {
  const all = (table: string) => db.$client.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all();
  return {
    guilds: all('guilds'),
    members: all('members'),
    channels: all('channels'),
    messages: all('messages'),
    reactions: all('reactions'),
  };
}

describe('ingest', () => {
  it('GIVEN every event kind applied twice THEN the second pass changes nothing and reports nothing fresh', () => {
    const db = makeTestDb();
    const apply = createEventApplier(db);
    const first = events.map((e) => apply(e, policy));
    const after = snapshot(db);
    const second = events.map((e) => apply(e, policy));
    expect(first.filter((f) => !f)).toEqual([]);
    expect(second).toEqual(events.map(() => false));
    expect(snapshot(db)).toEqual(after);
  });

  it('GIVEN a message THEN its derived terms are stored and its text is not (by default)', () => {
    const db = makeTestDb();
    const apply = createEventApplier(db);
    for (const e of events) apply(e, policy);
    const rows = db.$client.prepare("SELECT * FROM messages WHERE guild_id = 'g1' ORDER BY created_at").all() as Record<
      string,
      unknown
    >[];
    expect(rows[0]).toMatchObject({
      message_id: 't1',
      parent_channel_id: 'c-forum',
      terms: 'comput=compute shader=shaders share memori=memory',
      content: null,
      created_at: 20,
    });
    expect(rows[1]).toMatchObject({
      reply_to_id: 't1',
      terms: expect.stringContaining('lds'),
      edited_at: 50,
      content: null,
    });
  });

  it('GIVEN a guild that stores text THEN the text is kept', () => {
    const db = makeTestDb();
    const apply = createEventApplier(db);
    for (const e of events) apply(e, { storeMessageText: true });
    const row = db.$client.prepare("SELECT content FROM messages WHERE message_id = 't1'").get() as { content: string };
    expect(row.content).toBe('How do compute shaders share memory?');
  });

  it('GIVEN a member who left and rejoined THEN the rejoin is fresh and the old join replayed is not', () => {
    const db = makeTestDb();
    const apply = createEventApplier(db);
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
    expect(apply(join(100), policy)).toBe(true);
    expect(apply({ ...g, kind: 'member.left', at: 200, memberId: asMemberId('m9') }, policy)).toBe(true);
    expect(apply(join(100), policy)).toBe(false);
    expect(apply(join(300), policy)).toBe(true);
    const row = db.$client.prepare("SELECT joined_at, left_at FROM members WHERE member_id = 'm9'").get();
    expect(row).toEqual({ joined_at: 300, left_at: null });
  });

  it('GIVEN a deleted message THEN its terms are gone and a late edit does not bring them back', () => {
    const db = makeTestDb();
    const apply = createEventApplier(db);
    for (const e of events.slice(0, 7)) apply(e, policy);
    expect(
      apply(
        { ...g, kind: 'message.deleted', at: 80, messageId: asMessageId('x2'), channelId: asChannelId('t1') },
        policy,
      ),
    ).toBe(true);
    apply(
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
    const row = db.$client.prepare("SELECT terms, deleted_at FROM messages WHERE message_id = 'x2'").get();
    expect(row).toEqual({ terms: '', deleted_at: 80 });
  });

  it('GIVEN events of two guilds THEN every row carries its own guild id', () => {
    const db = makeTestDb();
    const apply = createEventApplier(db);
    for (const e of events) apply(e, policy);
    for (const e of events) apply({ ...e, guildId: asGuildId('g2') } as CommunityEvent, policy);
    const counts = db.$client.prepare('SELECT guild_id, count(*) AS n FROM messages GROUP BY guild_id').all();
    expect(counts).toEqual([
      { guild_id: 'g1', n: 2 },
      { guild_id: 'g2', n: 2 },
    ]);
  });
});

describe('ingest order', () => {
  it('GIVEN a thread message that arrives before its thread THEN it is re-parented when the thread arrives', () => {
    const db = makeTestDb();
    const apply = createEventApplier(db);
    apply(events[2]!, policy); // the forum channel
    apply(events[5]!, policy); // the starter message, before the thread event
    apply(events[4]!, policy); // the thread
    const row = db.$client.prepare("SELECT parent_channel_id FROM messages WHERE message_id = 't1'").get();
    expect(row).toEqual({ parent_channel_id: 'c-forum' });
  });

  it('GIVEN a member who erased their data THEN their new messages get no terms', () => {
    const db = makeTestDb();
    const apply = createEventApplier(db);
    apply(events[3]!, policy);
    db.$client.prepare("UPDATE members SET profiling_off = 1 WHERE member_id = 'm1'").run();
    bumpCache(db, 'erased', 'g1'); // as eraseMember does (the join above already loaded the erased set)
    apply(events[5]!, { storeMessageText: true });
    const row = db.$client.prepare("SELECT terms, content FROM messages WHERE message_id = 't1'").get();
    expect(row).toEqual({ terms: '', content: null });
  });
});
