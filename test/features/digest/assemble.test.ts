/**
 * What the digest says, decided from plain facts (no database, no sources called): the features'
 * numbers over the core's, the thanks, the waiting list, a pair's people counted once.
 */
import { describe, expect, it } from 'vitest';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { assembleDigest, overlaySources } from '../../../src/features/digest/assemble.js';
import type { Community } from '../../../src/features/digest/community.js';
import type { DigestFacts, SideFacts } from '../../../src/features/digest/gather.js';
import type { FirstResponse, WeekStats } from '../../../src/features/digest/store.js';
import { settingsSchema } from '../../../src/guildSettings.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 9, 9);
const START = NOW - 7 * DAY;
const D = asGuildId('g1');
const F = asGuildId('discourse:forum.example.org');

function week(over: Partial<WeekStats> = {}): WeekStats {
  return {
    start: START,
    end: NOW,
    messages: 120,
    dailyMessages: [10, 20, 30, 20, 20, 10, 10],
    activeMembers: 14,
    newMembers: 3,
    asked: 10,
    answered: 8,
    answeredWithin24h: 6,
    medianFirstResponseMs: 3_600_000,
    peerAnswered: 5,
    retentionCohort: 4,
    retained: 2,
    activationCohort: 3,
    activated: 1,
    goals: { 'peer-answered': 5 / 8 },
    ...over,
  };
}

const reply = (threadId: string, responderId: string | null): FirstResponse => ({
  threadId,
  askedAt: START + DAY,
  firstAt: responderId ? START + DAY + 60_000 : null,
  responderId,
  responderModerator: false,
});

function side(guildId = D, over: Partial<SideFacts> = {}): SideFacts {
  return {
    side: { guildId, platform: guildId === F ? 'discourse' : 'discord', bots: ['bot'] },
    answers: [],
    coreWaiting: [],
    threads: [],
    responderNames: new Map(),
    lively: [],
    newcomers: null,
    ...over,
  };
}

function facts(over: Partial<DigestFacts> = {}, community?: Community): DigestFacts {
  const sides = over.sides ?? [side()];
  const c: Community = community ?? { sides: [sides[0]!.side], partnerId: null, linked: new Map() };
  const window = { start: START, end: NOW, days: [], firstDate: { year: 2026, month: 3, day: 2 } };
  return {
    settings: settingsSchema.parse({}),
    info: { name: 'Makers', platform: 'discord' },
    endDate: { year: 2026, month: 3, day: 9 },
    period: '2026-W11',
    window,
    windows: [window],
    community: c,
    weeks: [week()],
    toStore: [],
    thisWeekParts: [],
    ownNames: new Map(),
    sides,
    fresh: { count: 3, names: ['Ana', 'Bo', 'Cy'] },
    pulse: null,
    forumUrls: [],
    ...over,
  };
}

describe("the features' numbers over the core's", () => {
  it("GIVEN the questions feature's response times THEN they replace the core's, and the goals follow them", () => {
    const rt = { asked: 12, answered: 10, answeredWithin24h: 9, medianFirstResponseMs: 600_000, peerAnswered: 4 };
    const core = { asked: 10, answered: 8, answeredWithin24h: 6, medianFirstResponseMs: 3_600_000, peerAnswered: 5 };
    const out = overlaySources(week(), core, [{ responseTimes: rt }, { goalMetrics: { connections: 7 } }]);
    expect(out.stats).toMatchObject({ asked: 12, answered: 10, medianFirstResponseMs: 600_000 });
    expect(out.stats.goals).toMatchObject({ 'peer-answered': 0.4, 'first-response': 600_000, connections: 7 });
    expect(out.responses).toBe(rt);
    expect(out.sourceGoals).toEqual({ connections: 7 });
  });

  it('GIVEN a source that failed (no answer) THEN the core numbers stay', () => {
    const core = { asked: 10, answered: 8, answeredWithin24h: 6, medianFirstResponseMs: 3_600_000, peerAnswered: 5 };
    const out = overlaySources(week(), core, [{ responseTimes: undefined, goalMetrics: undefined }]);
    expect(out.stats.asked).toBe(10);
    expect(out.responses).toBe(core);
  });
});

describe('thanks', () => {
  it('GIVEN solved answers from a source and first replies from the core THEN the solvers come first, then first repliers, bots never', () => {
    const data = assembleDigest(
      facts({
        sides: [
          side(D, {
            answers: [
              {
                helpers: [
                  { memberId: asMemberId('m1'), name: 'Ana', solved: 1, thanked: 0 },
                  { memberId: asMemberId('m2'), name: 'Bo', solved: 3, thanked: 1 },
                ],
              },
            ],
            threads: [reply('t1', 'm3'), reply('t2', 'm3'), reply('t3', 'm1'), reply('t4', 'bot'), reply('t5', null)],
            responderNames: new Map([
              ['m3', 'Cy'],
              ['m1', 'Ana'],
            ]),
          }),
        ],
      }),
      {},
      null,
    );
    expect(data.helpers).toEqual([
      { name: 'Bo', solved: 3, thanked: 1, firstReplies: 0 },
      { name: 'Ana', solved: 1, thanked: 0, firstReplies: 1 },
      { name: 'Cy', solved: 0, thanked: 0, firstReplies: 2 },
    ]);
  });
});

