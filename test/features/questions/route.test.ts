import { describe, expect, it } from 'vitest';
import { ExpertiseIndex } from '../../../src/features/questions/expertise.js';
import { PoolRouter } from '../../../src/features/questions/poolRouter.js';
import { candidateFeatures, rankAnswerers, scoreMember } from '../../../src/features/questions/route.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 2, 3, 10, 0, 0);

/** Members who answered questions about a topic, all equally active otherwise. */
function community() {
  const index = new ExpertiseIndex();
  const answer = (member: string, asker: string, terms: string[], at: number, first = true) => {
    index.noteActivity(asker, at);
    index.noteActivity(member, at + HOUR);
    index.noteResponse({
      memberId: member,
      askerId: asker,
      terms,
      at: at + HOUR,
      askedAt: at,
      first,
      channelId: 'help',
    });
  };
  for (let d = 30; d >= 2; d -= 2) {
    answer('ada', 'zed', ['shader', 'vulkan', 'pipeline'], NOW - d * DAY);
    answer('bo', 'zed', ['replication', 'network', 'lag'], NOW - d * DAY);
    answer('cy', 'zed', ['audio', 'sound', 'mixer'], NOW - d * DAY);
  }
  return index;
}

const ids = (ranked: { memberId: string }[]) => ranked.map((r) => r.memberId);

describe('rankAnswerers', () => {
  it.each([
    [['vulkan', 'shader', 'crash'], 'ada'],
    [['replication', 'lag'], 'bo'],
    [['sound', 'mixer'], 'cy'],
  ])('GIVEN a question about %j THEN %s, who answered those, ranks first', (terms, expected) => {
    const ranked = rankAnswerers(community(), { askerId: 'new', terms, channelId: 'help' }, { now: NOW });
    expect(ranked[0]!.memberId).toBe(expected);
  });

  it('GIVEN the top match THEN its reasons say which of the question’s terms they answered about', () => {
    const ranked = rankAnswerers(
      community(),
      { askerId: 'new', terms: ['vulkan', 'crash'], channelId: 'help' },
      { now: NOW },
    );
    const expertise = ranked[0]!.reasons.find((r) => r.kind === 'expertise');
    expect(expertise?.terms).toEqual(['vulkan']);
    expect(expertise?.count).toBe(15);
    expect(ranked[0]!.reasons.every((r) => r.weight > 0)).toBe(true);
  });

  it('GIVEN the asker is an expert THEN they are never ranked; nor anyone excluded', () => {
    const ranked = rankAnswerers(
      community(),
      { askerId: 'ada', terms: ['vulkan', 'shader'], channelId: 'help' },
      { now: NOW, exclude: new Set(['bo']) },
    );
    expect(ids(ranked)).not.toContain('ada');
    expect(ids(ranked)).not.toContain('bo');
  });

  it('GIVEN a member who left THEN they are not ranked', () => {
    const index = community();
    index.setGone('ada', true);
    expect(
      ids(rankAnswerers(index, { askerId: 'new', terms: ['vulkan'], channelId: 'help' }, { now: NOW })),
    ).not.toContain('ada');
  });

  it('GIVEN the top match already got most of the recent nudges THEN the load share moves them down', () => {
    const index = community();
    const q = { askerId: 'new', terms: ['vulkan', 'shader'], channelId: 'help' };
    expect(rankAnswerers(index, q, { now: NOW })[0]!.memberId).toBe('ada');
    const loaded = rankAnswerers(index, q, { now: NOW, load: new Map([['ada', 1]]) });
    expect(loaded[0]!.memberId).not.toBe('ada');
  });

  it('GIVEN two equal experts THEN the one active recently ranks above the one who went quiet', () => {
    const index = new ExpertiseIndex();
    for (const [m, last] of [
      ['early', NOW - 200 * DAY],
      ['recent', NOW - 2 * HOUR],
    ] as const) {
      index.noteActivity(m, NOW - 300 * DAY);
      index.noteResponse({
        memberId: m,
        askerId: 'zed',
        terms: ['shader'],
        at: NOW - 300 * DAY,
        askedAt: NOW - 300 * DAY,
        first: true,
        channelId: 'help',
      });
      index.noteActivity(m, last);
    }
    expect(ids(rankAnswerers(index, { askerId: 'new', terms: ['shader'], channelId: 'help' }, { now: NOW }))[0]).toBe(
      'recent',
    );
  });

  it('GIVEN the same answer given three years ago or last month THEN they make the same expertise (what someone knows does not fade)', () => {
    const index = new ExpertiseIndex();
    for (const [m, at] of [
      ['veteran', NOW - 3 * 365 * DAY],
      ['newer', NOW - 30 * DAY],
    ] as const) {
      index.noteActivity(m, at);
      index.noteResponse({
        memberId: m,
        askerId: 'zed',
        terms: ['navmesh', 'crowd'],
        at,
        askedAt: at - HOUR,
        first: true,
        channelId: 'help',
      });
      index.noteReplyTerms(m, ['navmesh', 'agent'], at);
    }
    const features = new Map(
      candidateFeatures(index, { askerId: 'new', terms: ['navmesh', 'agent'], channelId: 'help' }, { now: NOW }).map(
        (c) => [c.memberId, c.features],
      ),
    );
    expect(features.get('veteran')!.expertise).toBeGreaterThan(0);
    expect(features.get('veteran')!.expertise).toBeCloseTo(features.get('newer')!.expertise, 9);
    // Recency is still told apart, by the presence and reply features.
    expect(features.get('veteran')!.since).toBeLessThan(features.get('newer')!.since);
  });

  it('GIVEN an expert outside the most recently active members THEN candidate generation still finds them by their terms', () => {
    const index = new ExpertiseIndex();
    index.noteActivity('expert', NOW - 100 * DAY);
    index.noteResponse({
      memberId: 'expert',
      askerId: 'zed',
      terms: ['navmesh'],
      at: NOW - 100 * DAY,
      askedAt: NOW - 100 * DAY,
      first: true,
      channelId: 'help',
    });
    for (let i = 0; i < 50; i++) index.noteActivity(`chatty${i}`, NOW - HOUR);
    const ranked = rankAnswerers(
      index,
      { askerId: 'new', terms: ['navmesh'], channelId: 'help' },
      { now: NOW, limit: 60, pool: { recent: 5, expertise: 5 } },
    );
    expect(ids(ranked)).toContain('expert');
    expect(ranked.length).toBeLessThanOrEqual(12);
  });
});

