import { describe, expect, it } from 'vitest';
import { CandidateIndex } from '../../../src/features/intros/candidates.js';
import {
  buildProfiles,
  type Profile,
  type ProfileMessage,
  type ThreadInfo,
} from '../../../src/features/intros/profile.js';
import { conversationStarter, explain, type Names, quiet } from '../../../src/features/intros/reasons.js';
import {
  consentingPool,
  emptyHistory,
  type IntroHistory,
  pairKey,
  type ScoreContext,
  scorePair,
} from '../../../src/features/intros/score.js';
import { loadProfile, storeProfile } from '../../../src/features/intros/storedProfile.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 2, 12);

function msg(authorId: string, text: string, at: number, extra: Partial<ProfileMessage> = {}): ProfileMessage {
  const terms = [...new Set(text.toLowerCase().split(/\s+/))];
  return {
    authorId,
    channelId: 'c-general',
    threadId: null,
    createdAt: at,
    terms,
    // Each word written as its own term (the fixture has no inflections).
    forms: new Map(terms.map((t) => [t, t])),
    repliesToId: null,
    mentionIds: [],
    opensThread: false,
    accepted: false,
    ...extra,
  };
}

/**
 * A little community: Ann is new and asks about vulkan compute; Eve answers vulkan questions;
 * Bob and Cat talk about audio mixing; Hub talks to everyone; Dan is quiet for a year.
 */
function community() {
  const threads = new Map<string, ThreadInfo>();
  const messages: ProfileMessage[] = [];
  const ask = (id: string, who: string, title: string, at: number) => {
    threads.set(id, {
      titleTerms: title.split(' '),
      titleForms: new Map(title.split(' ').map((t) => [t, t])),
      tags: [],
      openerId: who,
    });
    messages.push(msg(who, title, at, { threadId: id, opensThread: true, channelId: 'c-graphics' }));
  };
  const answer = (id: string, who: string, text: string, at: number, accepted = false) =>
    messages.push(
      msg(who, text, at, { threadId: id, repliesToId: threads.get(id)!.openerId, channelId: 'c-graphics', accepted }),
    );
  for (let i = 0; i < 5; i++) {
    ask(`t${i}`, 'zed', 'vulkan compute pipeline', NOW - (40 + i) * DAY);
    answer(`t${i}`, 'eve', 'vulkan compute pipeline barrier', NOW - (39 + i) * DAY, i < 2);
  }
  for (let i = 0; i < 4; i++) {
    ask(`a${i}`, 'ann', 'vulkan compute shader', NOW - (3 + i) * DAY);
    answer(`a${i}`, 'hub', 'vulkan shader', NOW - (2 + i) * DAY);
  }
  for (let i = 0; i < 6; i++) {
    messages.push(msg('bob', 'audio mixing reverb', NOW - (2 + i) * DAY, { channelId: 'c-audio' }));
    messages.push(msg('cat', 'audio mixing compressor', NOW - (3 + i) * DAY, { channelId: 'c-audio' }));
    messages.push(msg('hub', 'audio mixing', NOW - (4 + i) * DAY, { channelId: 'c-audio', repliesToId: 'bob' }));
    messages.push(msg('hub', 'audio', NOW - (4 + i) * DAY, { channelId: 'c-audio', repliesToId: 'cat' }));
    messages.push(msg('hub', 'welcome', NOW - (4 + i) * DAY, { repliesToId: `x${i}` }));
  }
  messages.push(msg('dan', 'vulkan compute pipeline', NOW - 400 * DAY));
  // After `now`: must not count.
  messages.push(msg('bob', 'vulkan compute pipeline', NOW + DAY));
  const members = ['ann', 'eve', 'bob', 'cat', 'hub', 'dan', 'zed'].map((memberId) => ({ memberId }));
  return buildProfiles({ members, messages, threads }, NOW);
}

function ctxOf(
  built: ReturnType<typeof community>,
  consented = [...built.profiles.keys()],
  history: IntroHistory = emptyHistory(),
): ScoreContext {
  return { profiles: built.profiles, stats: built.stats, consented: new Set(consented), history, now: NOW };
}

const names: Names = { member: (id) => id.charAt(0).toUpperCase() + id.slice(1), channel: (id) => `#${id.slice(2)}` };
const score = (ctx: ScoreContext, a: string, b: string) => scorePair(a, b, ctx)?.score ?? 0;