describe('waiting questions', () => {
  it('GIVEN no source lists them THEN the core threads are shown, oldest first, with their links', () => {
    const data = assembleDigest(
      facts({
        sides: [
          side(D, {
            coreWaiting: [
              { threadId: 't2', name: 'Second', askedAt: START + 2 * DAY },
              { threadId: 't1', name: 'First', askedAt: START + DAY },
            ],
          }),
        ],
      }),
      {},
      null,
    );
    expect(data.waitingQuestions.total).toBe(2);
    expect(data.waitingQuestions.items.map((q) => [q.title, q.url])).toEqual([
      ['First', 'https://discord.com/channels/g1/t1'],
      ['Second', 'https://discord.com/channels/g1/t2'],
    ]);
  });

  it('GIVEN two sources listing the same thread THEN it is listed once', () => {
    const q = { title: 'Flashing the board', url: 'https://x/t/1', askedAt: START, threadId: 't1' };
    const data = assembleDigest(
      facts({ sides: [side(D, { coreWaiting: null, answers: [{ waiting: [q] }, { waiting: [q] }] })] }),
      {},
      null,
    );
    expect(data.waitingQuestions).toEqual({ total: 1, items: [q] });
  });
});

describe('forum links', () => {
  it.each([
    ['at the root of its host', [], 'https://forum.example.org/t/41'],
    [
      'under a sub-path, served over http',
      ['http://forum.example.org/community/'],
      'http://forum.example.org/community/t/41',
    ],
  ])('GIVEN a forum %s THEN its liveliest and waiting topics link to its address', (_case, forumUrls, expected) => {
    const data = assembleDigest(
      facts({
        sides: [
          side(F, {
            coreWaiting: [{ threadId: '41', name: 'Servo twitches', askedAt: START + DAY }],
            lively: [{ threadId: '41', name: 'Servo twitches', messages: 9, people: 3 }],
          }),
        ],
        forumUrls: ['https://another.example/forum', ...forumUrls],
      }),
      {},
      null,
    );
    expect(data.waitingQuestions.items.map((q) => q.url)).toEqual([expected]);
    expect(data.liveliestThreads.map((t) => t.url)).toEqual([expected]);
  });
});

describe('a paired community', () => {
  const linked = new Map([['u7', 'm7']]);
  const community: Community = {
    sides: [
      { guildId: D, platform: 'discord', bots: [] },
      { guildId: F, platform: 'discourse', bots: [] },
    ],
    partnerId: F,
    linked,
  };
  const milestone = (memberId: string, name: string, at: number) => ({
    memberId: asMemberId(memberId),
    name,
    milestone: 'reached Participating',
    at,
  });

  it('GIVEN a linked person reaching a milestone on both platforms THEN they are named once, as on Discord', () => {
    const data = assembleDigest(
      facts(
        {
          ownNames: new Map([['m7', 'Mia (Discord)']]),
          sides: [
            side(D, { answers: [{ milestones: [milestone('m7', 'Mia (Discord)', START + DAY)] }] }),
            side(F, {
              answers: [
                { milestones: [milestone('u7', 'mia_forum', START + DAY), milestone('u8', 'Noor', START + 2 * DAY)] },
              ],
            }),
          ],
          fresh: null,
        },
        community,
      ),
      {},
      null,
    );
    expect(data.milestones.items.map((m) => m.name)).toEqual(['Mia (Discord)', 'Noor']);
  });

  it('GIVEN newcomers on both platforms, one person joining both THEN the welcome names them once, by joining time', () => {
    const data = assembleDigest(
      facts(
        {
          ownNames: new Map([['m7', 'Mia']]),
          sides: [
            side(D, { newcomers: [{ memberId: 'm7', name: 'Mia', joinedAt: START + 2 * DAY }] }),
            side(F, {
              newcomers: [
                { memberId: 'u7', name: 'mia_forum', joinedAt: START + DAY },
                { memberId: 'u9', name: 'Oskar', joinedAt: START + 3 * DAY },
              ],
            }),
          ],
          fresh: null,
          weeks: [week({ newMembers: 2 })],
        },
        community,
      ),
      {},
      null,
    );
    expect(data.newMembers).toEqual({ count: 2, names: ['Mia', 'Oskar'] });
  });
});
