/**
 * The decisions of the intros operations, with plain data (no database): who may ask whom, what
 * Accept, Decline and the feedback buttons change, who a round may not group again, what a round
 * writes, whom a follow-up asks, when the next round is, and /meet's candidate votes.
 */
import { describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../src/commands.js';
import { asGuildId } from '../../../src/events.js';
import type { Handle } from '../../../src/features/intros/across.js';
import type { Community } from '../../../src/features/intros/community.js';
import { contextOf, mentionedIn, namesFrom } from '../../../src/features/intros/context.js';
import { decideFeedback, planFollowUps } from '../../../src/features/intros/followUp.js';
import { addTwoHopVotes, mostVoted, suggestionsOf, twoHopIds } from '../../../src/features/intros/pick.js';
import type { Profile } from '../../../src/features/intros/profile.js';
import {
  DECLINE_QUIET_MS,
  decideAccept,
  decideDecline,
  decideRequest,
  gateRequest,
  type RequestFacts,
} from '../../../src/features/intros/requestPolicy.js';
import { composeRound, forbiddenPairs } from '../../../src/features/intros/roundPlan.js';
import { nextRoundFrom, skipUntilAfter } from '../../../src/features/intros/schedule.js';
import { emptyHistory, type PairOutcome, type PairScore, pairKey } from '../../../src/features/intros/score.js';
import type { IntroRow } from '../../../src/features/intros/store.js';
import { settingsSchema } from '../../../src/guildSettings.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 4, 12); // a Wednesday
const G = asGuildId('g1');

const message = (e: unknown) => (e instanceof UserFacingError ? e.message : String(e));
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return message(e);
  }
  return null;
};

const historyWith = (pairs: [string, string, PairOutcome][]) => ({
  ...emptyHistory(),
  pairs: new Map(pairs.map(([a, b, o]) => [pairKey(a, b), o])),
});

const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  consent: new Set(['ann', 'eve']),
  open: null,
  history: emptyHistory(),
  score: { a: 'ann', b: 'eve', score: 0.4, reasons: [{ kind: 'bridge', weight: 1 }] },
  otherAway: false,
  handles: null,
  ...over,
});

const handle = (key: string, platform: 'discord' | 'discourse', guildId: string, name: string): Handle => ({
  key,
  platform,
  guildId,
  memberId: key.split('/').pop()!,
  displayName: name,
  username: name.toLowerCase(),
});

describe('decideRequest', () => {
  it.each([
    ['asking oneself', 'ann', facts(), 'That is you! Try /meet for other people.'],
    ['an asker not in intros', 'zoe', facts(), 'You have not joined intros yet — try /intros join'],
    [
      'someone who left intros',
      'ann',
      facts({ consent: new Set(['ann']) }),
      'That introduction is not possible right now. /meet has others.',
    ],
    [
      'a pair declined 10 days ago',
      'ann',
      facts({ history: historyWith([['ann', 'eve', { at: NOW - 10 * DAY, outcome: 'declined' }]]) }),
      'Not this time. /meet has more people for you.',
    ],
  ])('GIVEN %s THEN the asker is told why, and nothing is asked', (_, asker, f, text) => {
    const other = asker === 'ann' && text.startsWith('That is you') ? 'ann' : 'eve';
    expect(refusal(() => decideRequest(f, asker, other, NOW))).toBe(text);
  });

  it('GIVEN a request that may go on THEN the gate says so from consent and history alone (the score is read after)', () => {
    const { consent, open, history } = facts();
    expect(gateRequest({ consent, open, history }, 'ann', 'eve', NOW)).toEqual({ kind: 'go' });
    expect(gateRequest({ consent, open: { introId: 'm-old' }, history }, 'ann', 'eve', NOW)).toEqual({
      kind: 'already',
      introId: 'm-old',
    });
  });

  it('GIVEN a pair declined longer ago than the quiet time THEN they may be asked again', () => {
    const f = facts({
      history: historyWith([['ann', 'eve', { at: NOW - DECLINE_QUIET_MS - 1, outcome: 'declined' }]]),
    });
    expect(decideRequest(f, 'ann', 'eve', NOW).kind).toBe('ask');
  });

  it('GIVEN an open request between the two THEN it is the answer, not a new one', () => {
    expect(decideRequest(facts({ open: { introId: 'm-old' } }), 'eve', 'ann', NOW)).toEqual({
      kind: 'already',
      introId: 'm-old',
    });
  });

  it('GIVEN nothing to say about the pair THEN the ask goes out with no reasons and a zero score', () => {
    const d = decideRequest(facts({ score: null }), 'ann', 'eve', NOW);
    expect(d).toMatchObject({ kind: 'ask', score: { a: 'ann', b: 'eve', score: 0, reasons: [] } });
  });

  it('GIVEN the same pair at two times THEN the intro ids differ, and they are stable for one time', () => {
    const a = decideRequest(facts(), 'ann', 'eve', NOW);
    expect(decideRequest(facts(), 'ann', 'eve', NOW).introId).toBe(a.introId);
    expect(decideRequest(facts(), 'ann', 'eve', NOW + 1).introId).not.toBe(a.introId);
  });

  describe('GIVEN the other person is only on the forum', () => {
    const mei = 'f1/7';
    const handles = new Map([
      ['ann', handle('ann', 'discord', 'g1', 'Ann')],
      [mei, handle(mei, 'discourse', 'f1', 'Mei')],
    ]);
    const across = (over: Partial<RequestFacts> = {}) =>
      facts({ consent: new Set(['ann', mei]), otherAway: true, handles, ...over });

    it('THEN the ask is a message there naming both handles', () => {
      const d = decideRequest(across(), 'ann', mei, NOW);
      expect(d).toMatchObject({ kind: 'askAcross', asker: { key: 'ann' }, other: { key: mei } });
    });

    it('THEN an intro of the two made 5 days ago is answered with where to find them', () => {
      const d = decideRequest(
        across({ history: historyWith([['ann', mei, { at: NOW - 5 * DAY, outcome: 'none' }]]) }),
        'ann',
        mei,
        NOW,
      );
      expect(d).toMatchObject({ kind: 'already', where: '@mei on the forum' });
    });

    it('THEN without a way to reach them it is not possible', () => {
      expect(refusal(() => decideRequest(across({ handles: new Map() }), 'ann', mei, NOW))).toBe(
        'That introduction is not possible right now. /meet has others.',
      );
    });
  });
});

