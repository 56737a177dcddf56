/**
 * One person, one journey: a Discord member linked to their forum account in a paired community.
 * Activity on either platform counts toward both accounts' stages; the person is congratulated once,
 * where the event happened, and the other account follows quietly.
 */

import { describe, expect, it } from 'vitest';
import { sqliteDatabase } from '../../../src/db/database.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent } from '../../../src/events.js';
import { journeyView, syncJourneys } from '../../../src/features/journey/service.js';
import { getJourney } from '../../../src/features/journey/store.js';
import { pairCommunity } from '../../../src/features/links/identity.js';
import { DAY, HOUR, makeCommunity, T0 } from './world.js';

const FORUM = asGuildId('discourse:forum.example');

async function linkedWorld(opts: { link?: boolean } = {}) {
  const w = await makeCommunity();
  const base = { platform: 'discourse' as const, guildId: FORUM };
  let seq = 0;
  const forum = {
    push: (event: CommunityEvent) => w.push(event),
    join(member: string, at: number) {
      return w.push({
        ...base,
        kind: 'member.joined',
        at,
        memberId: asMemberId(member),
        username: `user${member}`,
        displayName: `User ${member}`,
        bot: false,
        roles: [],
      });
    },
    async topic(id: string, owner: string, at: number) {
      await w.push({
        ...base,
        kind: 'thread.upserted',
        at,
        threadId: asChannelId(id),
        parentId: asChannelId('category:1'),
        name: `Topic ${id}`,
        ownerId: asMemberId(owner),
        tags: [],
        archived: false,
        createdAt: at,
      });
      await forum.post(owner, id, at);
    },
    post(author: string, topic: string, at: number) {
      return w.push({
        ...base,
        kind: 'message.created',
        at,
        messageId: asMessageId(`p${++seq}`),
        channelId: asChannelId(topic),
        authorId: asMemberId(author),
        authorName: `user${author}`,
        authorIsBot: false,
        replyToId: null,
        mentionIds: [],
        content: 'a post on the forum',
      });
    },
  };
  await w.push({ ...base, kind: 'guild.upserted', at: T0 - 30 * DAY, name: 'Forum' });
  await w.push({
    ...base,
    kind: 'channel.upserted',
    at: T0 - 30 * DAY,
    channelId: asChannelId('category:1'),
    name: 'Help',
    channelKind: 'forum',
    parentId: null,
    topic: null,
  });
  await pairCommunity(sqliteDatabase(w.db), {
    guildId: w.guildId,
    forumGuildId: FORUM,
    pairedBy: 'mod',
    pairedAt: T0 - 20 * DAY,
  });
  const link = (discordId: string, forumId: string, at: number) =>
    w.db.$client
      .prepare(
        'INSERT INTO account_links (guild_id, member_id, other_guild_id, other_member_id, created_at, linked_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(w.guildId, discordId, FORUM, forumId, at, at);
  // ann is "7" on the forum; bob asks there as "9".
  await w.join('ann', T0);
  await forum.join('7', T0 - 10 * DAY);
  await forum.join('9', T0 - 10 * DAY);
  if (opts.link !== false) link('ann', '7', T0);
  return { w, forum, link };
}

const stage = async (w: Awaited<ReturnType<typeof makeCommunity>>, guildId: string, member: string) =>
  (await getJourney(w.database, guildId, member))?.stage;
const milestones = (w: Awaited<ReturnType<typeof makeCommunity>>) =>
  w
    .outbox()
    .map((r) => r.key)
    .filter((k) => k.startsWith('journey:milestone:'));

describe('one journey for linked accounts', () => {
  it('GIVEN ann answers a question on the forum THEN her Discord journey reaches helping too, congratulated once, on the forum', async () => {
    const { w, forum } = await linkedWorld();
    await w.message('ann', 'c-general', T0 + HOUR);
    expect(await stage(w, w.guildId, 'ann')).toBe('participating');
    await forum.topic('41', '9', T0 + 2 * HOUR);
    await forum.post('7', '41', T0 + 3 * HOUR);

    expect(await stage(w, FORUM, '7')).toBe('helping');
    expect(await stage(w, w.guildId, 'ann')).toBe('helping');
    const helping = milestones(w).filter((k) => k.endsWith(':helping'));
    expect(helping).toEqual([`journey:milestone:${FORUM}:7:helping`]);
    // Her Discord view shows the stage she reached on the forum.
    const view = await journeyView(w.database, w.guildId, asMemberId('ann'), true, T0 + 4 * HOUR);
    expect(view.track.stages[view.index]?.id).toBe('helping');
  });

  it('GIVEN the same activity without a link THEN the Discord journey does not move', async () => {
    const { w, forum } = await linkedWorld({ link: false });
    await w.message('ann', 'c-general', T0 + HOUR);
    await forum.topic('41', '9', T0 + 2 * HOUR);
    await forum.post('7', '41', T0 + 3 * HOUR);
    expect(await stage(w, FORUM, '7')).toBe('helping');
    expect(await stage(w, w.guildId, 'ann')).toBe('participating');
  });

  it('GIVEN a forum veteran links a new Discord account THEN syncJourneys lifts the Discord account quietly', async () => {
    const { w, forum, link } = await linkedWorld({ link: false });
    await forum.topic('41', '9', T0 + 2 * HOUR);
    await forum.post('7', '41', T0 + 3 * HOUR);
    expect(await stage(w, w.guildId, 'ann')).toBe('arrived');
    const before = milestones(w);

    link('ann', '7', T0 + 4 * HOUR);
    await syncJourneys(
      w.database,
      { guildId: w.guildId, memberId: 'ann' },
      { guildId: FORUM, memberId: '7' },
      T0 + 4 * HOUR,
    );
    expect(await stage(w, w.guildId, 'ann')).toBe('helping');
    // Nothing new happened to the person: no congratulation on either platform.
    expect(milestones(w)).toEqual(before);
    expect(await stage(w, FORUM, '7')).toBe('helping');
  });
});