describe('PoolRouter', () => {
  it('GIVEN a pool of members THEN it ranks them with exactly the scores of the full router', () => {
    const index = community();
    const pool = ['ada', 'bo', 'cy'];
    const router = new PoolRouter(index, pool, { now: NOW, load: new Map([['bo', 0.5]]) });
    for (const terms of [['vulkan', 'shader'], ['lag'], ['mixer', 'vulkan'], ['unknownterm']]) {
      const q = { askerId: 'zed', terms, channelId: 'help' };
      const full = rankAnswerers(index, q, { now: NOW, load: new Map([['bo', 0.5]]), limit: 100 }).filter((r) =>
        pool.includes(r.memberId),
      );
      const fast = router.rank(q, { limit: 3 });
      expect(new Set(ids(fast))).toEqual(new Set(ids(full)));
      for (const r of fast) {
        const same = full.find((f) => f.memberId === r.memberId)!;
        expect(r.score).toBeCloseTo(same.score, 9);
        expect(r.reasons.map((x) => x.kind)).toEqual(same.reasons.map((x) => x.kind));
      }
      // Best first (ties in any order).
      for (let i = 1; i < fast.length; i++) expect(fast[i]!.score).toBeLessThanOrEqual(fast[i - 1]!.score + 1e-12);
    }
  });

  it('GIVEN members outside the pool or excluded THEN they are never returned', () => {
    const router = new PoolRouter(community(), ['ada', 'bo'], { now: NOW });
    const ranked = router.rank(
      { askerId: 'zed', terms: ['mixer', 'shader'], channelId: 'help' },
      { exclude: new Set(['ada']) },
    );
    expect(ids(ranked)).toEqual(['bo']);
  });
});

describe('scoreMember', () => {
  it('GIVEN one member THEN their score is the one the ranking gives them', () => {
    const index = community();
    const q = { askerId: 'zed', terms: ['vulkan', 'shader'], channelId: 'help' };
    const ranked = rankAnswerers(index, q, { now: NOW });
    const ada = ranked.find((r) => r.memberId === 'ada')!;
    expect(scoreMember(index, q, 'ada', { now: NOW })!.score).toBeCloseTo(ada.score, 9);
    expect(scoreMember(index, q, 'zed', { now: NOW })).toBeNull();
  });
});

describe('ExpertiseIndex', () => {
  it('GIVEN members active at different times THEN the most recently active come first', () => {
    const index = new ExpertiseIndex();
    index.noteActivity('a', NOW - 3 * HOUR);
    index.noteActivity('b', NOW - 2 * HOUR);
    index.noteActivity('c', NOW - HOUR);
    index.noteActivity('a', NOW);
    expect([...index.recentSlots()].map((s) => index.idOf(s))).toEqual(['a', 'c', 'b']);
    expect([...index.recentSlots(2)].map((s) => index.idOf(s))).toEqual(['a', 'c']);
  });

  it('GIVEN activity delivered out of order (a backfill) THEN the list stays in time order', () => {
    const index = new ExpertiseIndex();
    index.noteActivity('a', NOW - HOUR);
    index.noteActivity('b', NOW);
    index.noteActivity('old', NOW - 100 * DAY);
    index.noteActivity('mid', NOW - 30 * 60_000);
    expect([...index.recentSlots()].map((s) => index.idOf(s))).toEqual(['b', 'mid', 'a', 'old']);
  });
});
