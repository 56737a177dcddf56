import { describe, expect, it } from 'vitest';
import {
  type DecideContext,
  decideNudges,
  dueStage,
  escalationBody,
  inferUtcOffset,
  isDaytime,
  nudgeAction,
  type OpenQuestion,
  type PeerFacts,
  peerNudgeBody,
  reasonText,
  stillDue,
  whyIneligible,
} from '../../../src/features/questions/nudgePolicy.js';
import type { Ranked } from '../../../src/features/questions/route.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 12:00 UTC. */
const NOW = Date.UTC(2026, 2, 3, 12, 0, 0);
const TIMING = { afterMs: 4 * HOUR, escalateMs: 24 * HOUR };

const question = (over: Partial<OpenQuestion> = {}): OpenQuestion => ({
  questionId: 'q1',
  channelId: 'q1',
  replyTo: null,
  askerId: 'asker',
  askedAt: NOW - 5 * HOUR,
  answered: false,
  solved: false,
  nudgeStage: 0,
  participants: ['asker'],
  ...over,
});

const awake: PeerFacts = { nudgesOff: false, bot: false, left: false, timezone: 'UTC', hours: null };

describe('dueStage', () => {
  it.each([
    ['3 h old', { askedAt: NOW - 3 * HOUR }, null],
    ['5 h old', {}, 'peer'],
    ['5 h old, already nudged', { nudgeStage: 1 }, null],
    ['25 h old, nudged', { askedAt: NOW - 25 * HOUR, nudgeStage: 1 }, 'escalation'],
    ['25 h old, never nudged (catch-up)', { askedAt: NOW - 25 * HOUR }, 'escalation'],
    ['25 h old, escalated', { askedAt: NOW - 25 * HOUR, nudgeStage: 2 }, null],
    ['5 h old, answered', { answered: true }, null],
    ['5 h old, solved', { solved: true }, null],
    ['15 days old', { askedAt: NOW - 15 * DAY }, null],
  ] as const)('GIVEN a question %s THEN %s is due', (_case, over, expected) => {
    expect(dueStage(question(over), TIMING, NOW)).toBe(expected);
  });
});

describe('stillDue (the re-check inside the transaction)', () => {
  it.each([
    ['open and below the stage', {}, 'peer', true],
    ['answered since the scan read it', { answered: true }, 'peer', false],
    ['solved since', { solved: true }, 'peer', false],
    ['nudged by another process since', { nudgeStage: 1 }, 'peer', false],
    ['not old enough for escalation', {}, 'escalation', false],
  ] as const)('GIVEN a question %s THEN %s', (_case, over, stage, expected) => {
    expect(stillDue(question(over), stage, TIMING, NOW)).toBe(expected);
  });
});

describe('inferUtcOffset and isDaytime', () => {
  const hoursAt = (utcHours: number[]) => {
    const h = new Array(24).fill(0);
    for (const x of utcHours) h[x] += 5;
    return h;
  };
  it.each([
    ['posts 09–20 UTC', hoursAt([9, 12, 15, 18, 20]), 0],
    ['posts 00–12 UTC (Asia-like)', hoursAt([0, 3, 6, 9, 12]), 8],
    ['too few posts', [1, 1, 0, ...new Array(21).fill(0)], null],
  ])('GIVEN %s THEN the offset is %s', (_case, hours, expected) => {
    expect(inferUtcOffset(hours)).toBe(expected);
  });

  it('GIVEN posts 14–03 UTC (America/New_York-like) THEN the offset puts them in the local day', () => {
    const offset = inferUtcOffset(hoursAt([14, 17, 20, 23, 2, 3]))!;
    expect(offset).toBeGreaterThanOrEqual(-6);
    expect(offset).toBeLessThanOrEqual(-4);
  });

  it.each([
    ['declared Europe/Berlin at 12:00 UTC', { timezone: 'Europe/Berlin', hours: null }, true],
    ['declared America/Los_Angeles at 12:00 UTC (04:00)', { timezone: 'America/Los_Angeles', hours: null }, false],
    ['no zone, posting like Asia (20:00 local)', { timezone: null, hours: hoursAt([0, 3, 6, 9, 12]) }, true],
    ['no zone, posting like UTC−10 (02:00 local)', { timezone: null, hours: hoursAt([18, 21, 0, 3, 6, 8]) }, false],
    ['no zone and no history: the guild zone decides', { timezone: null, hours: null }, true],
  ])('GIVEN %s THEN daytime is %s', (_case, facts, expected) => {
    expect(isDaytime(facts, 'UTC', NOW)).toBe(expected);
  });
});

