/**
 * The questions stores on both engines (SQLite and a real PostgreSQL server): questions and their
 * responses, stages and nudges, the community facts, the figures, the router's model, /solved's
 * reads and a member's export and erasure. Each test seeds its rows through the same Database.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type Database, transaction } from '../../../src/db/database.js';
import { asGuildId, asMemberId } from '../../../src/events.js';
import {
  answeredAbout,
  answeredIn,
  channelNames,
  guildNameOf,
  guildPlatform,
  memberFacts,
  moderatorIds,
  setNudgesOff,
  settingsText,
  textAndForumChannels,
  threadHasEarlierMessage,
} from '../../../src/features/questions/communityStore.js';
import { loadExpertise } from '../../../src/features/questions/expertiseStore.js';
import { FALLBACK } from '../../../src/features/questions/fit.js';
import { readModel, trainingHistory, writeModel } from '../../../src/features/questions/fitStore.js';
import { questionsAskedBetween, solvedBy } from '../../../src/features/questions/metricsStore.js';
import {
  nudgeOutcomes,
  nudgesBetween,
  peerNudgesSince,
  questionsNudgedSince,
} from '../../../src/features/questions/nudgeStore.js';
import { eraseQuestions, exportQuestions } from '../../../src/features/questions/privacyStore.js';
import { DEFAULT_WEIGHTS } from '../../../src/features/questions/route.js';
import { wheresToPost } from '../../../src/features/questions/scanFacts.js';
import { conversationOf, solvedHelpers } from '../../../src/features/questions/solveStore.js';
import {
  advanceStage,
  getQuestion,
  hasReply,
  insertQuestion,
  markSolved,
  markUnsolved,
  openQuestions,
  recordNudges,
  recordResponse,
  waitingQuestions,
} from '../../../src/features/questions/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 3, 10);
const g = 'g1';

/** A guild with #help (forum), #general (text), a thread t1 under #help, and five members. */
async function seed(db: Database): Promise<void> {
  const { guilds, channels, members } = db.tables;
  await db.insert(guilds).values({
    id: g,
    platform: 'discord',
    name: 'Test Guild',
    settings: { questions: { afterMinutes: 120 } },
    createdAt: T0 - 60 * DAY,
    updatedAt: T0 - 60 * DAY,
  });
  const at = T0 - 60 * DAY;
  await db.insert(channels).values([
    { guildId: g, channelId: 'help', name: 'help', kind: 'forum', createdAt: at, updatedAt: at },
    { guildId: g, channelId: 'general', name: 'general', kind: 'text', createdAt: at, updatedAt: at },
    {
      guildId: g,
      channelId: 't1',
      name: 'vulkan shader crash',
      kind: 'thread',
      parentId: 'help',
      ownerId: 'cy',
      createdAt: T0 - 5 * HOUR,
      updatedAt: T0 - 5 * HOUR,
    },
  ]);
  const member = (id: string, extra: Partial<typeof members.$inferInsert> = {}) => ({
    guildId: g,
    memberId: id,
    username: id,
    displayName: id.toUpperCase(),
    updatedAt: at,
    ...extra,
  });
  await db
    .insert(members)
    .values([
      member('ada'),
      member('bo', { roles: ['r-mod'] }),
      member('cy', { timezone: 'Europe/Berlin' }),
      member('dee', { moderator: true }),
      member('bot', { bot: true, moderator: true }),
    ]);
}

async function message(
  db: Database,
  id: string,
  channelId: string,
  authorId: string,
  createdAt: number,
  extra: { replyToId?: string; terms?: string; deletedAt?: number } = {},
): Promise<void> {
  const { messages } = db.tables;
  await db
    .insert(messages)
    .values({ guildId: g, messageId: id, channelId, parentChannelId: 'help', authorId, createdAt, ...extra });
}

