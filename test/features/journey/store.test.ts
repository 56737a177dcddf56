/**
 * The journey's queries on both engines: a small community is built through the real ingest applier
 * and the journey (SQLite), then read and written on the engine under test (PostgreSQL gets a copy
 * of every row).
 */
import { describe, expect, it } from 'vitest';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { loadContext } from '../../../src/features/journey/context.js';
import { busiestThread, channelNamed, openQuestion, topicChannels } from '../../../src/features/journey/placesStore.js';
import { eraseJourney, exportJourney } from '../../../src/features/journey/privacy.js';
import {
  channelInfo,
  coreMember,
  creditSolved,
  firstPostOf,
  getJourney,
  guildRow,
  hasEarlierMessage,
  insertMilestones,
  isCredited,
  markFirstReply,
  memberAndJourney,
  messageInfo,
  milestoneStages,
  repliedTo,
  saveJourney,
} from '../../../src/features/journey/store.js';
import {
  dueCongratulations,
  journeysPage,
  membersAtStage,
  milestonesBetween,
  silentNewcomers,
  stageCounts,
  unwelcomedJoins,
} from '../../../src/features/journey/sweepStore.js';
import { worldOn } from '../../helpers/copyRows.js';
import { ENGINES, type Engine } from '../../helpers/engines.js';
import { DAY, HOUR, makeCommunity, T0 } from './world.js';

const g = asGuildId('g1');

/** bob (a regular poster), ann (a newcomer who replied to bob), kim (silent since joining), a question thread. */
async function community(engine: Engine) {
  const w = await makeCommunity();
  await w.join('bob', T0 - 10 * DAY);
  const hi = await w.message('bob', 'c-general', T0 - 9 * DAY, { id: 'hi' });
  await w.message('bob', 'c-showcase', T0 - 8 * DAY);
  await w.join('kim', T0 - 4 * DAY);
  await w.join('ann', T0);
  await w.message('ann', 'c-general', T0 + HOUR, { id: 'reply', replyTo: hi });
  await w.thread('t1', 'c-help', 'ann', 'How do I load a mesh?', T0 + 2 * HOUR);
  await w.message('ann', 't1', T0 + 2 * HOUR, { id: 'q1' });
  return { w, db: await worldOn(engine, w.db) };
}