describe('whyIneligible', () => {
  it.each([
    ['an awake member', 'm', awake, 0, null],
    ['the asker', 'asker', awake, 0, 'asker'],
    ['someone who turned nudges off', 'm', { ...awake, nudgesOff: true }, 0, 'nudges-off'],
    ['a bot', 'm', { ...awake, bot: true }, 0, 'bot'],
    ['someone who left', 'm', { ...awake, left: true }, 0, 'left'],
    ['someone already nudged twice today', 'm', awake, 2, 'daily-cap'],
    ['someone asleep', 'm', { ...awake, timezone: 'Pacific/Honolulu' }, 0, 'night'],
    ['someone already in the thread', 'in', awake, 0, 'in-thread'],
    ['someone we know nothing about', 'm', undefined, 0, 'unknown'],
  ] as const)('GIVEN %s THEN %s', (_case, member, facts, today, expected) => {
    expect(whyIneligible(member, question({ participants: ['asker', 'in'] }), facts, today, 'UTC', NOW)).toBe(expected);
  });
});

describe('decideNudges', () => {
  const ranked = (...ids: string[]): Ranked[] =>
    ids.map((id, i) => ({ memberId: id, score: 10 - i, reasons: [{ kind: 'first', weight: 1 }] }));
  const ctx = (over: Partial<DecideContext> = {}): DecideContext => ({
    timing: TIMING,
    guildTimezone: 'UTC',
    now: NOW,
    rank: () => ranked('a', 'b', 'c', 'd'),
    facts: new Map(['a', 'b', 'c', 'd'].map((m) => [m, awake])),
    nudgesToday: new Map(),
    escalation: { roleIds: ['helpers'], memberIds: [] },
    ...over,
  });

  it('GIVEN a question due for a nudge THEN at most two eligible peers, best first', () => {
    const facts = new Map([
      ['a', { ...awake, nudgesOff: true }],
      ['b', awake],
      ['c', awake],
      ['d', awake],
    ]);
    const out = decideNudges([question()], ctx({ facts }));
    expect(out).toEqual([
      {
        questionId: 'q1',
        stage: 'peer',
        peers: [expect.objectContaining({ memberId: 'b' }), expect.objectContaining({ memberId: 'c' })],
      },
    ]);
  });

  it('GIVEN many questions THEN the daily cap counts the picks made in the same scan, oldest question first', () => {
    const qs = [0, 1, 2].map((i) => question({ questionId: `q${i}`, askedAt: NOW - 5 * HOUR - i * MINUTE }));
    const out = decideNudges(qs, ctx({ rank: () => ranked('a', 'b'), nudgesToday: new Map([['a', 1]]) }));
    const picks = out.map((d) => (d.stage === 'peer' ? d.peers.map((p) => p.memberId) : []));
    // q2 is oldest: a (1 → 2) and b; q1: only b is left (2); q0: nobody.
    expect(out.map((d) => d.questionId)).toEqual(['q2', 'q1']);
    expect(picks).toEqual([['a', 'b'], ['b']]);
  });

  it('GIVEN nobody eligible now THEN no decision (the next scan tries again)', () => {
    expect(decideNudges([question()], ctx({ rank: () => [] }))).toEqual([]);
  });

  it('GIVEN a question due for escalation THEN one decision for the helpers; none when there is nobody to ask', () => {
    const q = question({ askedAt: NOW - 25 * HOUR, nudgeStage: 1 });
    expect(decideNudges([q], ctx())).toEqual([
      { questionId: 'q1', stage: 'escalation', target: { roleIds: ['helpers'], memberIds: [] } },
    ]);
    expect(decideNudges([q], ctx({ escalation: { roleIds: [], memberIds: ['asker'] } }))).toEqual([]);
  });
});

