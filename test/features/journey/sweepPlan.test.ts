/** The sweep's plans as plain data: held congratulations, nudges and the invitation they carry. */
import { describe, expect, it } from 'vitest';
import { asGuildId } from '../../../src/events.js';
import type { GuildContext } from '../../../src/features/journey/guild.js';
import { newJourneyRow } from '../../../src/features/journey/row.js';
import {
  chooseInvitation,
  planDueCongratulations,
  planNudges,
  planWelcomes,
} from '../../../src/features/journey/sweepPlan.js';
import { settingsSchema } from '../../../src/guildSettings.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 2, 10, 12);
const G = asGuildId('g1');

function context(journey: Record<string, unknown> = {}, introductions = true): GuildContext {
  const settings = settingsSchema.parse({ journey });
  return {
    guildId: G,
    platform: 'discord',
    serverName: 'Makers',
    settings,
    journey: settings.journey,
    track: settings.journey.track,
    places: { introductions: introductions ? { channelId: 'intros', name: 'introductions' } : null, help: null },
  };
}
const alone = { other: null, here: { leftAt: null, bot: false }, milestones: new Set<string>() };
const pending = (lastContactAt: number | null) => ({
  ...newJourneyRow(G, 'm1', 'participating', NOW - 2 * HOUR, NOW - 5 * HOUR),
  pendingStage: 'participating',
  pendingDueAt: NOW - 1,
  lastContactAt,
});
const noFacts = { joinedAt: NOW - 5 * HOUR, counters: {} };

describe('held congratulations', () => {
  it('GIVEN the hour since the last message is over THEN the congratulation goes out and the hold is cleared', () => {
    const plan = planDueCongratulations(context(), [{ row: pending(NOW - 2 * HOUR), here: true, facts: noFacts }], NOW);
    expect(plan.congratulated).toBe(1);
    expect(plan.writes.items.map((i) => i.key)).toEqual(['journey:milestone:g1:m1:participating']);
    expect(plan.writes.rows[0]).toMatchObject({ lastContactAt: NOW, pendingStage: null, pendingDueAt: null });
  });

  it('GIVEN another message went out 10 minutes ago THEN it waits for the hour after that one', () => {
    const plan = planDueCongratulations(
      context(),
      [{ row: pending(NOW - 10 * 60_000), here: true, facts: noFacts }],
      NOW,
    );
    expect(plan.congratulated).toBe(0);
    expect(plan.writes.items).toEqual([]);
    expect(plan.writes.rows[0]).toMatchObject({ pendingStage: 'participating', pendingDueAt: NOW + 50 * 60_000 });
  });

  it.each([
    ['the member left', context(), false],
    ['the guild went silent', context({ silent: true }), true],
  ])('GIVEN %s THEN the hold is dropped without a message', (_why, ctx, here) => {
    const plan = planDueCongratulations(ctx, [{ row: pending(null), here, facts: noFacts }], NOW);
    expect(plan.writes.items).toEqual([]);
    expect(plan.writes.rows[0]).toMatchObject({ pendingStage: null, pendingDueAt: null });
  });
});

describe('late welcomes', () => {
  it('GIVEN a join a crash kept from its welcome THEN it is welcomed now, once', () => {
    const joinedAt = NOW - 2 * HOUR;
    const join = { joinedAt, row: newJourneyRow(G, 'm1', '', joinedAt, null), progress: alone };
    const plan = planWelcomes(context(), [join], [], NOW);
    expect(plan.welcomed).toBe(1);
    expect(plan.writes.items.map((i) => i.key)).toEqual(['welcome:g1:m1']);
    expect(plan.writes.rows[0]).toMatchObject({ joinedAt, welcomedAt: NOW, stage: 'arrived' });
    const welcomed = { ...join, row: { ...join.row, welcomedAt: NOW - HOUR } };
    expect(planWelcomes(context(), [welcomed], [], NOW).welcomed).toBe(0);
  });
});

describe('nudges', () => {
  const invitation = { kind: 'introductions' as const, channel: { channelId: 'intros', name: 'introductions' } };
  const silent = (memberId: string, over = {}) => ({
    row: { ...newJourneyRow(G, memberId, 'arrived', NOW - 4 * 24 * HOUR, NOW - 4 * 24 * HOUR), ...over },
    progress: null,
  });

  it('GIVEN silent newcomers THEN each gets one nudge for their stage, except one the journey wrote to 30 minutes ago', () => {
    const plan = planNudges(
      context(),
      [silent('m1'), silent('m2', { lastContactAt: NOW - 30 * 60_000 }), silent('m3', { nudgedStage: 'arrived' })],
      invitation,
      NOW,
    );
    expect(plan.nudged).toBe(1);
    expect(plan.writes.items.map((i) => i.key)).toEqual(['journey:nudge:g1:m1:arrived']);
    expect(plan.writes.rows).toEqual([
      expect.objectContaining({ memberId: 'm1', nudgedStage: 'arrived', nudgedAt: NOW }),
    ]);
  });

  it('GIVEN a newcomer not on the track yet THEN they are placed first and nudged at that stage', () => {
    const row = newJourneyRow(G, 'm1', '', NOW, null);
    const plan = planNudges(context(), [{ row, progress: alone }], invitation, NOW);
    expect(plan.writes.items.map((i) => i.key)).toEqual(['journey:nudge:g1:m1:arrived']);
    expect(plan.writes.milestones).toEqual([{ guildId: G, memberId: 'm1', stages: ['arrived'], at: NOW }]);
  });

  it('GIVEN nothing to invite them to THEN nobody is nudged', () => {
    const plan = planNudges(context(), [silent('m1'), silent('m2')], null, NOW);
    expect(plan.nudged).toBe(0);
    expect(plan.writes.items).toEqual([]);
  });
});

describe('the invitation', () => {
  const thread = { channelId: 't1', name: 'How do I flash the board?' };
  it.each([
    [
      'an open question first',
      { openQuestion: thread, busiestThread: { ...thread, channelId: 't2', messages: 9 }, topicChannel: undefined },
      true,
      'openQuestion',
    ],
    [
      'the busiest thread with 3+ messages next',
      { openQuestion: undefined, busiestThread: { ...thread, messages: 3 }, topicChannel: undefined },
      true,
      'busiestThread',
    ],
    [
      'introductions over a quiet thread',
      { openQuestion: undefined, busiestThread: { ...thread, messages: 2 }, topicChannel: undefined },
      true,
      'introductions',
    ],
    [
      'the busiest channel last',
      { openQuestion: undefined, busiestThread: undefined, topicChannel: { channelId: 'c', name: 'general' } },
      false,
      'channel',
    ],
  ])('GIVEN %s THEN that is the invitation', (_case, facts, introductions, kind) => {
    expect(chooseInvitation(context({}, introductions), facts)?.kind).toBe(kind);
  });

  it('GIVEN no channel at all THEN no invitation', () => {
    expect(
      chooseInvitation(context({}, false), {
        openQuestion: undefined,
        busiestThread: undefined,
        topicChannel: undefined,
      }),
    ).toBeNull();
  });
});