const question = (id: string, askedAt: number, extra: { channelId?: string; terms?: string[] } = {}) => ({
  guildId: g,
  questionId: id,
  channelId: extra.channelId ?? id,
  parentChannelId: 'help',
  askerId: 'cy',
  askedAt,
  title: `question ${id}`,
  terms: extra.terms ?? ['vulkan', 'shader'],
  hasBody: true,
  mentionIds: ['ada'],
});

describe.each(ENGINES)('questions stores on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
    await seed(db);
  });

  it('GIVEN a question inserted twice THEN it is stored once, with its title, terms and mentions', async () => {
    expect(await insertQuestion(db, question('t1', T0 - 5 * HOUR), T0)).toBe(true);
    expect(await insertQuestion(db, question('t1', T0 - 4 * HOUR), T0)).toBe(false);
    expect(await getQuestion(db, g, 't1')).toMatchObject({
      askerId: 'cy',
      askedAt: T0 - 5 * HOUR,
      title: 'question t1',
      terms: 'vulkan shader',
      mentionIds: ['ada'],
      hasBody: true,
      answered: false,
      nudgeStage: 0,
    });
    expect(await getQuestion(db, 'another-guild', 't1')).toBeUndefined();
  });

  it('GIVEN two replies, the earlier delivered late THEN the earlier is the first response and a nudged peer who replied is noted', async () => {
    await insertQuestion(db, question('t1', T0 - 5 * HOUR), T0);
    await recordNudges(db, [
      { guildId: g, questionId: 't1', stage: 'peer', targetId: 'ada', targetKind: 'member', at: T0 - 3 * HOUR },
    ]);
    const r = { guildId: g, questionId: 't1', messageId: 'm2', at: T0 - HOUR };
    expect(await recordResponse(db, { ...r, memberId: 'bo' }, T0)).toEqual({ added: true, first: true });
    expect(await recordResponse(db, { ...r, memberId: 'bo', messageId: 'm3' }, T0)).toEqual({
      added: false,
      first: false,
    });
    expect(await recordResponse(db, { ...r, memberId: 'ada', messageId: 'm1', at: T0 - 2 * HOUR }, T0)).toEqual({
      added: true,
      first: true,
    });
    expect(await getQuestion(db, g, 't1')).toMatchObject({
      answered: true,
      firstResponderId: 'ada',
      firstResponseAt: T0 - 2 * HOUR,
    });
    expect(await nudgeOutcomes(db, g, T0 - DAY, T0, T0)).toEqual({ settled: 1, answered: 1 });
  });

  it('GIVEN an anonymous response (an erased member) THEN the question is answered by nobody named', async () => {
    await insertQuestion(db, question('t1', T0 - 5 * HOUR), T0);
    const r = await recordResponse(
      db,
      { guildId: g, questionId: 't1', memberId: 'ada', messageId: 'm1', at: T0 - HOUR },
      T0,
      true,
    );
    expect(r).toEqual({ added: true, first: true });
    expect(await getQuestion(db, g, 't1')).toMatchObject({ answered: true, firstResponderId: null });
  });

  it('GIVEN a solve THEN a second solve changes nothing, and only an undo the same way reopens it', async () => {
    await insertQuestion(db, question('t1', T0 - 5 * HOUR), T0);
    const s = { at: T0, via: 'reaction' as const, byId: 'cy', acceptedMessageId: 'm1', acceptedAnswererId: 'ada' };
    expect(await markSolved(db, g, 't1', s)).toBe(true);
    expect(await markSolved(db, g, 't1', { ...s, via: 'tag' })).toBe(false);
    expect(await markUnsolved(db, g, 't1', 'tag', T0)).toBe(false);
    expect((await getQuestion(db, g, 't1'))?.solvedVia).toBe('reaction');
    expect(await markUnsolved(db, g, 't1', 'reaction', T0)).toBe(true);
    expect(await getQuestion(db, g, 't1')).toMatchObject({ solvedAt: null, acceptedAnswererId: null });
  });

  it('GIVEN open, answered, solved and escalated questions THEN the open and waiting lists hold the open ones in order', async () => {
    for (const [id, at] of [
      ['q1', T0 - 10 * HOUR],
      ['q2', T0 - 8 * HOUR],
      ['q3', T0 - 6 * HOUR],
      ['q4', T0 - 4 * HOUR],
      ['q5', T0 - 2 * HOUR],
    ] as const)
      await insertQuestion(db, question(id, at, { channelId: 'general' }), T0);
    await recordResponse(db, { guildId: g, questionId: 'q2', memberId: 'ada', messageId: 'x', at: T0 - 7 * HOUR }, T0);
    await markSolved(db, g, 'q3', {
      at: T0,
      via: 'command',
      byId: 'cy',
      acceptedMessageId: null,
      acceptedAnswererId: null,
    });
    expect(await advanceStage(db, g, 'q4', 2, T0)).toBe(true);
    expect((await openQuestions(db, g, T0 - DAY, T0 - 3 * HOUR)).map((q) => q.questionId)).toEqual(['q1']);
    expect((await waitingQuestions(db, g, T0 - DAY)).map((q) => q.questionId)).toEqual(['q5', 'q4', 'q1']);
    expect((await waitingQuestions(db, g, T0 - DAY, 2)).map((q) => q.questionId)).toEqual(['q5', 'q4']);
  });

  it('GIVEN a stage reached THEN it is not reached again, nor on an answered question', async () => {
    await insertQuestion(db, question('t1', T0 - 5 * HOUR), T0);
    expect(await advanceStage(db, g, 't1', 1, T0)).toBe(true);
    expect(await advanceStage(db, g, 't1', 1, T0 + HOUR)).toBe(false);
    expect(await getQuestion(db, g, 't1')).toMatchObject({ nudgeStage: 1, nudgedAt: T0 });
    await recordResponse(db, { guildId: g, questionId: 't1', memberId: 'ada', messageId: 'x', at: T0 }, T0);
    expect(await advanceStage(db, g, 't1', 2, T0 + HOUR)).toBe(false);
  });

  it('GIVEN replies by the asker, a bot, a deleted message and a member THEN only the member is a reply', async () => {
    await message(db, 't1', 't1', 'cy', T0 - 5 * HOUR);
    await message(db, 'a1', 't1', 'cy', T0 - 4 * HOUR);
    await message(db, 'a2', 't1', 'bot', T0 - 4 * HOUR);
    await message(db, 'a3', 't1', 'ada', T0 - 4 * HOUR, { deletedAt: T0 });
    expect(await hasReply(db, g, 't1', 'cy')).toBe(false);
    await message(db, 'a4', 'general', 'bo', T0 - 3 * HOUR, { replyToId: 't1' });
    expect(await hasReply(db, g, 't1', 'cy')).toBe(true);
    expect(await threadHasEarlierMessage(db, g, 't1', 'a1', T0)).toBe(true);
    expect(await threadHasEarlierMessage(db, g, 't1', 't1', T0 - 5 * HOUR)).toBe(false);
  });

  it('GIVEN nudges of both stages THEN the loads, counts and outcomes read them back', async () => {
    for (const id of ['q1', 'q2']) await insertQuestion(db, question(id, T0 - 3 * DAY), T0);
    await recordNudges(db, [
      {
        guildId: g,
        questionId: 'q1',
        stage: 'peer',
        targetId: 'ada',
        targetKind: 'member',
        at: T0 - 2 * DAY,
        reasons: [{ kind: 'expertise' }],
      },
      { guildId: g, questionId: 'q1', stage: 'peer', targetId: 'bo', targetKind: 'member', at: T0 - 2 * DAY },
      { guildId: g, questionId: 'q2', stage: 'peer', targetId: 'ada', targetKind: 'member', at: T0 - HOUR },
      { guildId: g, questionId: 'q2', stage: 'escalation', targetId: 'r-help', targetKind: 'role', at: T0 - HOUR },
    ]);
    // Recorded twice (a retried chunk): kept once.
    await recordNudges(db, [
      { guildId: g, questionId: 'q2', stage: 'peer', targetId: 'ada', targetKind: 'member', at: T0 - HOUR },
    ]);
    expect((await peerNudgesSince(db, g, T0 - DAY)).map((n) => n.targetId)).toEqual(['ada']);
    expect(await questionsNudgedSince(db, g, 'peer', T0 - 3 * DAY)).toBe(2);
    expect(await questionsNudgedSince(db, g, 'escalation', T0 - 3 * DAY)).toBe(1);
    expect(await nudgeOutcomes(db, g, T0 - 3 * DAY, T0, T0)).toEqual({ settled: 2, answered: 0 });
    const between = await nudgesBetween(db, g, T0 - 3 * DAY, T0);
    expect(between.map((n) => `${n.questionId}:${n.targetId}`).sort()).toEqual(['q1:ada', 'q1:bo', 'q2:ada']);
    const exported = await exportQuestions(db, asGuildId(g), asMemberId('ada'));
    expect(exported.nudgesReceived).toEqual(
      expect.arrayContaining([expect.objectContaining({ questionId: 'q1', reasons: [{ kind: 'expertise' }] })]),
    );
  });

  it('GIVEN answered questions about a topic and in a channel THEN the why counts them and the last one', async () => {
    await insertQuestion(db, question('q1', T0 - 3 * DAY, { terms: ['vulkan', 'shader'] }), T0);
    await insertQuestion(db, question('q2', T0 - 2 * DAY, { terms: ['network'] }), T0);
    for (const [q, at] of [
      ['q1', T0 - 3 * DAY + HOUR],
      ['q2', T0 - 2 * DAY + HOUR],
    ] as const)
      await recordResponse(db, { guildId: g, questionId: q, memberId: 'ada', messageId: `r${q}`, at }, T0);
    expect(await answeredAbout(db, g, 'ada', 'shader')).toEqual({ count: 1, lastAt: T0 - 3 * DAY + HOUR });
    expect(await answeredAbout(db, g, 'ada', 'shad')).toEqual({ count: 0, lastAt: null });
    expect(await answeredIn(db, g, 'ada', 'help')).toEqual({ count: 2, lastAt: T0 - 2 * DAY + HOUR });
    expect(await answeredIn(db, g, 'bo', 'help')).toEqual({ count: 0, lastAt: null });
  });

  it('GIVEN members, roles and channels THEN the community facts read them', async () => {
    const facts = await memberFacts(db, g, ['ada', 'cy', 'bot', 'nobody']);
    expect(facts.get('cy')).toMatchObject({ nudgesOff: false, bot: false, left: false, timezone: 'Europe/Berlin' });
    expect(facts.get('bot')).toMatchObject({ bot: true, moderator: true });
    expect(facts.has('nobody')).toBe(false);
    expect(await moderatorIds(db, g, 5)).toEqual(['dee']);
    expect(await moderatorIds(db, g, 5, ['r-mod'])).toEqual(['bo', 'dee']);
    expect(await moderatorIds(db, g, 5, ['r-mo'])).toEqual(['dee']);
    expect((await textAndForumChannels(db, g)).map((c) => c.channelId).sort()).toEqual(['general', 'help']);
    expect(await channelNames(db, g, ['t1', 'help', 'gone'])).toEqual(
      new Map([
        ['t1', 'vulkan shader crash'],
        ['help', 'help'],
      ]),
    );
    expect(await guildNameOf(db, g)).toBe('Test Guild');
    expect(await guildPlatform(db, g)).toBe('discord');
    expect(JSON.parse((await settingsText(db, g))!)).toEqual({ questions: { afterMinutes: 120 } });
  });

  it('GIVEN /nudges off for a member not seen yet and for a known one THEN each keeps the choice and says what it was', async () => {
    expect(await setNudgesOff(db, asGuildId(g), { id: asMemberId('new'), displayName: 'New' }, true, T0)).toBe(false);
    expect(await setNudgesOff(db, asGuildId(g), { id: asMemberId('ada'), displayName: 'ADA' }, true, T0)).toBe(false);
    expect(await setNudgesOff(db, asGuildId(g), { id: asMemberId('ada'), displayName: 'ADA' }, false, T0)).toBe(true);
    const facts = await memberFacts(db, g, ['new', 'ada']);
    expect(facts.get('new')?.nudgesOff).toBe(true);
    expect(facts.get('ada')?.nudgesOff).toBe(false);
  });

  it('GIVEN questions asked and solved in a week THEN the figures and the helpers thanked come from them', async () => {
    for (const [id, at] of [
      ['q1', T0 - 3 * DAY],
      ['q2', T0 - 2 * DAY],
      ['q3', T0 - 8 * DAY],
    ] as const)
      await insertQuestion(db, question(id, at), T0);
    const solvedBy1 = { via: 'command' as const, byId: 'cy', acceptedMessageId: 'm' };
    await markSolved(db, g, 'q1', { ...solvedBy1, at: T0 - DAY, acceptedAnswererId: 'ada' });
    await markSolved(db, g, 'q2', { ...solvedBy1, at: T0 - DAY, acceptedAnswererId: 'ada' });
    await markSolved(db, g, 'q3', { ...solvedBy1, at: T0 - DAY, acceptedAnswererId: 'bot' });
    expect((await questionsAskedBetween(db, g, T0 - 7 * DAY, T0)).map((q) => q.questionId).sort()).toEqual([
      'q1',
      'q2',
    ]);
    expect(await solvedBy(db, g, T0 - 7 * DAY, T0)).toEqual(
      new Map([
        ['ada', 2],
        ['bot', 1],
      ]),
    );
    expect(await solvedHelpers(db, g, T0 - 7 * DAY, T0)).toEqual([
      { memberId: 'ada', name: 'ADA', solved: 2, thanked: 0 },
    ]);
  });

  it("GIVEN a question's thread and replies THEN /solved reads the conversation oldest first, without deleted messages", async () => {
    await message(db, 't1', 't1', 'cy', T0 - 5 * HOUR);
    await message(db, 'a1', 't1', 'ada', T0 - 4 * HOUR);
    await message(db, 'a2', 't1', 'bo', T0 - 3 * HOUR, { deletedAt: T0 });
    await message(db, 'a3', 't1', 'stranger', T0 - 2 * HOUR);
    const conversation = await conversationOf(db, g, { questionId: 't1', channelId: 't1' });
    expect(conversation.map((m) => `${m.messageId}:${m.authorName}`)).toEqual(['t1:CY', 'a1:ADA', 'a3:stranger']);
    expect(conversation[1]).toMatchObject({ bot: false, left: false, username: 'ada' });
  });

  it('GIVEN a question on a message, one with a thread opened on it, and a forum post THEN each nudge goes where people talk', async () => {
    await insertQuestion(db, question('t1', T0 - 5 * HOUR), T0);
    await insertQuestion(db, question('m1', T0 - 5 * HOUR, { channelId: 'general' }), T0);
    await insertQuestion(db, question('help', T0 - 5 * HOUR, { channelId: 'general' }), T0);
    const rows = await Promise.all(['t1', 'm1', 'help'].map(async (id) => (await getQuestion(db, g, id))!));
    expect(await wheresToPost(db, g, rows)).toEqual(
      new Map([
        ['t1', { channelId: 't1', replyTo: null }],
        ['m1', { channelId: 'general', replyTo: 'm1' }],
        ['help', { channelId: 'help', replyTo: null }],
      ]),
    );
  });

  it('GIVEN a fitted model written twice THEN the last is read back over the shipped weights', async () => {
    expect(await readModel(db, g)).toBeNull();
    const fit = { weights: DEFAULT_WEIGHTS, learner: FALLBACK, questions: 5, validation: [], tried: [] };
    await writeModel(db, g, fit as never, T0, T0);
    expect(await readModel(db, g)).toMatchObject({ weights: DEFAULT_WEIGHTS, learner: FALLBACK, questions: 5 });
    const weights = { ...DEFAULT_WEIGHTS, expertise: 0.5 };
    await writeModel(db, g, { ...fit, weights, learner: 'ridge', questions: 300 } as never, T0 + DAY, T0 + DAY);
    expect(await readModel(db, g)).toMatchObject({ weights, learner: 'ridge', questions: 300, fittedAt: T0 + DAY });
  });

  it('GIVEN a history of answered questions THEN the expertise index and the training history are rebuilt from it', async () => {
    for (let i = 0; i < 3; i++) {
      const id = `q${i}`;
      const at = T0 - (10 - i) * DAY;
      await insertQuestion(db, question(id, at), T0);
      await message(db, id, id, 'cy', at, { terms: 'vulkan shader' });
      await message(db, `r${i}`, id, 'ada', at + HOUR, { terms: 'validation layer' });
      await recordResponse(db, { guildId: g, questionId: id, memberId: 'ada', messageId: `r${i}`, at: at + HOUR }, T0);
    }
    await message(db, 'chatter', 'general', 'bo', T0 - DAY);
    const index = await loadExpertise(db, g);
    expect(index.lastAt[index.slot('ada')!]).toBe(T0 - 8 * DAY + HOUR);
    expect(index.slot('bo')).toBeDefined();
    expect(index.slot('bot')).toBeUndefined();
    const steps = trainingHistory(db, g, T0);
    let step = await steps.next();
    while (!step.done) step = await steps.next();
    expect(step.value.map((q) => q.askedAt)).toEqual([T0 - 10 * DAY, T0 - 9 * DAY, T0 - 8 * DAY]);
    expect(step.value.every((q) => q.waitMs === HOUR)).toBe(true);
  });

  it('GIVEN a member who asked, answered and was nudged erases their data THEN it is gone in one transaction, and their answers stay anonymous', async () => {
    await insertQuestion(db, question('asked', T0 - 5 * DAY), T0);
    await insertQuestion(db, { ...question('other', T0 - 4 * DAY), askerId: 'bo' }, T0);
    await recordResponse(
      db,
      { guildId: g, questionId: 'asked', memberId: 'ada', messageId: 'x', at: T0 - 4 * DAY },
      T0,
    );
    await recordResponse(db, { guildId: g, questionId: 'other', memberId: 'cy', messageId: 'y', at: T0 - 3 * DAY }, T0);
    await markSolved(db, g, 'other', {
      at: T0,
      via: 'command',
      byId: 'bo',
      acceptedMessageId: 'y',
      acceptedAnswererId: 'cy',
    });
    await recordNudges(db, [
      { guildId: g, questionId: 'other', stage: 'peer', targetId: 'cy', targetKind: 'member', at: T0 - 3 * DAY },
    ]);
    const before = await exportQuestions(db, asGuildId(g), asMemberId('cy'));
    expect(before).toMatchObject({
      questionsAsked: [expect.objectContaining({ questionId: 'asked', title: 'question asked' })],
      questionsAnswered: [{ questionId: 'other', at: T0 - 3 * DAY }],
      nudgesReceived: [expect.objectContaining({ questionId: 'other' })],
    });
    await transaction(db, (tx) => eraseQuestions(tx, asGuildId(g), asMemberId('cy')));
    expect(await exportQuestions(db, asGuildId(g), asMemberId('cy'))).toEqual({
      questionsAsked: [],
      questionsAnswered: [],
      nudgesReceived: [],
    });
    expect(await getQuestion(db, g, 'asked')).toBeUndefined();
    expect(await getQuestion(db, g, 'other')).toMatchObject({ firstResponderId: null, acceptedAnswererId: null });
    expect(await exportQuestions(db, asGuildId(g), asMemberId('ada'))).toMatchObject({ questionsAnswered: [] });
  });
});
