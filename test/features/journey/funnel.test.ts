import { describe, expect, it } from 'vitest';
import { sqliteDatabase, transaction } from '../../../src/db/database.js';
import { asMemberId } from '../../../src/events.js';
import { features } from '../../../src/features/index.js';
import { journeyFeature } from '../../../src/features/journey/feature.js';
import { funnel } from '../../../src/features/journey/service.js';
import { getJourney } from '../../../src/features/journey/store.js';
import { DAY, HOUR, makeCommunity, T0 } from './world.js';

describe('funnel', () => {
  it('GIVEN members at different stages THEN each stage reports who reached it in the range and the median days to it', async () => {
    const w = await makeCommunity();
    await w.join('bob', T0 - 40 * DAY);
    const hello = await w.message('bob', 'c-general', T0 - 39 * DAY);
    // ann: participating after 1 day, helping after 3; cat: participating after 3 days; dan: silent.
    await w.join('ann', T0);
    await w.join('cat', T0);
    await w.join('dan', T0);
    await w.message('ann', 'c-general', T0 + 1 * DAY);
    await w.message('cat', 'c-general', T0 + 3 * DAY);
    await w.message('ann', 'c-general', T0 + 3 * DAY, { replyTo: hello });
    const rows = await funnel(w.database, w.guildId, T0, T0 + 30 * DAY);
    expect(rows.map((r) => [r.stage, r.members, r.medianMs])).toEqual([
      ['arrived', 3, 0],
      ['introduced', 0, null],
      ['participating', 2, 2 * DAY],
      ['helping', 1, 3 * DAY],
      ['regular', 0, null],
      ['expert', 0, null],
      ['convener', 0, null],
    ]);
    // A range that ends before the messages only sees the arrivals.
    expect((await funnel(w.database, w.guildId, T0, T0 + HOUR)).map((r) => r.members)).toEqual([3, 0, 0, 0, 0, 0, 0]);
    // bob reached his stages before the range.
    expect(
      (await funnel(w.database, w.guildId, T0 - 50 * DAY, T0)).find((r) => r.stage === 'participating')!.members,
    ).toBe(1);
  });
});

describe('journey feature', () => {
  it('GIVEN the feature list THEN the journey is registered with its commands and its sweep', async () => {
    expect(features).toContain(journeyFeature);
    expect(journeyFeature.jobs.map((j) => j.name)).toEqual(['journey.sweep']);
    expect(journeyFeature.commands.map((c) => c.name).sort()).toEqual([
      'convene config export',
      'convene config import',
      'convene journey set-role',
      'convene journey show',
      'convene journey silent',
      'convene welcome set',
      'convene welcome test',
      'journey',
    ]);
  });

  it('GIVEN an event that was not fresh THEN onEventStored does nothing; a fresh one acts', async () => {
    const w = await makeCommunity();
    const now = Date.now();
    const join = {
      platform: 'discord' as const,
      guildId: w.guildId,
      kind: 'member.joined' as const,
      at: now,
      memberId: asMemberId('ann'),
      username: 'ann',
      displayName: 'Ann',
      bot: false,
      roles: [],
    };
    let woken = 0;
    const deps = { ...w.deps(), wakeOutbox: () => void woken++ };
    await transaction(w.database, (tx) => journeyFeature.onEventStored!(deps, join, false, tx));
    expect(w.outbox()).toHaveLength(0);
    await transaction(w.database, (tx) => journeyFeature.onEventStored!(deps, join, true, tx));
    expect(w.outbox().map((r) => r.key)).toEqual(['welcome:g1:ann']);
    expect(woken).toBe(1);
  });

  it('GIVEN a member asks for their data THEN the journey exports it, and erasing removes it', async () => {
    const w = await makeCommunity();
    await w.join('bob', T0 - 10 * DAY);
    await w.thread('q1', 'c-help', 'bob', 'Q', T0);
    await w.message('bob', 'q1', T0);
    await w.join('ann', T0);
    const answer = await w.message('ann', 'q1', T0 + HOUR);
    await w.react('bob', answer, 'q1', '✅', T0 + 2 * HOUR);
    const exported = await journeyFeature.privacy!.export(w.database, w.guildId, asMemberId('ann'));
    expect(exported).toMatchObject({
      state: { stage: 'helping' },
      answersCreditedAsHelpful: [{ messageId: answer, via: 'reaction' }],
    });
    expect((exported.milestones as unknown[]).length).toBe(3);
    await journeyFeature.privacy!.erase(sqliteDatabase(w.db), w.guildId, asMemberId('ann'));
    expect(await journeyFeature.privacy!.export(sqliteDatabase(w.db), w.guildId, asMemberId('ann'))).toEqual({
      state: null,
      milestones: [],
      answersCreditedAsHelpful: [],
    });
    // bob's first post stays answered (nobody else can be credited for it), but not by ann's id.
    expect((await getJourney(w.database, w.guildId, 'bob'))!.firstReplyBy).toBe('(erased)');
    // Erased data never means a second welcome.
    await w.leave('ann', T0 + DAY);
    await w.join('ann', T0 + 2 * DAY);
    expect(w.outbox().filter((r) => r.key.startsWith('welcome:g1:ann'))).toHaveLength(1);
  });
});