describe.each(ENGINES)('journey store on %s', (engine) => {
  it('GIVEN a member row THEN it reads back as written, counters and flags included, and an upsert replaces it', async () => {
    const { db } = await community(engine);
    const ann = (await getJourney(db, g, 'ann'))!;
    expect(ann).toMatchObject({ guildId: 'g1', memberId: 'ann', joinedAt: T0, firstMessageId: 'reply' });
    expect(ann.counters.message?.n).toBe(2);
    const changed = {
      ...ann,
      stage: 'helping',
      firstMessageOpensThread: true,
      counters: { ...ann.counters, x: { n: 1 } },
    };
    await saveJourney(db, changed as typeof ann, T0 + DAY);
    expect(await getJourney(db, g, 'ann')).toEqual(changed);
    expect(await getJourney(db, g, 'nobody')).toBeUndefined();
  });

  it('GIVEN a first post THEN its first reply is credited once', async () => {
    const { db } = await community(engine);
    expect(await markFirstReply(db, g, 'kim', 'bob')).toBe(true);
    expect(await markFirstReply(db, g, 'kim', 'ann')).toBe(false);
    expect((await getJourney(db, g, 'kim'))?.firstReplyBy).toBe('bob');
  });

  it('GIVEN milestones and solved credits THEN each is stored once', async () => {
    const { db } = await community(engine);
    await insertMilestones(db, g, 'ann', ['helping', 'helping', 'regular'], T0 + DAY);
    await insertMilestones(db, g, 'ann', ['helping'], T0 + 2 * DAY);
    expect([...(await milestoneStages(db, g, 'ann'))].sort()).toEqual([
      'arrived',
      'helping',
      'participating',
      'regular',
    ]);
    const credit = {
      guildId: g,
      messageId: 'reply',
      memberId: 'ann',
      byMemberId: 'bob',
      via: 'reaction',
      at: T0,
    } as const;
    expect(await isCredited(db, g, 'reply')).toBe(false);
    expect(await creditSolved(db, credit)).toBe(true);
    expect(await creditSolved(db, { ...credit, via: 'accepted' })).toBe(false);
    expect(await isCredited(db, g, 'reply')).toBe(true);
  });

  it('GIVEN the stored community THEN the core facts an event needs are read', async () => {
    const { db } = await community(engine);
    expect(await messageInfo(db, g, 'reply')).toEqual({ authorId: 'ann', channelId: 'c-general', replyToId: 'hi' });
    expect(await channelInfo(db, g, 't1')).toMatchObject({ kind: 'thread', ownerId: 'ann', parentId: 'c-help' });
    expect(await hasEarlierMessage(db, g, 't1', T0 + 2 * HOUR)).toBe(false);
    expect(await hasEarlierMessage(db, g, 't1', T0 + 3 * HOUR)).toBe(true);
    expect(await coreMember(db, g, 'kim')).toEqual({
      joinedAt: T0 - 4 * DAY,
      leftAt: null,
      bot: false,
      nudgesOff: false,
      displayName: 'kim',
    });
    const guild = (await guildRow(db, g))!;
    expect(guild).toMatchObject({ platform: 'discord', name: 'Rust Gamedev' });
    expect(JSON.parse(guild.settingsText)).toBeTypeOf('object');
    const ctx = (await loadContext(db, g))!;
    expect(ctx.places).toEqual({
      introductions: { channelId: 'c-intro', name: 'introductions' },
      help: { channelId: 'c-help', name: 'help' },
    });
  });

  it('GIVEN members with and without a journey row THEN a member and their row, and a replied message and its author, are each read at once', async () => {
    const { db } = await community(engine);
    const { members, messages } = db.tables;
    await db
      .insert(members)
      .values({ guildId: g, memberId: 'rowless', username: 'r', displayName: 'R', leftAt: T0, updatedAt: T0 });
    await db.insert(messages).values({
      guildId: g,
      messageId: 'old',
      channelId: 'c-general',
      parentChannelId: 'c-general',
      authorId: 'rowless',
      createdAt: T0 - DAY,
    });
    expect(await memberAndJourney(db, g, 'ann')).toEqual({
      here: { leftAt: null, bot: false },
      row: await getJourney(db, g, 'ann'),
    });
    expect(await memberAndJourney(db, g, 'rowless')).toEqual({ here: { leftAt: T0, bot: false }, row: undefined });
    expect(await memberAndJourney(db, g, 'nobody')).toEqual({ here: undefined, row: undefined });
    const bobFirst = (await firstPostOf(db, g, 'bob'))!;
    expect(bobFirst).toEqual({
      firstMessageId: 'hi',
      firstMessageChannelId: 'c-general',
      firstMessageOpensThread: false,
      firstReplyBy: 'ann',
    });
    expect(await repliedTo(db, g, 'hi')).toEqual({ authorId: 'bob', firstPost: bobFirst });
    expect(await repliedTo(db, g, 'old')).toEqual({ authorId: 'rowless', firstPost: undefined });
    expect(await repliedTo(db, g, 'missing')).toBeUndefined();
  });

  it("GIVEN the guild's journeys THEN the sweep's queries find who is due what", async () => {
    const { db } = await community(engine);
    expect(Object.fromEntries(await stageCounts(db, g))).toEqual({ arrived: 1, participating: 1, helping: 1 });
    expect((await journeysPage(db, g, 'convener', '', 2)).map((r) => [r.memberId, r.stage, r.joinedAt])).toEqual([
      ['ann', 'helping', T0],
      ['bob', 'participating', T0 - 10 * DAY],
    ]);
    expect((await journeysPage(db, g, 'convener', 'ann', 5)).map((r) => r.memberId)).toEqual(['bob', 'kim']);
    expect((await journeysPage(db, g, 'helping', '', 5)).map((r) => r.memberId)).toEqual(['bob', 'kim']);
    // Everyone here was welcomed as they joined; nobody is waiting for a congratulation.
    expect(await unwelcomedJoins(db, g, T0 - 5 * DAY)).toEqual([]);
    expect(await dueCongratulations(db, g, T0 + 30 * DAY)).toEqual([]);
    expect(await silentNewcomers(db, g, T0 - 5 * DAY, T0 + DAY)).toEqual(['kim']);
    expect(await membersAtStage(db, g, 'participating')).toEqual(['bob']);
    const reached = (await milestonesBetween(db, g, T0 - DAY, T0 + DAY)).map((m) => [
      m.stage,
      m.reachedAt - T0,
      m.joinedAt,
    ]);
    expect(reached.sort()).toEqual([
      ['arrived', 0, T0],
      ['helping', HOUR, T0],
      ['participating', HOUR, T0],
    ]);
  });

  it('GIVEN a journey row waiting for its hour, an unwelcomed join and a nudged newcomer THEN each query sees them', async () => {
    const { db } = await community(engine);
    const ann = (await getJourney(db, g, 'ann'))!;
    await saveJourney(db, { ...ann, pendingStage: 'regular', pendingDueAt: T0 + DAY }, T0);
    const kim = (await getJourney(db, g, 'kim'))!;
    await saveJourney(db, { ...kim, welcomedAt: null, nudgedStage: kim.stage }, T0);
    expect(await dueCongratulations(db, g, T0 + DAY - 1)).toEqual([]);
    expect(await dueCongratulations(db, g, T0 + DAY)).toEqual(['ann']);
    expect(await unwelcomedJoins(db, g, T0 - 5 * DAY)).toEqual([{ memberId: 'kim', joinedAt: T0 - 4 * DAY }]);
    expect(await silentNewcomers(db, g, T0 - 5 * DAY, T0 + DAY)).toEqual([]);
  });

  it('GIVEN channels and threads THEN the places a welcome or a nudge names are found', async () => {
    const { db } = await community(engine);
    expect(await topicChannels(db, g, T0 - 30 * DAY, 5)).toEqual([
      { channelId: 'c-general', name: 'general', messages: 2 },
      { channelId: 'c-help', name: 'help', messages: 1 },
      { channelId: 'c-showcase', name: 'showcase', messages: 1 },
      { channelId: 'c-intro', name: 'introductions', messages: 0 },
    ]);
    expect(await channelNamed(db, g, ['SHOW'.toLowerCase()])).toEqual({ channelId: 'c-showcase', name: 'showcase' });
    expect(await channelNamed(db, g, ['nothing-like-it'])).toBeUndefined();
    expect(await openQuestion(db, g, T0 - DAY)).toEqual({ channelId: 't1', name: 'How do I load a mesh?' });
    expect(await openQuestion(db, g, T0 + DAY)).toBeUndefined();
    expect(await busiestThread(db, g, T0 - DAY)).toEqual({
      channelId: 't1',
      name: 'How do I load a mesh?',
      messages: 1,
    });
  });

  it('GIVEN a member asks for their data THEN the export shows it and the erasure removes it, keeping others answered', async () => {
    const { db } = await community(engine);
    await creditSolved(db, {
      guildId: g,
      messageId: 'reply',
      memberId: 'ann',
      byMemberId: 'bob',
      via: 'reaction',
      at: T0,
    });
    await markFirstReply(db, g, 'kim', 'ann');
    const exported = await exportJourney(db, g, asMemberId('ann'));
    expect(exported).toMatchObject({
      state: { memberId: 'ann', stage: 'helping' },
      answersCreditedAsHelpful: [{ messageId: 'reply', via: 'reaction', at: T0 }],
    });
    // Ordered by time: arrived first; participating and helping came with the same reply.
    expect((exported.milestones as { stage: string }[]).map((m) => m.stage)[0]).toBe('arrived');
    expect((exported.milestones as { stage: string }[]).map((m) => m.stage).sort()).toEqual([
      'arrived',
      'helping',
      'participating',
    ]);
    await eraseJourney(db, g, asMemberId('ann'));
    expect(await exportJourney(db, g, asMemberId('ann'))).toEqual({
      state: null,
      milestones: [],
      answersCreditedAsHelpful: [],
    });
    expect(await isCredited(db, g, 'reply')).toBe(false);
    expect((await getJourney(db, g, 'kim'))?.firstReplyBy).toBe('(erased)');
    expect((await getJourney(db, g, 'bob'))?.stage).toBe('participating');
  });
});
