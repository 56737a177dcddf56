import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import conveneQuestionsSet, { parseChannelList } from '../../../commands/conveneQuestionsSet.js';
import nudgesOff from '../../../commands/nudgesOff.js';
import nudgesOn from '../../../commands/nudgesOn.js';
import profileSet from '../../../commands/profileSet.js';
import solved from '../../../commands/solved.js';
import unanswered from '../../../commands/unanswered.js';
import { MODERATOR_ONLY } from '../../../src/commands.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { members } from '../../../src/db/schema.js';
import { asChannelId, asGuildId, asMemberId, asMessageId } from '../../../src/events.js';
import { readProfileRow } from '../../../src/features/intros/store.js';
import { pairCommunity } from '../../../src/features/links/identity.js';
import { getQuestion } from '../../../src/features/questions/store.js';
import { readSettings } from '../../../src/guildSettings.js';
import { DAY, HOUR, makeCommunity, T0 } from './world.js';

const text = (r: { kind: string; body?: { content: string } }) => (r.kind === 'modal' ? '' : (r.body?.content ?? ''));

describe('/solved', () => {
  it('GIVEN the asker runs it in the question thread THEN the question is solved', async () => {
    const w = await makeCommunity();
    await w.post('q1', 'help', 'cy', 'shader crash', T0 - HOUR);
    const r = await w.run(solved, {}, { id: 'cy', channelId: 'q1' });
    expect(r).toMatchObject({ kind: 'message', ephemeral: true });
    expect(await getQuestion(w.store, w.guildId, 'q1')).toMatchObject({
      solvedVia: 'command',
      solvedById: 'cy',
      solvedAt: T0,
    });
    expect(text(await w.run(solved, {}, { id: 'cy', channelId: 'q1' }))).toContain('already');
  });

  it('GIVEN a moderator runs it THEN the question is solved', async () => {
    const w = await makeCommunity();
    await w.post('q1', 'help', 'cy', 'shader crash', T0 - HOUR);
    await w.run(solved, {}, { id: 'mod', moderator: true, channelId: 'q1' });
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.solvedById).toBe('mod');
  });

  it.each([
    ['someone else in the thread', { id: 'bo', channelId: 'q1' }, 'Only the person who asked'],
    ['anyone outside a question thread', { id: 'cy', channelId: 'general' }, "isn't a question thread"],
  ])('GIVEN %s THEN it says why not and solves nothing', async (_case, as, expected) => {
    const w = await makeCommunity();
    await w.post('q1', 'help', 'cy', 'shader crash', T0 - HOUR);
    expect(text(await w.run(solved, {}, as))).toContain(expected);
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.solvedAt).toBeNull();
  });
});

describe('/nudges off|on', () => {
  it('GIVEN /nudges off then on THEN members.nudgesOff follows (also for a member never seen)', async () => {
    const w = await makeCommunity();
    const off = () =>
      w.db.select({ off: members.nudgesOff }).from(members).where(eq(members.memberId, 'ada')).get()?.off;
    await w.run(nudgesOff, {}, { id: 'ada' });
    expect(off()).toBe(true);
    expect(text(await w.run(nudgesOff, {}, { id: 'ada' }))).toContain('already off');
    await w.run(nudgesOn, {}, { id: 'ada' });
    expect(off()).toBe(false);
    await w.run(nudgesOff, {}, { id: 'stranger' });
    expect(w.db.select().from(members).where(eq(members.memberId, 'stranger')).get()?.nudgesOff).toBe(true);
  });
});