describe('profiles', () => {
  const built = community();
  const p = (id: string) => built.profiles.get(id)!;

  it('GIVEN what members say THEN a term few people use weighs more than one many use', () => {
    // Eve says "pipeline" (three members do) and "vulkan" (five members do) equally often.
    expect(p('eve').terms.get('pipeline')!).toBeGreaterThan(p('eve').terms.get('vulkan')!);
    // A word only one member uses cannot be shared: it is not kept.
    expect(p('eve').terms.has('barrier')).toBe(false);
  });

  it('GIVEN threads someone opened and threads they answered THEN they count as asked and answered', () => {
    expect(p('ann').asked.get('vulkan')).toBe(4);
    expect(p('eve').answered.get('compute')?.[0]).toBeGreaterThanOrEqual(5);
    expect(p('eve').helpfulness).toBeGreaterThan(0);
    expect(p('ann').helpfulness).toBe(0);
  });

  it('GIVEN replies THEN the graph links both people and records where they are active', () => {
    expect(p('hub').neighbours.has('bob')).toBe(true);
    expect(p('bob').neighbours.has('hub')).toBe(true);
    expect(p('bob').channels.get('c-audio')).toBe(1);
    expect(built.stats.degree.get('hub')).toBeGreaterThan(built.stats.degree.get('bob')!);
  });

  it('GIVEN a message after `now` THEN it does not exist yet for the profile', () => {
    expect(p('bob').terms.has('pipeline')).toBe(false);
    expect(p('bob').messageCount).toBe(6);
  });

  it('GIVEN a stored profile read a month later THEN activity has decayed by half and the rest is intact', () => {
    const stored = JSON.parse(JSON.stringify(storeProfile(p('eve'))));
    const later = loadProfile('eve', stored, null, NOW, NOW + 30 * DAY);
    expect(later.activity).toBeCloseTo(p('eve').activity / 2, 3);
    expect([...later.terms.keys()]).toEqual([...p('eve').terms.keys()]);
    expect(later.answered.get('compute')).toEqual(p('eve').answered.get('compute'));
  });

  it('GIVEN declared interests THEN they count as topics even before any message', () => {
    const declared = { interests: ['Vulkan shaders'], about: '', timezone: null };
    const q = loadProfile('new', null, declared, null, NOW);
    expect(q.terms.has('vulkan')).toBe(true);
    expect(q.interestTerms).toContain('shader');
  });
});

describe('pair scores', () => {
  const built = community();

  it('GIVEN a newcomer asking about X THEN someone who answers X scores higher than someone who only shares a channel', () => {
    const ctx = ctxOf(built);
    expect(score(ctx, 'ann', 'eve')).toBeGreaterThan(score(ctx, 'ann', 'cat'));
  });

  it('GIVEN the reason for a newcomer and an answerer THEN it names what the answerer answered', () => {
    const s = scorePair('ann', 'eve', ctxOf(built))!;
    const line = explain(s, names, 'ann');
    expect(line).toMatch(/Eve answered 5 questions about (vulkan|compute|pipeline)/);
  });

  it('GIVEN two people already talking a lot THEN an intro is worth less than for two who never talked', () => {
    const ctx = ctxOf(built);
    // Bob and Cat share the same topics; Hub talks with Bob constantly.
    expect(score(ctx, 'bob', 'cat')).toBeGreaterThan(score(ctx, 'bob', 'hub'));
  });

  it('GIVEN a hub everybody knows THEN pairs with the hub are held back', () => {
    const ctx = ctxOf(built);
    const plain = scorePair('ann', 'hub', { ...ctx, stats: { ...ctx.stats, hubDegree: 1e9 } })!.score;
    expect(built.stats.hubDegree).toBeLessThanOrEqual(built.stats.degree.get('hub')!);
    expect(score(ctx, 'ann', 'hub')).toBeLessThan(plain);
  });

  it('GIVEN someone quiet for a year THEN they score lower than an active member with the same topics', () => {
    const ctx = ctxOf(built);
    expect(score(ctx, 'ann', 'dan')).toBeLessThan(score(ctx, 'ann', 'eve'));
  });

  it('GIVEN recent intros of a member THEN fatigue lowers their scores', () => {
    const history: IntroHistory = { ...emptyHistory(), recentIntros: new Map([['eve', [NOW - DAY, NOW - 2 * DAY]]]) };
    expect(score(ctxOf(built, undefined, history), 'ann', 'eve')).toBeLessThan(score(ctxOf(built), 'ann', 'eve') / 1.5);
  });

  it.each([
    ['declined a month ago', 'declined', 30, 0],
    ['met already', 'met', 10, 0],
    ['answered "not yet"', 'not_yet', 10, 0.5],
  ] as const)('GIVEN a pair that %s THEN its score is scaled by %s', (_label, outcome, daysAgo, factor) => {
    const history: IntroHistory = {
      ...emptyHistory(),
      pairs: new Map([[pairKey('ann', 'eve'), { at: NOW - daysAgo * DAY, outcome }]]),
    };
    expect(score(ctxOf(built, undefined, history), 'ann', 'eve')).toBeCloseTo(
      score(ctxOf(built), 'ann', 'eve') * factor,
      6,
    );
  });

  it('GIVEN declared timezones 12 hours apart THEN the pair scores lower than the same pair in one timezone', () => {
    const withTz = (a: string, b: string) => {
      const profiles = new Map(built.profiles);
      profiles.set('bob', { ...profiles.get('bob')!, declared: { interests: [], about: '', timezone: a } });
      profiles.set('cat', { ...profiles.get('cat')!, declared: { interests: [], about: '', timezone: b } });
      return score({ ...ctxOf(built), profiles }, 'bob', 'cat');
    };
    expect(withTz('Europe/Berlin', 'Pacific/Auckland')).toBeLessThan(withTz('Europe/Berlin', 'Europe/Paris'));
  });

  it('GIVEN both declared the same interest THEN the reason says so in their words', () => {
    const profiles = new Map<string, Profile>(built.profiles);
    const declare = (id: string) =>
      profiles.set(id, {
        ...profiles.get(id)!,
        declared: { interests: ['Game jams'], about: '', timezone: null },
        interestTerms: ['game', 'jam'],
      });
    declare('bob');
    declare('cat');
    const s = scorePair('bob', 'cat', { ...ctxOf(built), profiles })!;
    expect(explain(s, names, null)).toContain('Game jams');
  });
});

