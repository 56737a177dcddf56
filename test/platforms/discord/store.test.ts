/**
 * What the Discord backfill and the interaction claim read and write, on both engines: the messages
 * (with reactions) held for a stretch of a channel, the newest one, who is present, and which process
 * took an interaction.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../../src/events.js';
import { eventApplier } from '../../../src/ingest/store.js';
import {
  claimInteraction,
  heldMessages,
  newestMessageAt,
  presentMembers,
} from '../../../src/platforms/discord/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';

const guildId = asGuildId('g1');
const g = { platform: 'discord' as const, guildId };
const join = (id: string, at: number): CommunityEvent => ({
  ...g,
  kind: 'member.joined',
  at,
  memberId: asMemberId(id),
  username: id,
  displayName: id,
  bot: false,
  roles: [],
});
const post = (id: string, channel: string, at: number): CommunityEvent => ({
  ...g,
  kind: 'message.created',
  at,
  messageId: asMessageId(id),
  channelId: asChannelId(channel),
  authorId: asMemberId('ada'),
  authorName: 'ada',
  authorIsBot: false,
  replyToId: null,
  mentionIds: [],
  content: 'hello there',
});

describe.each(ENGINES)('Discord store on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
    const apply = eventApplier();
    const events: CommunityEvent[] = [
      join('ada', 1),
      join('bob', 2),
      join('cy', 3),
      { ...g, kind: 'member.left', at: 4, memberId: asMemberId('cy') },
      post('m1', 'c1', 100),
      post('m2', 'c1', 200),
      post('m3', 'c1', 300),
      post('m4', 'c2', 400),
      {
        ...g,
        kind: 'reaction.added',
        at: 210,
        messageId: asMessageId('m2'),
        channelId: asChannelId('c1'),
        memberId: asMemberId('bob'),
        emoji: '👍',
      },
      {
        ...g,
        kind: 'reaction.added',
        at: 211,
        messageId: asMessageId('m2'),
        channelId: asChannelId('c1'),
        memberId: asMemberId('ada'),
        emoji: '👍',
      },
      {
        ...g,
        kind: 'message.updated',
        at: 250,
        messageId: asMessageId('m2'),
        channelId: asChannelId('c1'),
        content: 'hi',
      },
      { ...g, kind: 'message.deleted', at: 350, messageId: asMessageId('m3'), channelId: asChannelId('c1') },
    ];
    for (const e of events) await apply(db, e, { storeMessageText: false });
  });

  it('GIVEN a stretch of a channel THEN the messages in it come with edits, deletions and who reacted how', async () => {
    const held = await heldMessages(db, guildId, 'c1', 150, 300);
    const who = (r: ReadonlyMap<string, readonly string[]>) =>
      Object.fromEntries([...r].map(([emoji, ids]) => [emoji, [...ids].sort()]));
    expect(held.map((m) => ({ ...m, reactions: who(m.reactions) }))).toEqual([
      { id: 'm2', editedAt: 250, deleted: false, reactions: { '👍': ['ada', 'bob'] } },
      { id: 'm3', editedAt: null, deleted: true, reactions: {} },
    ]);
    expect(await heldMessages(db, guildId, 'c1', 500, 600)).toEqual([]);
  });

  it('GIVEN messages in two channels THEN the newest of each is its own', async () => {
    expect(await newestMessageAt(db, guildId, 'c1')).toBe(300);
    expect(await newestMessageAt(db, guildId, 'c2')).toBe(400);
    expect(await newestMessageAt(db, guildId, 'c3')).toBeUndefined();
  });

  it('GIVEN members who joined and one who left THEN only those still here are present', async () => {
    expect((await presentMembers(db, guildId)).sort()).toEqual(['ada', 'bob']);
  });

  it('GIVEN two processes claiming one interaction THEN the first runs it and the second hears who did', async () => {
    expect(await claimInteraction(db, 'i1', 'process-a', 1_000)).toBeNull();
    expect(await claimInteraction(db, 'i1', 'process-b', 1_001)).toBe('process-a');
    expect(await claimInteraction(db, 'i2', 'process-b', 1_002)).toBeNull();
  });
});