const meetIntro = (status: IntroRow['status'], memberIds = ['ann', 'eve']): IntroRow => ({
  guildId: 'g1',
  introId: 'm1',
  kind: 'meet',
  roundId: null,
  roundSeq: null,
  groupIndex: null,
  memberIds,
  reasons: [],
  score: 0.3,
  status,
  threadKey: null,
  createdAt: NOW - DAY,
  decidedAt: null,
  followUpAt: null,
  followedUpAt: null,
});

describe('decideAccept and decideDecline', () => {
  const both = new Set(['ann', 'eve']);
  it.each([
    ['asked', both, 'made'],
    ['asked', new Set(['eve']), 'gone'],
    ['asked', new Set(['ann']), 'gone'],
    ['made', both, 'already'],
    ['declined', both, 'declined'],
  ] as const)('GIVEN an intro %s and %j in intros THEN Accept is %s', (status, consent, outcome) => {
    expect(decideAccept(meetIntro(status), 'eve', consent)).toBe(outcome);
  });

  it.each([
    [null, 'eve', 'This invitation is no longer open.'],
    [{ ...meetIntro('asked'), kind: 'round' as const }, 'eve', 'This invitation is no longer open.'],
    [meetIntro('asked'), 'ann', 'This invitation is for someone else.'],
  ])('GIVEN %j answered by %s THEN both buttons say %s', (intro, who, text) => {
    expect(refusal(() => decideAccept(intro, who, both))).toBe(text);
    expect(refusal(() => decideDecline(intro, who, both))).toBe(text);
  });

  it.each([
    ['asked', both, { outcome: 'declined', tellAsker: true }],
    ['asked', new Set(['eve']), { outcome: 'declined', tellAsker: false }],
    ['made', both, { outcome: 'already', tellAsker: false }],
    ['declined', both, { outcome: 'already', tellAsker: false }],
  ] as const)('GIVEN an intro %s and %j in intros THEN Decline gives %j', (status, consent, decision) => {
    expect(decideDecline(meetIntro(status), 'eve', consent)).toEqual(decision);
  });
});