describe('consent in the scorer', () => {
  const built = community();

  it('GIVEN a member who has not joined THEN the scorer refuses to score any pair with them', () => {
    const ctx = ctxOf(built, ['ann', 'bob', 'cat', 'hub', 'dan', 'zed']);
    expect(scorePair('ann', 'eve', ctx)).toBeNull();
    expect(scorePair('eve', 'ann', ctx)).toBeNull();
    expect(consentingPool(['ann', 'eve', 'bob'], ctx)).toEqual(['ann', 'bob']);
  });

  it('GIVEN a member who has not joined THEN the candidate index never offers them', () => {
    const ctx = ctxOf(built, ['ann', 'bob', 'cat', 'hub', 'dan', 'zed']);
    const index = new CandidateIndex(ctx);
    for (const id of ['ann', 'bob', 'cat', 'hub', 'zed']) {
      expect(index.candidatesFor(id)).not.toContain('eve');
      expect(index.candidatesFor(id)).not.toContain(id);
    }
    expect(index.candidatesFor('ann')).toContain('dan');
  });
});

describe('words', () => {
  it('GIVEN shared topics THEN the starter is drawn from their words as written and the same intro always gets the same one', () => {
    const reasons = [{ kind: 'topics' as const, terms: ['shader'], words: ['shaders'], weight: 1 }];
    expect(conversationStarter(reasons, 'intro-1')).toContain('shaders');
    expect(conversationStarter(reasons, 'intro-1')).toBe(conversationStarter(reasons, 'intro-1'));
  });

  it('GIVEN shared terms none of which is worth showing (no words) THEN no topic is told: neither a stem nor the open question turned into one', () => {
    const reasons = [
      { kind: 'topics' as const, terms: ['help', 'advoc'], words: [], weight: 1 },
      { kind: 'answers' as const, helper: 'a', asker: 'b', term: 'help', count: 2, recent: false, weight: 1 },
    ];
    expect(explain({ reasons }, names, null)).toBe('You both joined intros');
    expect(conversationStarter(reasons, 's1')).toBe(
      'What brought you to this community, and what are you hoping to find here?',
    );
  });

  it('GIVEN an answers reason with its word and last time THEN it says the word, how many and how long ago', () => {
    const reasons = [
      {
        kind: 'answers' as const,
        helper: 'a',
        asker: 'b',
        term: 'replic',
        word: 'replication',
        count: 3,
        recent: true,
        lastAt: Date.UTC(2026, 2, 1),
        weight: 1,
      },
    ];
    expect(explain({ reasons }, { ...names, now: Date.UTC(2026, 2, 10) }, 'b')).toBe(
      'A answered 3 questions about replication this month, the last one 9 days ago, which you ask about',
    );
  });

  it('GIVEN people in common THEN the reason names them (and how many more), not "the same person"', () => {
    const one = [{ kind: 'mutuals' as const, count: 1, memberIds: ['c'], weight: 1 }];
    const more = [{ kind: 'mutuals' as const, count: 4, memberIds: ['c', 'a'], weight: 1 }];
    expect(explain({ reasons: one }, names, null)).toBe('You have both talked with C');
    expect(explain({ reasons: more }, names, null)).toBe('You have both talked with C, A and 2 others');
  });

  it('GIVEN people in common none of whom may be named (they erased their data) THEN one is "the same person", several are counted', () => {
    const one = [{ kind: 'mutuals' as const, count: 1, memberIds: [], weight: 1 }];
    const three = [{ kind: 'mutuals' as const, count: 3, memberIds: [], weight: 1 }];
    expect(explain({ reasons: one }, names, null)).toBe('You have both talked with the same person');
    expect(explain({ reasons: three }, names, null)).toBe('You have both talked with 3 of the same people');
  });

  it('GIVEN user text with @everyone or a mention THEN quiet() defuses it', () => {
    expect(quiet('hi @everyone <@123>')).not.toMatch(/@everyone|<@1/);
  });

  it('GIVEN no reasons THEN the line still says something true', () => {
    expect(explain({ reasons: [] }, names, null)).toBe('You both joined intros');
  });
});