describe('/unanswered', () => {
  it('GIVEN open questions THEN the member gets a private list with links and why', async () => {
    const w = await makeCommunity();
    await w.post('qb', 'help', 'cy', 'vulkan shader stutter', T0 - 3 * HOUR);
    const r = await w.run(unanswered, {}, { id: 'ada' });
    expect(r).toMatchObject({ kind: 'message', ephemeral: true });
    expect(text(r)).toContain(`[vulkan shader stutter](https://discord.com/channels/${w.guildId}/qb)`);
    expect(text(r)).toContain('waiting 3 hours');
    expect(text(r)).toMatch(/you answered \d+ questions? about (vulkan|shader)/);
  });

  it('GIVEN nothing open THEN it says so', async () => {
    const w = await makeCommunity();
    expect(text(await w.run(unanswered, {}, { id: 'ada' }))).toContain('Nothing is waiting');
  });
});

describe('/convene questions set', () => {
  it('GIVEN a member (not a moderator) THEN it refuses', async () => {
    const w = await makeCommunity();
    expect(text(await w.run(conveneQuestionsSet, { after: '2h' }, { id: 'cy' }))).toBe(MODERATOR_ONLY);
  });

  it('GIVEN a channel list, durations and a helpers role THEN the settings follow and the reply sums them up', async () => {
    const w = await makeCommunity();
    const r = await w.run(
      conveneQuestionsSet,
      { channels: '#general, <#help>', after: '2h', escalate: '2d', helpers: 'r1' },
      { id: 'mod', moderator: true },
    );
    const q = (await readSettings(sqliteDatabase(w.db), w.guildId)).questions;
    expect(q).toMatchObject({
      auto: false,
      channels: { general: true },
      afterMinutes: 120,
      escalateMinutes: 2880,
      helpersRoleId: 'r1',
    });
    expect(text(r)).toContain("Still open after 2 d: one ping to <@&r1> in the question's thread.");
  });

  it('GIVEN moderators:true THEN the reply says the moderators get one summary per scan', async () => {
    const w = await makeCommunity();
    const r = await w.run(conveneQuestionsSet, { moderators: true }, { id: 'mod', moderator: true });
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).questions.helpersRoleId).toBeNull();
    expect(text(r)).toContain(
      'Still open after 1 d: the moderators get one private summary per scan listing such questions (`helpers:` sends them to a role instead).',
    );
  });

  it('GIVEN watch:off for a channel THEN that channel is never watched, and the rest stays automatic', async () => {
    const w = await makeCommunity();
    await w.run(conveneQuestionsSet, { channel: 'help', watch: 'off' }, { id: 'mod', moderator: true });
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).questions).toMatchObject({
      auto: true,
      channels: { help: false },
    });
    await w.post('q1', 'help', 'cy', 'shader crash', T0);
    expect(await getQuestion(w.store, w.guildId, 'q1')).toBeUndefined();
  });

  it.each([
    [{ after: 'soon' }, 'duration'],
    [{ after: '30h', escalate: '24h' }, 'must come after'],
    [{ channels: '#nowhere' }, 'nowhere'],
    [{ channel: 'help' }, 'together'],
  ])('GIVEN %j THEN it explains the mistake and changes nothing', async (options, expected) => {
    const w = await makeCommunity();
    expect(text(await w.run(conveneQuestionsSet, options, { id: 'mod', moderator: true }))).toContain(expected);
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).questions.afterMinutes).toBe(240);
  });

  it('GIVEN names, ids and mentions THEN parseChannelList returns the channel ids once each', async () => {
    const known = [
      { channelId: 'h1', name: 'Help' },
      { channelId: '123', name: 'x' },
    ];
    expect(parseChannelList('#help, 123 <#999>, help', known)).toEqual(['h1', '123', '999']);
  });

  it('GIVEN "auto" THEN detection goes back to the defaults', async () => {
    const w = await makeCommunity();
    await w.run(conveneQuestionsSet, { channels: '#general' }, { id: 'mod', moderator: true });
    await w.run(conveneQuestionsSet, { channels: 'auto' }, { id: 'mod', moderator: true });
    expect((await readSettings(sqliteDatabase(w.db), w.guildId)).questions).toMatchObject({ auto: true, channels: {} });
  });
});