describe('decideFeedback', () => {
  const intro = { memberIds: ['ann', 'eve'] };
  it('GIVEN "skip me next round" THEN they are out until an hour after the next round only', () => {
    expect(decideFeedback(intro, 'ann', 'skip', NOW + 5 * DAY, NOW)).toEqual({ skipUntil: NOW + 5 * DAY + 3_600_000 });
  });
  it('GIVEN "skip" with no round scheduled THEN they are out for a week', () => {
    expect(decideFeedback(intro, 'ann', 'skip', null, NOW)).toEqual({ skipUntil: skipUntilAfter(null, NOW) });
    expect(skipUntilAfter(null, NOW)).toBe(NOW + 7 * DAY + 3_600_000);
  });
  it.each(['met', 'not_yet'] as const)('GIVEN "%s" THEN nothing is skipped', (answer) => {
    expect(decideFeedback(intro, 'eve', answer, NOW + DAY, NOW)).toEqual({ skipUntil: null });
  });
  it('GIVEN someone who was not in the intro THEN the answer is refused', () => {
    expect(refusal(() => decideFeedback(intro, 'zoe', 'met', null, NOW))).toBe('This question was for someone else.');
    expect(refusal(() => decideFeedback(null, 'ann', 'met', null, NOW))).toBe('This question was for someone else.');
  });
});

describe('planFollowUps', () => {
  const due = [
    { introId: 'r:0', memberIds: ['ann', 'eve'] },
    { introId: 'r:1', memberIds: ['bob', 'cat'] },
  ];
  const names = new Map([
    ['ann', 'Ann'],
    ['eve', 'Eve'],
    ['bob', 'Bob'],
  ]);

  it('GIVEN one member who left intros THEN only the others are asked, and every due intro is in the plan', () => {
    const plan = planFollowUps('discord', G, due, new Set(['ann', 'eve', 'cat']), names, null);
    expect(plan.map((p) => p.introId)).toEqual(['r:0', 'r:1']);
    expect(plan[0]!.items.map((i) => i.key)).toEqual(['intros:g1:followup:r:0:ann', 'intros:g1:followup:r:0:eve']);
    expect(plan[1]!.items.map((i) => i.key)).toEqual(['intros:g1:followup:r:1:cat']);
    const toCat = plan[1]!.items[0]!.action;
    expect(toCat.type === 'dm.send' && toCat.body.content).toBe(
      'Did you meet Bob? Your answer helps the next intros fit better.',
    );
    const toEve = plan[0]!.items[1]!.action;
    expect(toEve.type === 'dm.send' && toEve.body.content).toContain('Did you meet Ann?');
  });

  it('GIVEN nobody left in intros THEN the intro is still planned (marked followed up) with nothing to send', () => {
    expect(planFollowUps('discord', G, due.slice(0, 1), new Set(), names, null)).toEqual([
      { introId: 'r:0', items: [] },
    ]);
  });

  it('GIVEN a paired community THEN a forum member is asked on the forum', () => {
    const c: Community = {
      home: G,
      homePlatform: 'discord',
      away: asGuildId('f1'),
      awayPlatform: 'discourse',
      homeToAway: new Map(),
      awayToHome: new Map(),
    };
    const [p] = planFollowUps(
      'discord',
      G,
      [{ introId: 'r:0', memberIds: ['ann', 'f1/7'] }],
      new Set(['ann', 'f1/7']),
      names,
      c,
    );
    expect(p!.items.map((i) => [i.platform, i.guildId, i.action.type === 'dm.send' && i.action.memberId])).toEqual([
      ['discord', 'g1', 'ann'],
      ['discourse', 'f1', '7'],
    ]);
  });
});

describe('forbiddenPairs', () => {
  const pool = ['ann', 'bob', 'cat', 'dan', 'eve'];
  const history = historyWith([
    ['ann', 'bob', { at: NOW - 400 * DAY, outcome: 'declined' }],
    ['cat', 'dan', { at: NOW - 90 * DAY, outcome: 'met' }],
    ['ann', 'eve', { at: NOW - 90 * DAY, outcome: 'not_yet' }],
  ]);
  const forbidden = forbiddenPairs(pool, history, new Set([pairKey('bob', 'eve')]));
  it.each([
    [0, 1, true, 'declined'],
    [2, 3, true, 'met'],
    [1, 4, true, 'grouped in a recent round'],
    [0, 4, false, '"not yet" may be tried again'],
    [0, 2, false, 'never introduced'],
  ])('GIVEN pool[%i] and pool[%i] THEN forbidden is %s (%s)', (i, j, out) => {
    expect(forbidden(i, j)).toBe(out);
    expect(forbidden(j, i)).toBe(out);
  });
});

