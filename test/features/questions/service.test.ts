import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sqliteDatabase } from '../../../src/db/database.js';
import { members, questionNudges, questions } from '../../../src/db/schema.js';
import { asChannelId, asGuildId, asMemberId, asMessageId } from '../../../src/events.js';
import { pairCommunity } from '../../../src/features/links/identity.js';
import { loadExpertise } from '../../../src/features/questions/expertiseStore.js';
import { rankAnswerers } from '../../../src/features/questions/route.js';
import {
  expertiseOf,
  forgetExpertise,
  scanAndNudge,
  unansweredFor,
  waitingForDigest,
  weeklyMetrics,
} from '../../../src/features/questions/service.js';
import { getQuestion } from '../../../src/features/questions/store.js';
import { changeSettings } from '../../../src/guildSettings.js';
import { DAY, HOUR, MINUTE, makeCommunity, T0 } from './world.js';

type World = Awaited<ReturnType<typeof makeCommunity>>;

const messageSends = (w: World) =>
  w.outbox().flatMap((r) => (r.action.type === 'message.send' ? [{ key: r.key, ...r.action }] : []));

/** A fresh rendering question by cy, asked at `at` (default 5 h before T0). */
async function askRendering(w: World, id = 'q1', at = T0 - 5 * HOUR, opts: { silent?: boolean } = {}) {
  await w.post(id, 'help', 'cy', 'vulkan shader crash on startup', at, {
    body: 'my vulkan shader crashes, why?',
    ...opts,
  });
}

describe('questions detection and state', () => {
  it('GIVEN a forum post THEN it is a question with the title and body terms, asked by the thread owner', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    const q = (await getQuestion(w.store, w.guildId, 'q1'))!;
    expect(q).toMatchObject({
      askerId: 'cy',
      channelId: 'q1',
      parentChannelId: 'help',
      answered: false,
      hasBody: true,
    });
    expect(q.terms.split(' ')).toEqual(expect.arrayContaining(['vulkan', 'shader', 'crash']));
  });

  it.each([
    ['a help-like text channel, a message that asks', 'support', 'how do I bake lightmaps?', true],
    ['a help-like text channel, a message that does not ask', 'support', 'I baked the lightmaps.', false],
    ['an ordinary text channel, a message that asks', 'general', 'how do I bake lightmaps?', false],
  ])('GIVEN %s THEN detection says %s', async (_case, channel, content, expected) => {
    const w = await makeCommunity();
    await w.channel('support', 'support', 'text');
    const id = await w.message('cy', channel, T0, { content });
    expect((await getQuestion(w.store, w.guildId, id)) !== undefined).toBe(expected);
  });

  it('GIVEN a reply by someone else THEN the question is answered with its first responder; the asker replying is not an answer', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    await w.message('cy', 'q1', T0 - 4 * HOUR, { content: 'also it says vk error' });
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.answered).toBe(false);
    await w.message('ada', 'q1', T0 - 3 * HOUR);
    expect(await getQuestion(w.store, w.guildId, 'q1')).toMatchObject({
      answered: true,
      firstResponderId: 'ada',
      firstResponseAt: T0 - 3 * HOUR,
    });
  });

  it('GIVEN a bot message in the thread THEN the question stays unanswered', async () => {
    const w = await makeCommunity();
    await w.join('convene', { bot: true });
    await askRendering(w);
    await w.message('convene', 'q1', T0 - 4 * HOUR, { bot: true });
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.answered).toBe(false);
  });

  it.each([
    ['the asker reacts ✅ to an answer', 'reaction'],
    ['a moderator applies the solved tag', 'tag'],
    ['the answer is accepted (Discourse)', 'accepted'],
  ])('GIVEN %s THEN the question is solved', async (_case, via) => {
    const w = await makeCommunity();
    await askRendering(w);
    const answer = await w.message('ada', 'q1', T0 - 4 * HOUR);
    if (via === 'reaction') await w.react('cy', answer, 'q1', '✅', T0 - 3 * HOUR);
    if (via === 'tag')
      await w.tag('q1', 'help', 'cy', 'vulkan shader crash on startup', T0 - 5 * HOUR, ['Solved'], T0 - 3 * HOUR);
    if (via === 'accepted') await w.accept('q1', answer, 'cy', T0 - 3 * HOUR);
    const q = (await getQuestion(w.store, w.guildId, 'q1'))!;
    expect(q.solvedVia).toBe(via);
    expect(q.solvedAt).toBe(T0 - 3 * HOUR);
    if (via !== 'tag') expect(q.acceptedAnswererId).toBe('ada');
  });

  it('GIVEN ✅ from someone other than the asker THEN the question is not solved', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    const answer = await w.message('ada', 'q1', T0 - 4 * HOUR);
    await w.react('bo', answer, 'q1', '✅', T0 - 3 * HOUR);
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.solvedAt).toBeNull();
  });

  it('GIVEN the solved tag is removed THEN the question is open again', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    await w.tag('q1', 'help', 'cy', 'vulkan shader crash on startup', T0 - 5 * HOUR, ['solved'], T0 - 3 * HOUR);
    await w.tag('q1', 'help', 'cy', 'vulkan shader crash on startup', T0 - 5 * HOUR, [], T0 - 2 * HOUR);
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.solvedAt).toBeNull();
  });
});

