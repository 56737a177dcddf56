/**
 * The intros operations that write (a round, Introduce us with Accept and Decline, follow-ups and
 * their answers, /convene intros set and off) on both engines: the decision, its rows and its
 * outbox rows in one transaction, and a second run that changes nothing.
 */
import { asc, eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../../src/actions.js';
import type { Database } from '../../../src/db/database.js';
import { asMemberId } from '../../../src/events.js';
import {
  acceptIntro,
  configure,
  declineIntro,
  giveFeedback,
  requestIntro,
  runRound,
  sendFollowUps,
  turnOff,
} from '../../../src/features/intros/service.js';
import { getIntro, membership } from '../../../src/features/intros/store.js';
import { ENGINES, testDatabase } from '../../helpers/engines.js';
import { DAY, G, shaderClub, T0 } from './seed.js';

const m = asMemberId;

async function outboxRows(db: Database) {
  const { outbox } = db.tables;
  const rows = await db.select({ key: outbox.key, action: outbox.action }).from(outbox).orderBy(asc(outbox.id));
  return rows.map((r) => ({ key: r.key, action: r.action as Action }));
}

const textOf = (a: Action) => ('body' in a ? (a.body as { content?: string }).content : undefined) ?? '';

describe.each(ENGINES)('intros operations on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
    await shaderClub(db);
  });

  it('GIVEN four members in the pool THEN a round groups them in two pairs with one DM each, and running it again changes nothing', async () => {
    const r = await runRound(db, 'discord', G, '2026-03-02', T0);
    expect(r).toEqual({ roundId: '2026-03-02', pool: 4, groups: 2, enqueued: 4, existing: false });
    const { intros } = db.tables;
    const made = await db
      .select({ id: intros.introId, memberIds: intros.memberIds, status: intros.status })
      .from(intros)
      .where(eq(intros.roundId, '2026-03-02'))
      .orderBy(asc(intros.groupIndex));
    expect(made.map((x) => [...x.memberIds].sort())).toEqual(
      expect.arrayContaining([
        ['ann', 'eve'],
        ['bob', 'cat'],
      ]),
    );
    const rows = await outboxRows(db);
    expect(rows.map((x) => x.key).sort()).toEqual(
      [
        'intros:g1:2026-03-02:0:ann',
        'intros:g1:2026-03-02:0:eve',
        'intros:g1:2026-03-02:1:bob',
        'intros:g1:2026-03-02:1:cat',
      ].sort(),
    );
    expect(await runRound(db, 'discord', G, '2026-03-02', T0 + 60_000)).toMatchObject({ existing: true, enqueued: 0 });
    expect(await outboxRows(db)).toHaveLength(4);
  });

  it('GIVEN Introduce us THEN the other member is asked once; Accept introduces them and Decline tells the asker "not this time"', async () => {
    const ask = await requestIntro(db, 'discord', G, m('ann'), m('eve'), T0);
    expect(ask).toMatchObject({ otherName: 'Eve', already: false });
    expect(await requestIntro(db, 'discord', G, m('ann'), m('eve'), T0 + 1000)).toMatchObject({
      introId: ask.introId,
      already: true,
    });
    const [asked] = await outboxRows(db);
    expect(asked!.key).toBe(`intros:g1:ask:${ask.introId}`);
    expect(textOf(asked!.action)).toContain('Ann');
    // Only the member asked may answer.
    await expect(acceptIntro(db, 'discord', G, ask.introId, m('bob'), T0 + DAY)).rejects.toThrow(/someone else/);
    expect(await acceptIntro(db, 'discord', G, ask.introId, m('eve'), T0 + DAY)).toBe('made');
    expect(await acceptIntro(db, 'discord', G, ask.introId, m('eve'), T0 + DAY)).toBe('already');
    expect(await getIntro(db, G, ask.introId)).toMatchObject({ status: 'made', followUpAt: T0 + DAY + 7 * DAY });
    expect((await outboxRows(db)).map((r) => r.key)).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^intros:g1:meet:${ask.introId}`))]),
    );

    const other = await requestIntro(db, 'discord', G, m('bob'), m('cat'), T0);
    expect(await declineIntro(db, 'discord', G, other.introId, m('cat'), T0 + DAY)).toBe('declined');
    expect(await declineIntro(db, 'discord', G, other.introId, m('cat'), T0 + DAY)).toBe('already');
    const told = (await outboxRows(db)).find((r) => r.key === `intros:g1:declined:${other.introId}`);
    expect(told?.action).toMatchObject({ type: 'dm.send', memberId: 'bob' });
    expect(await getIntro(db, G, other.introId)).toMatchObject({ status: 'declined', decidedAt: T0 + DAY });
  });

  it('GIVEN Introduce us pressed twice at once THEN the other member is asked once and both presses get that request', async () => {
    const [first, second] = await Promise.all([
      requestIntro(db, 'discord', G, m('ann'), m('eve'), T0),
      requestIntro(db, 'discord', G, m('ann'), m('eve'), T0 + 1),
    ]);
    expect(second.introId).toBe(first.introId);
    expect([first.already, second.already].sort()).toEqual([false, true]);
    expect((await outboxRows(db)).map((r) => r.key)).toEqual([`intros:g1:ask:${first.introId}`]);
  });

  it('GIVEN a round a week old THEN each member is asked "Did you meet?" once, and "skip" keeps them out of the next round only', async () => {
    await runRound(db, 'discord', G, '2026-03-02', T0);
    expect(await sendFollowUps(db, 'discord', G, T0 + 7 * DAY - 1)).toBe(0);
    expect(await sendFollowUps(db, 'discord', G, T0 + 7 * DAY)).toBe(4);
    expect(await sendFollowUps(db, 'discord', G, T0 + 8 * DAY)).toBe(0);
    const followUps = (await outboxRows(db)).filter((r) => r.key.includes(':followup:'));
    expect(followUps.map((r) => r.key.split(':').pop()).sort()).toEqual(['ann', 'bob', 'cat', 'eve']);
    const introId = followUps[0]!.key.split(':').slice(3, -1).join(':');
    const who = m(followUps[0]!.key.split(':').pop()!);
    await giveFeedback(db, G, introId, who, 'skip', T0 + 7 * DAY);
    // No round is scheduled (intros not set): out for a week and an hour.
    expect((await membership(db, G, who))?.skipUntil).toBe(T0 + 14 * DAY + 3_600_000);
    await expect(giveFeedback(db, G, introId, m('zoe'), 'met', T0 + 7 * DAY)).rejects.toThrow(/someone else/);
  });

  it('GIVEN /convene intros set and off THEN the schedule is saved with the "join intros" post once, and off says whether it was on', async () => {
    const config = {
      channelId: 'c-intros',
      every: '2w' as const,
      day: 'tuesday' as const,
      time: '18:30',
      timezone: 'Europe/Berlin',
      size: 3 as const,
    };
    expect(await configure(db, 'discord', G, m('mod'), config, T0)).toMatchObject({
      ...config,
      enabled: true,
      since: T0,
    });
    await configure(db, 'discord', G, m('mod'), config, T0 + 1000);
    expect((await outboxRows(db)).map((r) => r.key)).toEqual(['intros:g1:announce:c-intros']);
    expect(await turnOff(db, G, m('mod'), T0 + DAY)).toBe(true);
    expect(await turnOff(db, G, m('mod'), T0 + DAY)).toBe(false);
  });
});
