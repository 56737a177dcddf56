import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { defaultCutoff, main, readArchive } from '../../../scripts/evalIntros.js';
import {
  decayedActivity,
  evaluateMethod,
  type Interaction,
  splitInteractions,
} from '../../../src/features/intros/linkPrediction.js';
import { tempDir } from '../../helpers/db.js';

const DAY = 86_400_000;
const START = Date.UTC(2020, 0, 1);

/**
 * A synthetic forum: two circles (graphics and audio) of 8 members each who answer each other's
 * topics for two years; a few members stay active into the last year and meet new people of their
 * own circle there, the rest go quiet.
 */
function writeArchive(dir: string) {
  const posts: Record<string, unknown>[] = [];
  const topics: Record<string, unknown>[] = [];
  let topicId = 0;
  const circles = {
    graphics: ['g0', 'g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7'],
    audio: ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'],
  };
  const words = { graphics: 'vulkan shader compute pipeline', audio: 'audio mixing reverb compressor' };
  const idOf = (name: string) => Number.parseInt(name.slice(1), 10) + (name[0] === 'g' ? 1 : 101);
  const topic = (circle: keyof typeof circles, opener: string, answerers: string[], at: number) => {
    topicId++;
    topics.push({
      topic_id: topicId,
      title: `${words[circle]} question ${topicId}`,
      slug: `t${topicId}`,
      category_id: circle === 'graphics' ? 1 : 2,
      tags: [],
      created_at: new Date(at).toISOString(),
      user_id: idOf(opener),
    });
    const base = { topic_id: topicId, post_type: 1, accepted_answer: false, quotes: [], mentions: [] };
    posts.push({
      ...base,
      post_id: topicId * 100,
      post_number: 1,
      user_id: idOf(opener),
      username: opener,
      created_at: new Date(at).toISOString(),
      reply_to_post_number: null,
      text: `${words[circle]} help please`,
    });
    answerers.forEach((who, i) => {
      posts.push({
        ...base,
        post_id: topicId * 100 + i + 1,
        post_number: i + 2,
        user_id: idOf(who),
        username: who,
        created_at: new Date(at + (i + 1) * 3_600_000).toISOString(),
        reply_to_post_number: 1,
        accepted_answer: i === 0,
        text: `${words[circle]} answer`,
      });
    });
  };
  // Training years: each member talks with their two circle neighbours on either side.
  for (let week = 0; week < 100; week++) {
    for (const [circle, names] of Object.entries(circles) as [keyof typeof circles, string[]][]) {
      const i = week % names.length;
      topic(circle, names[i]!, [names[(i + 1) % 8]!, names[(i + 2) % 8]!], START + week * 7 * DAY);
    }
  }
  // Last year: the active half (0-3) meets across the circle (i with i+4).
  for (let week = 100; week < 150; week++) {
    for (const [circle, names] of Object.entries(circles) as [keyof typeof circles, string[]][]) {
      const i = week % 4;
      topic(circle, names[i]!, [names[i + 4]!, names[(i + 1) % 4]!], START + week * 7 * DAY);
    }
  }
  const gz = (rows: unknown[]) => gzipSync(rows.map((r) => JSON.stringify(r)).join('\n'));
  writeFileSync(
    join(dir, 'posts.jsonl.gz'),
    gz(posts.sort((x, y) => String(x.created_at).localeCompare(String(y.created_at)))),
  );
  writeFileSync(join(dir, 'topics.jsonl.gz'), gz(topics));
}