describe('scanAndNudge', () => {
  it('GIVEN a 5-hour-old unanswered forum post THEN one nudge mentions the member who answered similar questions, with why', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    const result = await scanAndNudge(w.store, w.guildId, T0);
    expect(result.nudged).toBe(1);
    const sends = messageSends(w);
    expect(sends).toHaveLength(1);
    const nudge = sends[0]!;
    expect(nudge.key).toBe(`questions:nudge:${w.guildId}:q1`);
    expect(nudge.channelId).toBe('q1');
    const mentioned = nudge.body.mentions?.members ?? [];
    expect(mentioned[0]).toBe('ada');
    expect(mentioned.length).toBeLessThanOrEqual(2);
    expect(nudge.body.mentions?.roles).toBeUndefined();
    // Allowed mentions are exactly the peers written in the text.
    const written = [...nudge.body.content.matchAll(/<@(\w+)>/g)].map((m) => m[1]);
    expect(written).toEqual(mentioned);
    expect(nudge.body.content).toMatch(/<@ada> — you answered \d+ questions? about (vulkan|shader|crash)/);
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.nudgeStage).toBe(1);
  });

  it('GIVEN the scan runs again (or after a restart) THEN the same question is not nudged twice', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    await scanAndNudge(w.store, w.guildId, T0);
    forgetExpertise(w.store, w.guildId);
    await scanAndNudge(w.store, w.guildId, T0 + 5 * MINUTE);
    await scanAndNudge(w.store, w.guildId, T0 + 10 * MINUTE);
    expect(messageSends(w)).toHaveLength(1);
  });

  it('GIVEN the bot was offline when the question was posted THEN the catch-up scan still nudges it', async () => {
    const w = await makeCommunity();
    // On restart the adapter backfills the post with its platform timestamps; the first scan after
    // start-up finds it already 5 hours old.
    await askRendering(w, 'q1', T0 - 5 * HOUR);
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.nudgeStage).toBe(0);
    expect((await scanAndNudge(w.store, w.guildId, T0)).nudged).toBe(1);
    expect(messageSends(w)[0]!.body.mentions?.members?.[0]).toBe('ada');
  });

  it('GIVEN a question younger than `after` THEN nothing is sent', async () => {
    const w = await makeCommunity();
    await askRendering(w, 'q1', T0 - 3 * HOUR);
    expect(await scanAndNudge(w.store, w.guildId, T0)).toMatchObject({ nudged: 0, escalated: 0 });
    expect(messageSends(w)).toHaveLength(0);
  });

  it.each([
    ['answered', async (w: World) => await w.message('bo', 'q1', T0 - 2 * HOUR)],
    ['solved by ✅ on the question', async (w: World) => await w.react('cy', 'q1', 'q1', '✅', T0 - 2 * HOUR)],
    [
      'answered in the messages but never seen by the feature (a backfill still being applied)',
      async (w: World) => await w.message('bo', 'q1', T0 - 2 * HOUR, { silent: true }),
    ],
  ])('GIVEN a question %s THEN it is not nudged', async (_case, act) => {
    const w = await makeCommunity();
    await askRendering(w);
    act(w);
    await scanAndNudge(w.store, w.guildId, T0);
    expect(messageSends(w)).toHaveLength(0);
  });

  it('GIVEN the best peer turned nudges off THEN they are not mentioned', async () => {
    const w = await makeCommunity();
    w.db.update(members).set({ nudgesOff: true }).where(eq(members.memberId, 'ada')).run();
    await askRendering(w);
    await scanAndNudge(w.store, w.guildId, T0);
    const mentioned = messageSends(w).flatMap((s) => s.body.mentions?.members ?? []);
    expect(mentioned).not.toContain('ada');
  });

  it('GIVEN it is night in the best peer’s declared timezone THEN they are not mentioned', async () => {
    const w = await makeCommunity();
    // 10:00 UTC is 02:00 in Los Angeles.
    w.db.update(members).set({ timezone: 'America/Los_Angeles' }).where(eq(members.memberId, 'ada')).run();
    await askRendering(w);
    await scanAndNudge(w.store, w.guildId, T0);
    const mentioned = messageSends(w).flatMap((s) => s.body.mentions?.members ?? []);
    expect(mentioned).not.toContain('ada');
  });

  it('GIVEN the asker is the best expert for their own question THEN they are never mentioned', async () => {
    const w = await makeCommunity();
    await w.post('q9', 'help', 'ada', 'vulkan shader crash again', T0 - 5 * HOUR);
    await scanAndNudge(w.store, w.guildId, T0);
    const mentioned = messageSends(w).flatMap((s) => s.body.mentions?.members ?? []);
    expect(mentioned).not.toContain('ada');
  });

  it('GIVEN someone mentioned in the question THEN they are not nudged about it (already in the thread)', async () => {
    const w = await makeCommunity();
    await w.post('q1', 'help', 'cy', 'vulkan shader crash on startup', T0 - 5 * HOUR, { mentions: ['ada'] });
    await scanAndNudge(w.store, w.guildId, T0);
    const mentioned = messageSends(w).flatMap((s) => s.body.mentions?.members ?? []);
    expect(mentioned).not.toContain('ada');
  });

  it('GIVEN more questions than the daily cap allows THEN nobody is nudged more than twice in 24 h', async () => {
    const w = await makeCommunity();
    for (let i = 0; i < 5; i++) {
      await w.post(`q${i}`, 'help', 'cy', `vulkan shader problem ${i}`, T0 - 5 * HOUR - i * MINUTE);
    }
    await scanAndNudge(w.store, w.guildId, T0);
    await scanAndNudge(w.store, w.guildId, T0 + HOUR);
    const count = new Map<string, number>();
    for (const s of messageSends(w))
      for (const m of s.body.mentions?.members ?? []) count.set(m, (count.get(m) ?? 0) + 1);
    expect(count.get('ada')).toBe(2);
    for (const n of count.values()) expect(n).toBeLessThanOrEqual(2);
  });

  it('GIVEN a question still open after 24 h THEN one escalation pings the helpers role, once', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({ ...s, questions: { ...s.questions, helpersRoleId: 'r-helpers' } }));
    await askRendering(w, 'q1', T0 - 5 * HOUR);
    await scanAndNudge(w.store, w.guildId, T0);
    await scanAndNudge(w.store, w.guildId, T0 + 20 * HOUR);
    await scanAndNudge(w.store, w.guildId, T0 + 21 * HOUR);
    await scanAndNudge(w.store, w.guildId, T0 + 40 * HOUR);
    const sends = messageSends(w);
    expect(sends.map((s) => s.key)).toEqual([`questions:nudge:${w.guildId}:q1`, `questions:escalate:${w.guildId}:q1`]);
    expect(sends[1]!.body.mentions).toEqual({ roles: ['r-helpers'] });
    expect((await getQuestion(w.store, w.guildId, 'q1'))!.nudgeStage).toBe(2);
  });

  it('GIVEN no helpers role THEN the escalation goes to the moderators in one private summary (never to the asker)', async () => {
    const w = await makeCommunity();
    await w.join('mo', { moderator: true });
    await w.join('cy', { moderator: true });
    await askRendering(w, 'q1', T0 - 25 * HOUR);
    await scanAndNudge(w.store, w.guildId, T0);
    expect(messageSends(w)).toHaveLength(0);
    const dms = w.outbox().flatMap((r) => (r.action.type === 'dm.send' ? [r.action] : []));
    expect(dms.map((d) => d.memberId)).toEqual(['mo']);
    expect(dms[0]!.body.content).toContain('vulkan shader crash on startup');
  });

  it('GIVEN questions older than two weeks THEN nobody is pinged about them', async () => {
    const w = await makeCommunity();
    await w.join('mo', { moderator: true });
    await askRendering(w, 'q1', T0 - 15 * DAY);
    await scanAndNudge(w.store, w.guildId, T0);
    expect(messageSends(w)).toHaveLength(0);
  });

  it('GIVEN detection is turned off THEN nothing is detected nor nudged', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({ ...s, questions: { ...s.questions, enabled: false } }));
    await askRendering(w);
    expect(await getQuestion(w.store, w.guildId, 'q1')).toBeUndefined();
    expect((await scanAndNudge(w.store, w.guildId, T0)).nudged).toBe(0);
  });

  it('GIVEN a channel unwatched after its question was detected THEN that question is neither nudged nor listed', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    expect(await getQuestion(w.store, w.guildId, 'q1')).toBeDefined();
    expect((await unansweredFor(w.store, w.guildId, 'ada', T0)).map((q) => q.questionId)).toContain('q1');
    await w.settings((s) => ({ ...s, questions: { ...s.questions, channels: { help: false } } }));
    expect((await scanAndNudge(w.store, w.guildId, T0)).nudged).toBe(0);
    expect(messageSends(w)).toEqual([]);
    expect(await unansweredFor(w.store, w.guildId, 'ada', T0)).toEqual([]);
    expect(await waitingForDigest(w.store, w.guildId, T0)).toEqual([]);
    // Watched again: it is due as before.
    await w.settings((s) => ({ ...s, questions: { ...s.questions, channels: {} } }));
    expect((await scanAndNudge(w.store, w.guildId, T0)).nudged).toBe(1);
  });

  it('GIVEN a nudge THEN it is logged per peer with the reasons, for the daily cap and the load share', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    await scanAndNudge(w.store, w.guildId, T0);
    const rows = w.db
      .select()
      .from(questionNudges)
      .where(and(eq(questionNudges.guildId, w.guildId), eq(questionNudges.questionId, 'q1')))
      .all();
    expect(rows.map((r) => r.targetId)).toContain('ada');
    expect(rows.every((r) => r.stage === 'peer' && r.at === T0)).toBe(true);
  });
});