describe('a linked member is one person', () => {
  const FORUM = 'discourse:forum.example';
  async function linked() {
    const w = await makeCommunity();
    await w.push({ platform: 'discourse', guildId: asGuildId(FORUM), kind: 'guild.upserted', at: T0 - DAY, name: 'F' });
    await w.push({
      platform: 'discourse',
      guildId: asGuildId(FORUM),
      kind: 'member.joined',
      at: T0 - DAY,
      memberId: asMemberId('7'),
      username: 'ada_forum',
      displayName: 'Ada',
      bot: false,
      roles: [],
    });
    await pairCommunity(sqliteDatabase(w.db), {
      guildId: w.guildId,
      forumGuildId: FORUM,
      pairedBy: 'mod',
      pairedAt: T0 - DAY,
    });
    w.db.$client
      .prepare(
        'INSERT INTO account_links (guild_id, member_id, other_guild_id, other_member_id, created_at, linked_at) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(w.guildId, 'ada', FORUM, '7', T0 - DAY, T0 - DAY);
    const forumRow = () =>
      w.db
        .select({ off: members.nudgesOff, timezone: members.timezone })
        .from(members)
        .where(and(eq(members.guildId, FORUM), eq(members.memberId, '7')))
        .get();
    return { w, forumRow };
  }

  it('GIVEN an open vulkan topic on the forum THEN /unanswered on Discord offers it to ada, who answers vulkan here, marked "on the forum"', async () => {
    const { w } = await linked();
    const forum = { platform: 'discourse' as const, guildId: asGuildId(FORUM) };
    await w.push({
      ...forum,
      kind: 'channel.upserted',
      at: T0 - DAY,
      channelId: asChannelId('category:4'),
      name: 'Help',
      channelKind: 'forum',
      parentId: null,
      topic: null,
    });
    await w.push({
      ...forum,
      kind: 'member.joined',
      at: T0 - DAY,
      memberId: asMemberId('9'),
      username: 'noor',
      displayName: 'Noor',
      bot: false,
      roles: [],
    });
    await w.push({
      ...forum,
      kind: 'thread.upserted',
      at: T0 - 3 * HOUR,
      threadId: asChannelId('41'),
      parentId: asChannelId('category:4'),
      name: 'Vulkan shader crash on startup',
      ownerId: asMemberId('9'),
      tags: [],
      archived: false,
      createdAt: T0 - 3 * HOUR,
    });
    await w.push({
      ...forum,
      kind: 'message.created',
      at: T0 - 3 * HOUR,
      messageId: asMessageId('41'),
      channelId: asChannelId('41'),
      authorId: asMemberId('9'),
      authorName: 'noor',
      authorIsBot: false,
      replyToId: null,
      mentionIds: [],
      content: 'My vulkan shader crashes on startup, why?',
    });
    const listed = text(await w.run(unanswered, {}, { id: 'ada' }));
    expect(listed).toContain('[Vulkan shader crash on startup](https://forum.example/t/41) (on the forum)');
    // bo is not linked: only this server's questions.
    expect(text(await w.run(unanswered, {}, { id: 'bo' }))).not.toContain('forum.example');
  });

  it('GIVEN /nudges off and on on Discord THEN the forum account follows', async () => {
    const { w, forumRow } = await linked();
    await w.run(nudgesOff, {}, { id: 'ada' });
    expect(forumRow()?.off).toBe(true);
    await w.run(nudgesOn, {}, { id: 'ada' });
    expect(forumRow()?.off).toBe(false);
  });

  it('GIVEN /profile set timezone on Discord THEN the forum account has the same timezone and interests', async () => {
    const { w, forumRow } = await linked();
    await w.run(profileSet, { timezone: 'Europe/Lisbon', interests: 'vulkan, rust' }, { id: 'ada' });
    expect(forumRow()?.timezone).toBe('Europe/Lisbon');
    expect((await readProfileRow(w.store, asGuildId(FORUM), asMemberId('7')))?.declared).toMatchObject({
      interests: ['vulkan', 'rust'],
    });
  });
});