describe('npm run eval:intros', () => {
  const dir = tempDir();
  writeArchive(dir);

  it('GIVEN --json THEN it prints one object with every method, Convene under "convene"', () => {
    const out = JSON.parse(main(['--data', dir, '--json', '--cutoff', '2021-12-01']));
    expect(Object.keys(out.methods).sort()).toEqual(
      ['adamic_adar', 'common_neighbours', 'convene', 'decayed_activity', 'preferential_attachment', 'random'].sort(),
    );
    expect(out.new_pairs_hub_share).toBeGreaterThanOrEqual(0);
    expect(out.new_pairs_hub_share).toBeLessThanOrEqual(1);
    for (const m of Object.values(out.methods) as Record<string, number>[]) {
      expect(Object.keys(m).sort()).toEqual(['auc', 'hub_share', 'lift', 'precision_at_n']);
      expect(m.auc).toBeGreaterThanOrEqual(0);
      expect(m.auc).toBeLessThanOrEqual(1);
    }
    expect(out.new_pairs).toBeGreaterThan(0);
    // The active members of the last year are the ones who meet: Convene sees who is around.
    expect(out.methods.convene.auc).toBeGreaterThan(out.methods.random.auc);
    expect(out.matching.blossom.total).toBeGreaterThanOrEqual(out.matching.greedy.total);
  });

  it('GIVEN no --cutoff THEN the split is the start of the last 20% of the archive', () => {
    const archive = readArchive(dir);
    const cutoff = defaultCutoff(archive);
    expect(cutoff).toBeCloseTo(archive.start + 0.8 * (archive.end - archive.start), -3);
    const out = JSON.parse(main(['--data', dir, '--json']));
    expect(out.cutoff).toBe(new Date(cutoff).toISOString().slice(0, 10));
  });

  it('GIVEN no --json THEN it prints a table with every method and the greedy loss', () => {
    const out = main(['--data', dir, '--cutoff', '2021-12-01']);
    for (const name of [
      'convene',
      'decayed_activity',
      'adamic_adar',
      'common_neighbours',
      'preferential_attachment',
      'random',
      'true new pairs',
    ]) {
      expect(out).toContain(name);
    }
    expect(out).toMatch(/Convene vs decayed activity \(time-aware\): AUC [+-]\d\.\d{3}, P@n [+-]\d\.\d{3}/);
    expect(out).toMatch(/greedy loses \d+\.\d%/);
  });

  it.each([[['--json']], [['--data', dir, '--cutoff', '2021/12/01']]])(
    'GIVEN bad arguments %j THEN it says how to call it',
    (args) => {
      expect(() => main(args)).toThrow(/usage|--cutoff/);
    },
  );
});

describe('link prediction protocol', () => {
  // A star of core members around "h", and a chain; after the cut-off a new pair b-c appears.
  const before = Date.UTC(2020, 0, 1);
  const after = Date.UTC(2021, 0, 2);
  const link = (a: string, b: string, at: number): Interaction => ({ a, b, at });
  const interactions = [
    ...['a', 'b', 'c', 'd'].flatMap((x) => [link('h', x, before), link(x, 'y', before), link(x, 'z', before)]),
    link('b', 'c', after),
    link('a', 'q', after),
  ];
  const split = splitInteractions(interactions, Date.UTC(2021, 0, 1));

  it('GIVEN training before the cut-off THEN core members have degree ≥ 3 and new pairs are among them only', () => {
    expect(split.core).toEqual(['a', 'b', 'c', 'd', 'h', 'y', 'z']);
    expect(split.core).not.toContain('q');
    expect(split.positives.size).toBe(1);
  });

  it('GIVEN a scorer that ranks the new pair first THEN AUC is 1 and precision is perfect; reversed, AUC is 0', () => {
    const perfect = evaluateMethod(split, (a, b) => ((a === 'b' && b === 'c') || (a === 'c' && b === 'b') ? 1 : 0));
    expect(perfect).toMatchObject({ auc: 1, precision_at_n: 1 });
    const reversed = evaluateMethod(split, (a, b) => ((a === 'b' && b === 'c') || (a === 'c' && b === 'b') ? 0 : 1));
    expect(reversed.auc).toBe(0);
  });

  it("GIVEN posts before the cut-off THEN the time-aware baseline is the product of both members' decayed activity", () => {
    const day = 86_400_000;
    const cutoff = 1000 * day;
    const score = decayedActivity(
      [
        { memberId: 'a', at: cutoff - 60 * day }, // counts half
        { memberId: 'a', at: cutoff - 60 * day },
        { memberId: 'b', at: cutoff }, // at the cut-off: the future
        { memberId: 'b', at: cutoff - 1 }, // just before: counts (almost) fully
        { memberId: 'c', at: cutoff - 120 * day }, // a quarter
      ],
      cutoff,
    );
    expect(score('a', 'c')).toBeCloseTo(1 * 0.25, 6);
    expect(score('a', 'b')).toBeCloseTo(1 * 1, 6);
    expect(score('a', 'nobody')).toBe(0);
  });

  it('GIVEN a scorer that always suggests the hub THEN its hub share is 100%', () => {
    const r = evaluateMethod(split, (a, b) => (a === 'h' || b === 'h' ? 1 : 0));
    expect(r.hub_share).toBe(1);
  });
});