describe('the expertise index', () => {
  it('GIVEN the index rebuilt from the tables THEN it ranks like the one kept up to date by events', async () => {
    const w = await makeCommunity();
    const live = await expertiseOf(w.store, w.guildId, T0 - 30 * DAY);
    // Built before the history: every later event went through handleEvent into `live`.
    await w.post('q2', 'help', 'dee', 'shader precision', T0 - 2 * DAY);
    await w.message('bo', 'q2', T0 - 2 * DAY + HOUR);
    const rebuilt = await loadExpertise(w.store, w.guildId);
    const question = { askerId: 'cy', terms: ['shader', 'vulkan', 'replication'], channelId: 'help' };
    const a = rankAnswerers(live, question, { now: T0 });
    const b = rankAnswerers(rebuilt, question, { now: T0 });
    expect(a.map((r) => r.memberId)).toEqual(b.map((r) => r.memberId));
    for (const [i, r] of a.entries()) expect(r.score).toBeCloseTo(b[i]!.score, 9);
    expect(a.map((r) => r.memberId)).toEqual(expect.arrayContaining(['ada', 'bo', 'dee']));
  });
});

describe('unansweredFor', () => {
  it('GIVEN open questions THEN the member sees first the ones about what they answered before, with links', async () => {
    const w = await makeCommunity();
    await w.post('qa', 'help', 'cy', 'replication of ragdoll over network', T0 - 2 * HOUR);
    await w.post('qb', 'help', 'cy', 'vulkan shader stutter', T0 - HOUR);
    const forAda = await unansweredFor(w.store, w.guildId, 'ada', T0);
    const forBo = await unansweredFor(w.store, w.guildId, 'bo', T0);
    expect(forAda[0]).toMatchObject({ questionId: 'qb', url: `https://discord.com/channels/${w.guildId}/qb` });
    expect(forAda[0]!.title).toBe('vulkan shader stutter');
    expect(forBo[0]!.questionId).toBe('qa');
    expect(await unansweredFor(w.store, w.guildId, 'cy', T0)).toEqual([]);
  });
});