describe('composeRound', () => {
  const pool = ['ann', 'bob', 'cat', 'dan', 'eve'];
  const score = (a: string, b: string, s: number): PairScore => ({
    a,
    b,
    score: s,
    reasons: [{ kind: 'topics', terms: ['shader'], words: [`shaders-${a}${b}`], weight: 1 }],
  });
  const scores = new Map(
    [score('ann', 'bob', 0.5), score('cat', 'dan', 0.2), score('cat', 'eve', 0.7), score('dan', 'eve', 0.1)].map(
      (s) => [pairKey(s.a, s.b), s],
    ),
  );
  const names = namesFrom(new Map(pool.map((id) => [id, id.toUpperCase()])), new Map());
  const draft = (channelId: string | null) => ({
    platform: 'discord' as const,
    guildId: G,
    roundId: '2026-03-04',
    seq: 3,
    pool,
    settings: { channelId, followUpDays: 7 },
    now: NOW,
  });
  const groups = [
    { members: [0, 1], score: 0.5 },
    { members: [2, 3, 4], score: 1.0 },
  ];

  it('GIVEN two groups and an intros channel THEN one thread each, intros explained by their strongest pair', () => {
    const { round, intros, items } = composeRound(draft('c-intros'), groups, scores, names, null);
    expect(round).toEqual({
      guildId: G,
      roundId: '2026-03-04',
      seq: 3,
      startedAt: NOW,
      pool: 5,
      groups: 2,
      totalScore: 1.5,
    });
    expect(items.map((i) => i.key)).toEqual(['intros:g1:2026-03-04:0', 'intros:g1:2026-03-04:1']);
    expect(intros.map((r) => [r.introId, r.memberIds, r.reasons[0]?.kind === 'topics' && r.reasons[0].words])).toEqual([
      ['2026-03-04:0', ['ann', 'bob'], ['shaders-annbob']],
      ['2026-03-04:1', ['cat', 'dan', 'eve'], ['shaders-cateve']],
    ]);
    expect(intros.every((r) => r.followUpAt === NOW + 7 * DAY && r.roundSeq === 3 && r.status === 'made')).toBe(true);
    const trio = items[1]!.action;
    expect(trio.type === 'thread.create' && trio.body.content.split('\n')[1]).toMatch(/^CAT and EVE: /);
  });

  it('GIVEN no channel THEN each member gets a DM, and the intro points at the first one', () => {
    const { intros, items } = composeRound(draft(null), groups.slice(0, 1), scores, names, null);
    expect(items.map((i) => i.key)).toEqual(['intros:g1:2026-03-04:0:ann', 'intros:g1:2026-03-04:0:bob']);
    expect(intros[0]!.threadKey).toBe('intros:g1:2026-03-04:0:ann');
  });

  it('GIVEN a group with someone on the forum THEN each is written to on their own platform', () => {
    const handles = new Map([
      ['ann', handle('ann', 'discord', 'g1', 'Ann')],
      ['bob', handle('f1/9', 'discourse', 'f1', 'Bob')],
    ]);
    const { items } = composeRound(draft('c-intros'), groups.slice(0, 1), scores, names, handles);
    expect(items.map((i) => [i.platform, i.key])).toEqual([
      ['discord', 'intros:g1:2026-03-04:0:ann'],
      ['discourse', 'intros:g1:2026-03-04:0:bob'],
    ]);
  });
});

describe('nextRoundFrom', () => {
  const settings = (intros: Record<string, unknown>) =>
    settingsSchema.parse({ core: { timezone: 'UTC' }, intros: { enabled: true, ...intros } });
  it('GIVEN weekly rounds on Mondays at 10:00 UTC THEN the next is the coming Monday', () => {
    expect(nextRoundFrom(settings({ day: 'monday', time: '10:00' }), NOW)).toBe(Date.UTC(2026, 2, 9, 10));
  });
  it('GIVEN rounds every 4 weeks THEN the next is the first Monday of a round week, not the coming one', () => {
    // Weeks since the epoch: 9 March 2026 is in week 2931 (≡ 3 mod 4), 16 March in 2932 (≡ 0).
    expect(nextRoundFrom(settings({ day: 'monday', time: '10:00', every: '4w' }), NOW)).toBe(Date.UTC(2026, 2, 16, 10));
  });
  it('GIVEN intros off THEN there is no next round', () => {
    expect(nextRoundFrom(settings({ enabled: false }), NOW)).toBeNull();
  });
});

