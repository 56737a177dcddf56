/**
 * The questions operations that cross no store of another area yet, on both engines (SQLite and a
 * real PostgreSQL server): a forum post becomes a question and its solved tag solves and reopens it
 * (the event path, on a transaction's handle as ingest gives it), the digest's lists and figures,
 * the router's refit and the moderator's routing status. The scan, /unanswered, /solved and
 * /nudges also read the links feature's identity (not on the async store yet): SQLite only for
 * now, in service.test.ts, solved.test.ts and commands.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type Database, transaction } from '../../../src/db/database.js';
import { asChannelId, asGuildId, asMemberId, type CommunityEvent } from '../../../src/events.js';
import { refitRouter, routingStatus } from '../../../src/features/questions/refit.js';
import {
  handleEvent,
  responseTimes,
  waitingForDigest,
  weeklyMetrics,
} from '../../../src/features/questions/service.js';
import { getQuestion, recordNudges, recordResponse } from '../../../src/features/questions/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 3, 10);
const g = asGuildId('g1');

async function seed(db: Database): Promise<void> {
  const { guilds, channels, members } = db.tables;
  const at = T0 - 60 * DAY;
  await db.insert(guilds).values({ id: g, platform: 'discord', name: 'Test Guild', createdAt: at, updatedAt: at });
  await db.insert(channels).values([
    { guildId: g, channelId: 'help', name: 'help', kind: 'forum', createdAt: at, updatedAt: at },
    { guildId: g, channelId: 'general', name: 'general', kind: 'text', createdAt: at, updatedAt: at },
  ]);
  await db.insert(members).values(
    ['ada', 'bo', 'cy', 'dee'].map((id) => ({
      guildId: g,
      memberId: id,
      username: id,
      displayName: id.toUpperCase(),
      moderator: id === 'dee',
      updatedAt: at,
    })),
  );
}

/** A forum post's thread, as a platform reports it (the thread row is stored first, as ingest does). */
async function post(db: Database, id: string, title: string, at: number, tags: string[] = [], seenAt = at) {
  const { channels } = db.tables;
  await db
    .insert(channels)
    .values({
      guildId: g,
      channelId: id,
      name: title,
      kind: 'thread',
      parentId: 'help',
      ownerId: 'cy',
      createdAt: at,
      updatedAt: seenAt,
    })
    .onConflictDoNothing();
  const event: CommunityEvent = {
    platform: 'discord',
    guildId: g,
    kind: 'thread.upserted',
    at: seenAt,
    threadId: asChannelId(id),
    parentId: asChannelId('help'),
    name: title,
    ownerId: asMemberId('cy'),
    tags,
    archived: false,
    createdAt: at,
  };
  // As ingest runs it: inside the batch's transaction, in a savepoint of its own.
  await transaction(db, (tx) => transaction(tx, (savepoint) => handleEvent(savepoint, event)));
}

describe.each(ENGINES)('questions operations on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
    await seed(db);
  });

  it('GIVEN a forum post THEN it is a question by its owner, titled, not yet with its body; its solved tag solves it and taking the tag off reopens it', async () => {
    await post(db, 't1', 'Vulkan shader crash on startup', T0 - 5 * HOUR);
    expect(await getQuestion(db, g, 't1')).toMatchObject({
      askerId: 'cy',
      parentChannelId: 'help',
      title: 'Vulkan shader crash on startup',
      hasBody: false,
      solvedAt: null,
    });
    expect((await getQuestion(db, g, 't1'))?.terms.split(' ')).toEqual(
      expect.arrayContaining(['vulkan', 'shader', 'crash']),
    );
    await post(db, 't1', 'Vulkan shader crash on startup', T0 - 5 * HOUR, ['Solved'], T0 - HOUR);
    expect(await getQuestion(db, g, 't1')).toMatchObject({ solvedAt: T0 - HOUR, solvedVia: 'tag' });
    await post(db, 't1', 'Vulkan shader crash on startup', T0 - 5 * HOUR, [], T0);
    expect(await getQuestion(db, g, 't1')).toMatchObject({ solvedAt: null, solvedVia: null });
  });

  it('GIVEN open, answered and solved questions THEN the digest lists the open ones oldest first, titled and linked, and counts the week', async () => {
    await post(db, 't1', 'Vulkan shader crash on startup', T0 - 3 * DAY);
    await post(db, 't2', 'Replication jitter over the network', T0 - 2 * DAY);
    await post(db, 't3', 'Lightmaps too dark', T0 - 2 * DAY + HOUR, ['solved'], T0 - DAY);
    await post(db, 't4', 'Physics tunnelling at high speed', T0 - 3 * DAY + 2 * HOUR);
    await post(db, 't5', 'Terrain seams between tiles', T0 - 4 * HOUR);
    await recordResponse(
      db,
      { guildId: g, questionId: 't2', memberId: 'ada', messageId: 'r2', at: T0 - 2 * DAY + 2 * HOUR },
      T0,
    );
    await recordResponse(db, { guildId: g, questionId: 't4', memberId: 'dee', messageId: 'r4', at: T0 - 2 * HOUR }, T0);
    await recordNudges(db, [
      { guildId: g, questionId: 't2', stage: 'peer', targetId: 'ada', targetKind: 'member', at: T0 - 2 * DAY + HOUR },
    ]);
    const waiting = await waitingForDigest(db, g, T0);
    expect(waiting).toEqual([
      {
        title: 'Vulkan shader crash on startup',
        url: `https://discord.com/channels/${g}/t1`,
        askedAt: T0 - 3 * DAY,
        threadId: 't1',
      },
      {
        title: 'Terrain seams between tiles',
        url: `https://discord.com/channels/${g}/t5`,
        askedAt: T0 - 4 * HOUR,
        threadId: 't5',
      },
    ]);
    const times = await responseTimes(db, g, T0 - 7 * DAY, T0, T0);
    expect(times).toMatchObject({ asked: 5, answered: 2, answeredWithin24h: 1, peerAnswered: 1 });
    expect(times.firstResponseWaitsMs.sort((a, b) => a - b)).toEqual([2 * HOUR, 3 * DAY - 4 * HOUR]);
    const week = await weeklyMetrics(db, g, T0 - 7 * DAY, T0, T0);
    expect(week.asked).toBe(5);
    expect(week.answered).toBe(2);
  });

  it('GIVEN a handful of answered questions THEN the refit stores the shipped weights and the routing status says so', async () => {
    for (let i = 0; i < 3; i++) {
      await post(db, `t${i}`, `shader question ${i}`, T0 - (10 - i) * DAY);
      await recordResponse(
        db,
        { guildId: g, questionId: `t${i}`, memberId: 'ada', messageId: `r${i}`, at: T0 - (10 - i) * DAY + HOUR },
        T0,
      );
    }
    const fit = await refitRouter(db, g, T0);
    expect(fit.questions).toBe(3);
    const status = await routingStatus(db, g, T0);
    expect(status).toEqual({
      model: { fitted: false, questions: 3, fittedAt: T0 },
      nudges: { settled: 0, answered: 0 },
    });
  });
});
