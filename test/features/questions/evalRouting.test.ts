import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type EvalResult,
  evaluate,
  loadArchive,
  METHODS,
  main,
  pairedBootstrap,
  SUBSETS,
  TARGETS,
} from '../../../scripts/evalRouting.js';
import { tempDir } from '../../helpers/db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2020, 0, 1, 12);

interface Post {
  topic_id: number;
  post_id: number;
  post_number: number;
  user_id: number;
  username: string;
  created_at: string;
  post_type: number;
  reply_to_post_number: null;
  accepted_answer: boolean;
  text: string;
}

const TOPICS = [
  { words: 'shader vulkan pipeline', expert: 10 },
  { words: 'replication network lag', expert: 11 },
  { words: 'audio mixer sound', expert: 12 },
];

/**
 * A synthetic forum: askers 1–5 ask about three topics in turn; each topic's expert (10, 11, 12)
 * answers first and their answer is accepted; everyone of them says good morning daily; member 20
 * chats even more and replies late to some questions; member 30 appears for the first time with an
 * answer on day 190.
 */
function writeArchive(days = 200, until = Number.POSITIVE_INFINITY): string {
  const posts: Post[] = [];
  const topics: object[] = [];
  let postId = 1;
  const iso = (t: number) => new Date(t).toISOString();
  const post = (topic: number, n: number, user: number, at: number, text: string, accepted = false) =>
    posts.push({
      topic_id: topic,
      post_id: postId++,
      post_number: n,
      user_id: user,
      username: `u${user}`,
      created_at: iso(at),
      post_type: 1,
      reply_to_post_number: null,
      accepted_answer: accepted,
      text,
    });
  topics.push({ topic_id: 1, title: 'off topic chat', category_id: 1, created_at: iso(START), user_id: 20 });
  post(1, 1, 20, START, 'hello everyone');
  let n = 2;
  for (let day = 0; day < days; day++) {
    const at = START + day * DAY;
    post(1, n++, 20, at + 30 * 60_000, 'chatting about the weather again');
    // The experts are around every day as well: only what they know tells them apart.
    for (const e of [10, 11, 12]) post(1, n++, e, at - HOUR, 'good morning');
    const topic = TOPICS[day % 3]!;
    const id = 100 + day;
    const asker = 1 + (day % 5);
    topics.push({
      topic_id: id,
      title: `${topic.words} question ${day}`,
      category_id: 2,
      created_at: iso(at),
      user_id: asker,
    });
    post(id, 1, asker, at, `I have a ${topic.words} problem, how do I fix it?`);
    const answerer = day === 190 ? 30 : topic.expert;
    post(id, 2, answerer, at + 2 * HOUR, `for ${topic.words} you should do this`, true);
    post(id, 3, asker, at + 3 * HOUR, 'thanks, that worked');
    if (day % 4 === 0) post(id, 4, 20, at + 30 * HOUR, 'late reply');
  }
  const dir = tempDir();
  const kept = posts.filter((p) => Date.parse(p.created_at) < until);
  posts.length = 0;
  posts.push(...kept);
  const keptTopics = topics.filter((t) => Date.parse((t as { created_at: string }).created_at) < until);
  topics.length = 0;
  topics.push(...keptTopics);
  const gz = (rows: object[]) => gzipSync(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  writeFileSync(join(dir, 'posts.jsonl.gz'), gz(posts));
  writeFileSync(join(dir, 'topics.jsonl.gz'), gz(topics));
  return dir;
}

describe('evalRouting', () => {
  const dir = writeArchive();

  it('GIVEN --json THEN one object with every method, target and subset, Convene under "convene"', () => {
    const out = JSON.parse(main(['--data', dir, '--json', '--cutoff', '2020-05-01'])) as {
      methods: Record<string, Record<string, Record<string, number>>>;
    };
    expect(Object.keys(out.methods).sort()).toEqual([...METHODS].sort());
    for (const method of METHODS) {
      for (const target of TARGETS) {
        for (const subset of SUBSETS) {
          expect(Object.keys(out.methods[method]![`${target}/${subset}`]!).sort()).toEqual(
            ['hit1', 'hit10', 'hit5', 'mrr', 'n'].sort(),
          );
        }
      }
    }
  });

  it('GIVEN topic experts who always answer first THEN Convene finds them, ahead of the activity baselines', () => {
    const r = evaluate(loadArchive(dir), { cutoff: Date.UTC(2020, 4, 1) });
    const first = (m: string) => r.methods[m as (typeof METHODS)[number]]['first/all']!;
    expect(first('convene').n).toBe(79);
    expect(first('convene').hit1).toBeGreaterThan(0.9);
    for (const baseline of ['random', 'most-active', 'recently-active']) {
      expect(first('convene').mrr).toBeGreaterThan(first(baseline).mrr);
    }
    expect(first('convene').mrr).toBeGreaterThanOrEqual(first('tfidf-profile').mrr);
    expect(r.methods.convene['accepted/all']!.n).toBe(79);
    // Every first reply came within 2 h: no question is slow.
    expect(r.methods.convene['first/slow']!.n).toBe(0);
  });

  it('GIVEN a first responder who never posted before the question THEN nobody can rank them (no peeking)', () => {
    // Day 190 (2020-07-09) is the first question from this cutoff; member 30 answers it with their first post.
    const r = evaluate(loadArchive(dir), { cutoff: Date.UTC(2020, 6, 9) });
    expect(r.meta.questions).toBe(10);
    expect(r.meta.coverage).toBe(0.9);
    for (const method of METHODS) expect(r.methods[method]['first/all']!.hit10).toBeLessThanOrEqual(0.9);
  });

  it('GIVEN no --cutoff THEN testing starts at the last 20% of the time span', () => {
    const r = evaluate(loadArchive(dir));
    // 200 days of questions: the last 20% of the span holds the last 40 of them.
    expect(r.meta.questions).toBeGreaterThanOrEqual(39);
    expect(r.meta.questions).toBeLessThanOrEqual(41);
    expect(r.meta.top3.sort()).toEqual(['10', '11', '12']);
  });

  it('GIVEN --until THEN only the questions before it are ranked (the validation period)', () => {
    const all = JSON.parse(main(['--data', dir, '--json', '--cutoff', '2020-05-01'])) as EvalResult;
    const part = JSON.parse(
      main(['--data', dir, '--json', '--cutoff', '2020-05-01', '--until', '2020-06-01']),
    ) as EvalResult;
    // Questions are daily at noon: May 2020 holds 31 of them.
    expect(part.meta.questions).toBe(31);
    expect(part.meta.until).toBe('2020-06-01');
    expect(all.meta.until).toBeNull();
    expect(all.meta.questions).toBeGreaterThan(part.meta.questions);
    expect(() => main(['--data', dir, '--until', '2020-6-1'])).toThrow(/--until expects YYYY-MM-DD/);
  });

  it('GIVEN the same forum with everything after the cut-off removed THEN Convene is fitted to the same model', () => {
    // Day 259's question is asked before the cut-off and answered after it (that answer is the future).
    const cutoff = START + 259 * DAY + HOUR;
    const full = evaluate(loadArchive(writeArchive(300)), { cutoff });
    const cut = evaluate(loadArchive(writeArchive(300, cutoff)), { cutoff });
    expect(cut.meta.questions).toBe(0);
    expect(full.meta.fit).not.toBeNull();
    expect(full.meta.model).toMatch(/^fitted: /);
    expect(full.meta.model).not.toContain('too little history');
    expect(full.meta.fit!.weights).toEqual(cut.meta.fit!.weights);
    expect(full.meta.fit!.tried).toEqual(cut.meta.fit!.tried);
    expect(full.meta.fit!.questions).toBe(cut.meta.fit!.questions);
  });

  it('GIVEN paired values THEN the bootstrap interval holds the mean difference, and is a point when the difference is constant', () => {
    const b = Array.from({ length: 200 }, (_, i) => (i % 10) / 10);
    expect(
      pairedBootstrap(
        b.map((x) => x + 0.1),
        b,
      ),
    ).toEqual({ diff: 0.1, lo: 0.1, hi: 0.1, n: 200 });
    const noisy = pairedBootstrap(
      b.map((x, i) => x + (i % 2 === 0 ? 0.3 : -0.1)),
      b,
    );
    expect(noisy.diff).toBe(0.1);
    expect(noisy.lo).toBeLessThan(0.1);
    expect(noisy.hi).toBeGreaterThan(0.1);
    expect(noisy.lo).toBeGreaterThan(0);
  });

  it("GIVEN --json THEN Convene's lead over the best baseline is there for every target and subset", () => {
    const out = JSON.parse(main(['--data', dir, '--json', '--cutoff', '2020-05-01'])) as EvalResult;
    for (const target of TARGETS)
      for (const subset of SUBSETS) expect(out.lead[`${target}/${subset}`]).toHaveProperty('baseline');
    expect(out.lead['first/all']!.n).toBe(79);
    expect(out.lead['first/all']!.lo).toBeLessThanOrEqual(out.lead['first/all']!.diff);
  });

  it('GIVEN IRC logs with reply annotations THEN each conversation is a question whose first responder is the first other person in it', () => {
    const irc = tempDir();
    mkdirSync(join(irc, 'train'));
    const lines = [
      '=== ada has joined #ubuntu',
      '[10:00] <bo> morning',
      '[10:01] <cy> how do I mount a usb disk?',
      '[10:02] <dee> anyone using xfce?',
      '[10:03] <cy> it does not show up',
      '[10:04] <ada> cy: try lsblk first',
      '[10:05] <bo> dee: I do',
      '[10:06] <cy> ada: thanks',
    ];
    // Line 1 is context (not annotated): activity only. 2 opens cy's question, 3 opens dee's.
    const links = ['2 2 -', '2 4 -', '4 5 -', '3 3 -', '3 6 -', '5 7 -'];
    writeFileSync(join(irc, 'train', '2016-01-05.train-a.raw.txt.gz'), gzipSync(`${lines.join('\n')}\n`));
    writeFileSync(join(irc, 'train', '2016-01-05.train-a.annotation.txt.gz'), gzipSync(`${links.join('\n')}\n`));
    const archive = loadArchive(irc);
    expect(archive.topics).toHaveLength(2);
    const byTopic = (t: number) =>
      archive.posts.filter((p) => p.topic_id === t).map((p) => `${p.post_number}:${p.username}`);
    expect(byTopic(1)).toEqual(['1:cy', '2:cy', '3:ada', '4:cy']);
    expect(byTopic(2)).toEqual(['1:dee', '2:bo']);
    // The context line is a post in no topic.
    expect(archive.posts.filter((p) => !archive.topics.some((t) => t.topic_id === p.topic_id))).toHaveLength(1);
    const r = JSON.parse(main(['--data', irc, '--format', 'irc', '--json', '--cutoff', '2016-01-01'])) as EvalResult;
    expect(r.meta.questions).toBe(2);
    // ada never spoke before cy's question; bo did before dee's: one of two first responders is reachable.
    expect(r.meta.coverage).toBe(0.5);
  });

  it('GIVEN the table output THEN every method is printed for each target and subset', () => {
    const table = main(['--data', dir]);
    for (const method of METHODS) expect(table).toContain(method);
    expect(table).toContain('target first · slow');
    expect(table).toContain('target accepted · no-top3');
  });
});