describe("/meet's candidates", () => {
  const asker = {
    neighbours: new Map([
      ['bob', 3],
      ['cat', 9],
      ['f1/7', 5],
      ['dan', 1],
    ]),
  } as unknown as Profile;

  it('GIVEN partners THEN the strongest are looked at first, and those `hop` refuses not at all', () => {
    expect(twoHopIds(asker)).toEqual(['cat', 'f1/7', 'bob', 'dan']);
    expect(twoHopIds(asker, (id) => !id.includes('/'))).toEqual(['cat', 'bob', 'dan']);
  });

  it("GIVEN a partner's partners THEN the asker's strangers get votes, the asker and their partners none", () => {
    const votes = new Map([['eve', 1]]);
    const partners = [
      {
        memberId: 'cat',
        derived: {
          neighbours: [
            ['ann', 2],
            ['bob', 1],
            ['eve', 1],
            ['fay', 4],
          ],
        },
      },
    ];
    addTwoHopVotes(votes, partners as never, 'ann', asker);
    expect(votes).toEqual(
      new Map([
        ['eve', 1.1],
        ['cat', 0.05],
        ['fay', 0.1],
      ]),
    );
  });

  it('GIVEN votes THEN the most voted come first, ties by id', () => {
    expect(
      mostVoted(
        new Map([
          ['b', 1],
          ['c', 2],
          ['a', 1],
        ]),
      ),
    ).toEqual(['c', 'a', 'b']);
  });

  it('GIVEN picks in a paired community THEN each says where they are; unpaired, none does', () => {
    const top: PairScore[] = [{ a: 'ann', b: 'f1/7', score: 0.4, reasons: [{ kind: 'bridge', weight: 1 }] }];
    const names = namesFrom(new Map([['f1/7', 'Mei']]), new Map());
    const handles = new Map([['f1/7', handle('f1/7', 'discourse', 'f1', 'Mei')]]);
    expect(suggestionsOf(top, names, 'ann', handles, 'discord')[0]).toMatchObject({
      memberId: 'f1/7',
      name: 'Mei',
      where: 'on the forum (@mei)',
    });
    expect(suggestionsOf(top, names, 'ann')[0]).not.toHaveProperty('where');
  });
});

describe('facts turned into what the pure files take', () => {
  it('GIVEN reasons naming helpers, mutuals and channels THEN all of them are looked up, once', () => {
    const got = mentionedIn([
      {
        a: 'ann',
        b: 'eve',
        score: 1,
        reasons: [
          { kind: 'answers', helper: 'eve', asker: 'ann', term: 'gpu', count: 2, recent: true, weight: 1 },
          { kind: 'mutuals', count: 2, memberIds: ['bob', 'cat'], weight: 1 },
          { kind: 'channels', channelIds: ['c1'], weight: 1 },
        ],
      },
      { a: 'eve', b: 'dan', score: 1, reasons: [{ kind: 'newcomer', newcomer: 'dan', guide: 'eve', weight: 1 }] },
    ]);
    expect([...got.members].sort()).toEqual(['ann', 'bob', 'cat', 'dan', 'eve']);
    expect([...got.channels]).toEqual(['c1']);
  });

  it('GIVEN unknown people and channels THEN messages say "a member" and "the same channels"', () => {
    const names = namesFrom(new Map([['ann', 'Ann']]), new Map([['c1', 'shaders']]), NOW);
    expect([names.member('ann'), names.member('zoe'), names.channel('c1'), names.channel('c9'), names.now]).toEqual([
      'Ann',
      'a member',
      '#shaders',
      'the same channels',
      NOW,
    ]);
  });

  it('GIVEN no build yet THEN the context counts the loaded profiles and has no hubs', () => {
    const profiles = new Map([['ann', {} as Profile]]);
    const ctx = contextOf(
      profiles,
      [['ann', { degree: 4, community: null }]],
      null,
      new Set(['ann']),
      emptyHistory(),
      NOW,
    );
    expect(ctx.stats).toMatchObject({ memberCount: 1, hubDegree: Number.POSITIVE_INFINITY });
    expect([...ctx.stats.degree]).toEqual([['ann', 4]]);
    expect(ctx.stats.community.size).toBe(0);
    const built = contextOf(
      profiles,
      [['ann', { degree: 4, community: 2 }]],
      { memberCount: 90, hubDegree: 12 },
      new Set(),
      emptyHistory(),
      NOW,
    );
    expect(built.stats).toMatchObject({ memberCount: 90, hubDegree: 12 });
    expect(built.stats.community.get('ann')).toBe(2);
  });
});