describe('messages', () => {
  it('GIVEN picked peers THEN the nudge mentions exactly them, each with why', () => {
    const body = peerNudgeBody(
      { askedAt: NOW - 5 * HOUR },
      [
        { memberId: 'a', reasons: [{ kind: 'expertise', weight: 2, terms: ['replic'], count: 9 }] },
        { memberId: 'b', reasons: [{ kind: 'first', weight: 1, count: 14 }] },
      ],
      new Map([['a', { word: 'replication', answered: 3, lastAt: NOW - 9 * 24 * HOUR }]]),
      NOW,
      { title: 'Replication lag after the *upgrade*', url: 'https://discord.com/channels/g/t1' },
    );
    expect(body.mentions).toEqual({ members: ['a', 'b'] });
    expect(body.content).toContain(
      'waiting 5 hours without a reply: [Replication lag after the \\*upgrade\\*](https://discord.com/channels/g/t1)',
    );
    expect(body.content).toContain('<@a> — you answered 3 questions about replication, the last one 9 days ago.');
    expect(body.content).toContain('<@b> — you were the first to answer 14 questions here.');
    expect(body.content).toContain('waiting 5 hours');
    expect(body.content).not.toMatch(/@everyone|@here/);
  });

  it('GIVEN an escalation THEN it mentions only the role (or the moderators listed) and names the question', () => {
    const q = { title: 'Physics jitter', url: null };
    const helpers = escalationBody({ askedAt: NOW - 30 * HOUR }, { roleIds: ['r'], memberIds: [] }, NOW, q);
    expect(helpers.mentions).toEqual({ roles: ['r'] });
    expect(helpers.content).toContain('still open after 30 hours: Physics jitter');
    const mods = escalationBody({ askedAt: NOW - 30 * HOUR }, { roleIds: [], memberIds: ['m1', 'm2'] }, NOW, q);
    expect(mods.mentions).toEqual({ members: ['m1', 'm2'] });
    expect(mods.content.startsWith('<@m1> <@m2>')).toBe(true);
  });

  it.each([
    [[{ kind: 'asker', weight: 1, count: 2 }], { asker: 'Mei' }, 'you helped Mei 2 times before'],
    [
      [{ kind: 'expertise', weight: 1, terms: ['navmesh'], count: 4 }],
      { word: 'NavMesh', answered: 1, lastAt: NOW - 2 * 24 * HOUR },
      'you answered a question about NavMesh 2 days ago',
    ],
    // The expertise term has no word worth showing (a stem, a name, "help"): the next reason speaks.
    [
      [
        { kind: 'expertise', weight: 2, terms: ['help'], count: 4 },
        { kind: 'replies', weight: 1, count: 40, lastAt: NOW - 3 * HOUR },
      ],
      {},
      'you answered 40 questions here, the last one 3 hours ago',
    ],
    [[{ kind: 'channel', weight: 1 }], { channel: 'help' }, 'you answer a lot in #help'],
    // The channel with their own numbers: two helpers of #help are told different, true things.
    [
      [{ kind: 'channel', weight: 1 }],
      { channel: 'help', channelAnswered: 14, channelLastAt: NOW - 2 * 24 * HOUR },
      'you answered 14 questions in #help, the last one 2 days ago',
    ],
    [
      [{ kind: 'channel', weight: 1 }],
      { channel: 'help', channelAnswered: 1, channelLastAt: NOW - 5 * HOUR },
      'you answered a question in #help 5 hours ago',
    ],
    [[{ kind: 'fast', weight: 1, hours: 1.6 }], {}, 'you usually reply within 2 hours'],
    [[{ kind: 'around', weight: 1 }], {}, 'you are often around at this time'],
  ] as const)('GIVEN reasons %j and facts %j THEN the why reads "%s"', (reasons, why, expected) => {
    expect(reasonText(reasons as never, why, NOW)).toBe(expected);
  });

  it('GIVEN two peers whose facts differ THEN their whys differ (never the same line for both)', () => {
    const first = (count: number) => [{ kind: 'first' as const, weight: 1, count }];
    expect(reasonText(first(14), {}, NOW)).not.toBe(reasonText(first(3), {}, NOW));
  });

  it('GIVEN a question in a text channel THEN the nudge replies to the question message', () => {
    expect(nudgeAction({ channelId: 'c', replyTo: 'm1' }, { content: 'x' })).toEqual({
      type: 'message.send',
      channelId: 'c',
      body: { content: 'x' },
      replyTo: 'm1',
    });
  });
});