describe('weeklyMetrics', () => {
  it('GIVEN a week of questions THEN first response, answered-in-24h, solved and nudge conversion are measured', async () => {
    const w = await makeCommunity();
    const start = T0 - 6 * DAY;
    await w.post('w1', 'help', 'cy', 'shader one', start + HOUR);
    await w.message('ada', 'w1', start + 2 * HOUR);
    await w.post('w2', 'help', 'cy', 'vulkan two', start + 2 * DAY);
    await scanAndNudge(w.store, w.guildId, start + 2 * DAY + 5 * HOUR);
    const nudged = w.db
      .select()
      .from(questionNudges)
      .all()
      .map((r) => r.targetId);
    await w.message(nudged[0]!, 'w2', start + 2 * DAY + 6 * HOUR);
    await w.react('cy', 'w2', 'w2', '✅', start + 2 * DAY + 7 * HOUR);
    const m = await weeklyMetrics(w.store, w.guildId, start, start + 7 * DAY, T0 + DAY);
    expect(m).toMatchObject({
      asked: 2,
      answered: 2,
      answeredWithin24h: 1,
      solved: 0.5,
      firstResponseMedianMs: HOUR,
      firstResponseP90Ms: 6 * HOUR,
      nudged: 1,
      nudgeConversion: 1,
      nudgeAnsweredByNudged: 1,
    });
  });
});

describe('privacy', () => {
  it('GIVEN a member erases their data THEN their questions, answers and nudges are gone from the export', async () => {
    const w = await makeCommunity();
    await askRendering(w);
    await scanAndNudge(w.store, w.guildId, T0);
    const { questionsFeature } = await import('../../../src/features/questions/feature.js');
    const before = await questionsFeature.privacy!.export(sqliteDatabase(w.db), w.guildId, asMemberId('ada'));
    expect((before.nudgesReceived as unknown[]).length).toBe(1);
    await questionsFeature.privacy!.erase(sqliteDatabase(w.db), w.guildId, asMemberId('ada'));
    const after = await questionsFeature.privacy!.export(sqliteDatabase(w.db), w.guildId, asMemberId('ada'));
    expect(after).toEqual({ questionsAsked: [], questionsAnswered: [], nudgesReceived: [] });
    await questionsFeature.privacy!.erase(sqliteDatabase(w.db), w.guildId, asMemberId('cy'));
    expect(w.db.select().from(questions).where(eq(questions.askerId, 'cy')).all()).toEqual([]);
  });
});

describe('server-wide restraint', () => {
  const nudgeSends = (w: World) => messageSends(w).filter((m) => m.key.startsWith('questions:'));

  it('GIVEN a backlog of 20 fresh and 10 day-old questions at start-up THEN one scan sends at most 6 peer nudges and 3 escalations', async () => {
    const w = await makeCommunity();
    await changeSettings(
      sqliteDatabase(w.db),
      w.guildId,
      'system',
      'test',
      (s) => ({ ...s, questions: { ...s.questions, helpersRoleId: 'helpers' } }),
      T0,
    );
    for (let i = 0; i < 20; i++)
      await w.post(`fresh${i}`, 'help', 'eve', `vulkan shader question ${i}`, T0 - 5 * HOUR - i * MINUTE, {
        body: 'why?',
      });
    for (let i = 0; i < 10; i++)
      await w.post(`stale${i}`, 'help', 'eve', `network replication question ${i}`, T0 - 30 * HOUR - i * MINUTE, {
        body: 'why?',
      });
    const result = await scanAndNudge(w.store, w.guildId, T0);
    // Four eligible peers with a daily cap of 2 pings each could carry more; the server budget stops at 6.
    expect(result.nudged).toBeLessThanOrEqual(6);
    expect(result.nudged).toBeGreaterThan(0);
    expect(result.escalated).toBe(3);
    expect(nudgeSends(w)).toHaveLength(result.nudged + 3);
  });

  it('GIVEN the hourly budget is spent THEN the next scan in that hour sends nothing, and the hour after sends more', async () => {
    const w = await makeCommunity();
    await changeSettings(
      sqliteDatabase(w.db),
      w.guildId,
      'system',
      'test',
      (s) => ({ ...s, questions: { ...s.questions, maxNudgesPerHour: 1 } }),
      T0,
    );
    for (let i = 0; i < 10; i++)
      await w.post(`q${i}`, 'help', 'eve', `vulkan shader question ${i}`, T0 - 5 * HOUR - i * MINUTE, { body: 'why?' });
    expect((await scanAndNudge(w.store, w.guildId, T0)).nudged).toBe(1);
    expect((await scanAndNudge(w.store, w.guildId, T0 + 30 * MINUTE)).nudged).toBe(0);
    expect((await scanAndNudge(w.store, w.guildId, T0 + 61 * MINUTE)).nudged).toBe(1);
  });

  it('GIVEN questions found long after their nudge time THEN no late nudge and no late escalation', async () => {
    const w = await makeCommunity();
    await w.post('week-old', 'help', 'eve', 'vulkan shader question', T0 - 3 * DAY, { body: 'why?' });
    await w.post('half-day-late', 'help', 'eve', 'vulkan crash question', T0 - 20 * HOUR, { body: 'why?' });
    const result = await scanAndNudge(w.store, w.guildId, T0);
    expect(result).toMatchObject({ nudged: 0, escalated: 0 });
    expect(nudgeSends(w)).toHaveLength(0);
  });
});

describe('a linked peer is one person', () => {
  const FORUM = 'discourse:forum.example';
  /** ada is "7" on the paired forum; `forum` sets what her forum account says. */
  async function linkedAda(forum: {
    nudgesOff?: boolean;
    timezone?: string;
    asksToday?: number;
    /** ada's forum account posted an hour ago (after her last Discord message). */
    postedRecently?: boolean;
    leftForum?: boolean;
  }) {
    return linkedAdaIn(await makeCommunity(), forum);
  }

  async function linkedAdaIn(
    w: World,
    forum: {
      nudgesOff?: boolean;
      timezone?: string;
      asksToday?: number;
      postedRecently?: boolean;
      leftForum?: boolean;
    },
  ) {
    await w.push({
      platform: 'discourse',
      guildId: asGuildId(FORUM),
      kind: 'guild.upserted',
      at: T0 - 60 * DAY,
      name: 'F',
    });
    await w.push({
      platform: 'discourse',
      guildId: asGuildId(FORUM),
      kind: 'member.joined',
      at: T0 - 60 * DAY,
      memberId: asMemberId('7'),
      username: 'ada_forum',
      displayName: 'Ada',
      bot: false,
      roles: [],
    });
    w.db
      .update(members)
      .set({ nudgesOff: forum.nudgesOff ?? false, timezone: forum.timezone ?? null })
      .where(and(eq(members.guildId, FORUM), eq(members.memberId, '7')))
      .run();
    for (let i = 0; i < (forum.asksToday ?? 0); i++) {
      w.db
        .insert(questionNudges)
        .values({
          guildId: FORUM,
          questionId: `f${i}`,
          stage: 'peer',
          targetId: '7',
          targetKind: 'member',
          at: T0 - (i + 1) * HOUR,
          reasons: [],
        })
        .run();
    }
    if (forum.postedRecently) {
      await w.push({
        platform: 'discourse',
        guildId: asGuildId(FORUM),
        kind: 'message.created',
        at: T0 - HOUR,
        messageId: asMessageId('p1'),
        channelId: asChannelId('55'),
        authorId: asMemberId('7'),
        authorName: 'ada_forum',
        authorIsBot: false,
        replyToId: null,
        mentionIds: [],
        content: 'hello forum',
      });
    }
    if (forum.leftForum) {
      await w.push({
        platform: 'discourse',
        guildId: asGuildId(FORUM),
        kind: 'member.left',
        at: T0 - HOUR / 2,
        memberId: asMemberId('7'),
      });
    }
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
    await askRendering(w);
    await scanAndNudge(w.store, w.guildId, T0);
    return messageSends(w).flatMap((s) => s.body.mentions?.members ?? []);
  }

  const forumDms = (w: World) => w.outbox().filter((r) => r.action.type === 'dm.send' && r.action.memberId === '7');

  it('GIVEN nothing against it on the forum THEN ada is still the one asked (the control case)', async () => {
    expect((await linkedAda({}))[0]).toBe('ada');
  });

  it.each([
    ['turned nudges off on the forum', { nudgesOff: true }],
    ['declared a timezone on the forum where it is night', { timezone: 'America/Los_Angeles' }],
    ['was asked twice on the forum today', { asksToday: 2 }],
  ])('GIVEN ada %s THEN she is not asked on Discord either', async (_case, forum) => {
    expect(await linkedAda(forum)).not.toContain('ada');
  });

  it('GIVEN ada posted on the forum last THEN she is asked there by private message, not mentioned here', async () => {
    const w = await makeCommunity();
    expect(await linkedAdaIn(w, { postedRecently: true })).not.toContain('ada');
    const dms = forumDms(w);
    expect(dms.map((r) => r.key)).toEqual([`questions:nudge:${w.guildId}:q1:away:7`]);
    expect(dms[0]!.action).toMatchObject({ type: 'dm.send', memberId: '7' });
  });

  it('GIVEN ada posted on the forum last but has left it since THEN she is asked here, where she still is', async () => {
    const w = await makeCommunity();
    expect((await linkedAdaIn(w, { postedRecently: true, leftForum: true }))[0]).toBe('ada');
    expect(forumDms(w)).toEqual([]);
  });
});
