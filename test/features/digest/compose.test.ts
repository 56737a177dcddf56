import { describe, expect, it } from 'vitest';
import { composeDigest, type DigestData, NOTE_BUTTON, PULSE_BUTTON } from '../../../src/features/digest/compose.js';
import { composePersonal } from '../../../src/features/digest/composePersonal.js';
import { GOAL_METRICS } from '../../../src/features/digest/goals.js';
import { LIMITS, limitViolation } from '../../../src/text/fit.js';
import { allText } from './world.js';

const NOW = Date.UTC(2026, 10, 23, 9);
const DAY = 86_400_000;

function baseData(overrides: Partial<DigestData> = {}): DigestData {
  return {
    guildName: 'Rust Gamedev',
    period: '2026-W48',
    windowLabel: '16–22 Nov 2026',
    why: '',
    newMembers: { count: 0, names: [] },
    milestones: { total: 0, items: [] },
    intros: null,
    liveliestThreads: [],
    waitingQuestions: { total: 0, items: [] },
    helpers: [],
    health: {
      current: {
        activeMembers: 40,
        messages: 900,
        asked: 0,
        answered: 0,
        answeredWithin24h: 0,
        medianFirstResponseMs: null,
        retentionCohort: 0,
        retained: 0,
      },
      previous: null,
    },
    goals: [],
    chartAttachment: null,
    ...overrides,
  };
}

const text = allText;

const fieldNames = (body: ReturnType<typeof composeDigest>) => (body.embeds?.[0]?.fields ?? []).map((f) => f.name);

describe('composing the digest', () => {
  it('GIVEN a week with only numbers THEN only health shows: no empty sections', () => {
    const body = composeDigest(baseData(), NOW);
    expect(fieldNames(body)).toEqual(['📊 Community health (vs last week)']);
    expect(text(body)).not.toMatch(/Welcome|Milestones|Introductions|waiting|Thanks|Liveliest|Goals/);
  });

  it('GIVEN new members THEN they are welcomed by name, and nobody is pinged', () => {
    const body = composeDigest(baseData({ newMembers: { count: 3, names: ['Ana', 'Bo', 'Cy'] } }), NOW);
    expect(body.embeds?.[0]?.description).toContain('👋 **Welcome** to the 3 new members: Ana, Bo, Cy.');
    expect(body.mentions).toBeUndefined();
  });

  it('GIVEN a why THEN it opens the digest, above the story', () => {
    const body = composeDigest(
      baseData({ why: 'We help each other ship games.', newMembers: { count: 1, names: ['Ana'] } }),
      NOW,
    );
    expect(body.embeds?.[0]?.description?.startsWith('*We help each other ship games.*')).toBe(true);
  });

  it('GIVEN waiting questions THEN they are links, oldest first as given, with their age', () => {
    const body = composeDigest(
      baseData({
        waitingQuestions: {
          total: 2,
          items: [
            { title: 'How do I load a mesh?', url: 'https://discord.com/channels/1/10', askedAt: NOW - 3 * DAY },
            { title: 'Shader help', url: 'https://discord.com/channels/1/11', askedAt: NOW - 5 * 3_600_000 },
          ],
        },
      }),
      NOW,
    );
    const value = body.embeds?.[0]?.fields?.find((f) => f.name.includes('waiting'))?.value ?? '';
    expect(value).toBe(
      '[How do I load a mesh?](https://discord.com/channels/1/10) · waiting 3 d\n[Shader help](https://discord.com/channels/1/11) · waiting 5 h',
    );
  });

  it('GIVEN more waiting questions than shown THEN the list ends with "and N more" counting all', () => {
    const items = Array.from({ length: 25 }, (_, i) => ({
      title: `A fairly long question title number ${i} about something`,
      url: `https://discord.com/channels/123456789012345678/1234567890123456${String(i).padStart(2, '0')}`,
      askedAt: NOW - (30 - i) * DAY,
    }));
    const body = composeDigest(baseData({ waitingQuestions: { total: 400, items } }), NOW);
    const value = body.embeds?.[0]?.fields?.find((f) => f.name.includes('waiting'))?.value ?? '';
    const shown = value.split('\n').filter((l) => l.startsWith('[')).length;
    expect(value).toMatch(new RegExp(`…and ${400 - shown} more$`));
    expect(value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
  });

  it('GIVEN health for two weeks THEN each line shows the week-over-week change', () => {
    const current = {
      activeMembers: 112,
      messages: 970,
      asked: 10,
      answered: 9,
      answeredWithin24h: 8,
      medianFirstResponseMs: 3_600_000,
      retentionCohort: 20,
      retained: 7,
    };
    const previous = {
      activeMembers: 100,
      messages: 1000,
      asked: 10,
      answered: 8,
      answeredWithin24h: 7,
      medianFirstResponseMs: 7_200_000,
      retentionCohort: 10,
      retained: 3,
    };
    const body = composeDigest(baseData({ health: { current, previous } }), NOW);
    expect(body.embeds?.[0]?.fields?.find((f) => f.name.startsWith('📊'))?.value).toBe(
      [
        '**112** active members (▲ 12%)',
        '**970** messages (▼ 3%)',
        '**1 h** median time to a first response (1 h faster)',
        '**80%** of 10 questions answered within 24 h (▲ 10 pts)',
        '**35%** of the 20 who joined 4 weeks ago were active (▲ 5 pts)',
      ].join('\n'),
    );
  });

  it('GIVEN goals THEN each shows its value, target, 8-week trend and verdict', () => {
    const body = composeDigest(
      baseData({
        goals: [
          { metric: 'peer-answered', target: 0.7, values: [0.5, 0.55, 0.6, 0.6, 0.65, 0.68, 0.7, 0.74] },
          { metric: 'connections', target: 50, values: [null, null, null, null, null, null, null, null] },
        ],
      }),
      NOW,
    );
    const goals = body.embeds?.[0]?.fields?.find((f) => f.name === '🎯 Goals')?.value ?? '';
    expect(goals).toContain('**Peer-answered questions**: 74% · target ≥ 70% · `▁▂▄▄▅▆▇█` · ✅ on track');
    expect(goals).toContain('**Connections made**: — · target ≥ 50 · `········` · no data yet');
  });

  it('GIVEN a digest THEN it ends with the pulse: two answers and the form, for this period', () => {
    const body = composeDigest(baseData(), NOW);
    expect(body.buttons).toEqual([
      { id: `${PULSE_BUTTON}:2026-W48:yes`, label: 'This week helped me', style: 'success' },
      { id: `${PULSE_BUTTON}:2026-W48:no`, label: 'Not really', style: 'secondary' },
      { id: `${NOTE_BUTTON}:2026-W48`, label: 'Tell the moderators…', style: 'secondary' },
    ]);
  });

  it('GIVEN a chart attachment THEN the embed shows it as its image', () => {
    expect(composeDigest(baseData({ chartAttachment: 'digest-2026-W48.png' }), NOW).embeds?.[0]?.imageAttachment).toBe(
      'digest-2026-W48.png',
    );
  });

  it('GIVEN a preview THEN moderators see the pulse and its anonymous notes in a second embed', () => {
    const body = composeDigest(
      baseData({
        moderator: { pulse: { period: '2026-W47', helped: 12, notReally: 3, notes: ['More voice events please'] } },
      }),
      NOW,
    );
    expect(body.embeds).toHaveLength(2);
    expect(body.embeds?.[1]?.description).toContain('👍 12 helped · 👎 3 not really');
    expect(body.embeds?.[1]?.description).toContain('> More voice events please');
  });

  it('GIVEN helpers THEN they are thanked by name with what they did', () => {
    const body = composeDigest(
      baseData({
        helpers: [
          { name: 'Ana', solved: 3, thanked: 1, firstReplies: 0 },
          { name: 'Bo', solved: 0, thanked: 0, firstReplies: 4 },
        ],
      }),
      NOW,
    );
    expect(body.embeds?.[0]?.fields?.find((f) => f.name.startsWith('💛'))?.value).toBe(
      '**Ana** (3 solutions, thanked once)\n**Bo** (first to reply 4 times)',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Property test: large random inputs never break Discord's limits, never ping.

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  'a',
  'Z',
  ' ',
  '*',
  '_',
  '`',
  '[',
  ']',
  '(',
  ')',
  '<',
  '>',
  '@',
  '#',
  '\n',
  '\\',
  '|',
  '~',
  '😀',
  '👩‍💻',
  'é',
  '語',
  '\u0000',
  'everyone',
  'here',
  '<@&123>',
  '<@!42>',
];

/**
 * Random alphabet pieces, more than the longest string randomData makes (2000 × 4 pieces), joined
 * once; `starts[i]` is where piece i begins, so a window of pieces is one slice.
 */
const POOL = (() => {
  const r = rng(1);
  const pieces = Array.from({ length: 50_000 }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]!);
  const starts: number[] = [];
  let at = 0;
  for (const p of pieces) {
    starts.push(at);
    at += p.length;
  }
  starts.push(at);
  return { text: pieces.join(''), starts, pieces: pieces.length };
})();

function randomData(r: () => number): DigestData {
  const int = (max: number) => Math.floor(r() * max);
  // Mostly short strings, now and then a very long one: long enough to hit every limit, cheap to
  // make (a random window of a random pool: two random draws per string, not one per character).
  const str = (maxLen: number) => {
    const n = r() < 0.05 ? int(maxLen * 4) : int(Math.min(maxLen, 60));
    const at = int(POOL.pieces - n);
    return POOL.text.slice(POOL.starts[at], POOL.starts[at + n]);
  };
  const list = <T>(max: number, f: () => T) => Array.from({ length: int(max) }, f);
  const big = () => (r() < 0.1 ? int(2_000_000_000) : int(5000));
  const maybe = <T>(v: T) => (r() < 0.2 ? null : v);
  const url = () => (r() < 0.8 ? `https://discord.com/channels/${int(1e18)}/${int(1e18)}` : str(400));
  const healthNumbers = () => ({
    activeMembers: big(),
    messages: big(),
    asked: big(),
    answered: big(),
    answeredWithin24h: big(),
    medianFirstResponseMs: maybe(int(30 * DAY)),
    retentionCohort: big(),
    retained: big(),
  });
  return {
    guildName: str(300),
    period: '2026-W48',
    windowLabel: str(80),
    why: str(2000),
    newMembers: { count: big(), names: list(3000, () => str(200)) },
    milestones: { total: big(), items: list(500, () => ({ name: str(100), milestone: str(300) })) },
    intros: maybe({ made: big(), met: big(), metPairs: list(200, () => ({ a: str(100), b: str(100) })) }),
    liveliestThreads: list(30, () => ({ title: str(500), url: url(), messages: big(), people: big() })),
    waitingQuestions: {
      total: big(),
      items: list(2000, () => ({ title: str(500), url: url(), askedAt: NOW - int(60 * DAY) })),
    },
    helpers: list(100, () => ({ name: str(200), solved: big(), thanked: big(), firstReplies: big() })),
    health: { current: healthNumbers(), previous: maybe(healthNumbers()) },
    goals: list(GOAL_METRICS.length + 1, () => ({
      metric: GOAL_METRICS[int(GOAL_METRICS.length)]!,
      target: r() * 1e7,
      values: Array.from({ length: 8 }, () => maybe(r() * 1e8)),
    })),
    chartAttachment: r() < 0.5 ? 'digest-2026-W48.png' : null,
    ...(r() < 0.5
      ? {
          moderator: {
            pulse: maybe({ period: '2026-W47', helped: big(), notReally: big(), notes: list(300, () => str(1200)) }),
          },
        }
      : {}),
  };
}

describe('Discord limits, by construction', () => {
  it('GIVEN 150 large random digests THEN every body fits Discord and pings nobody', () => {
    const r = rng(20261123);
    for (let i = 0; i < 150; i++) {
      const body = composeDigest(randomData(r), NOW);
      const violation = limitViolation(body);
      expect(violation, `case ${i}`).toBeNull();
      expect(body.mentions).toBeUndefined();
      expect(body.content.length).toBeLessThanOrEqual(LIMITS.content);
      const all = text(body);
      expect(all).not.toMatch(/@(everyone|here)/);
      expect(all).not.toMatch(/(^|[^\\])<@[!&]?\d+>/);
    }
  });

  it('GIVEN an enormous week THEN the main embed still carries every section it has room for', () => {
    const r = rng(7);
    const data = randomData(r);
    data.newMembers = { count: 100_000, names: Array.from({ length: 40 }, (_, i) => `Member ${i}`) };
    data.waitingQuestions = {
      total: 3000,
      items: Array.from({ length: 25 }, (_, i) => ({
        title: `Question ${i}`,
        url: `https://discord.com/channels/1/${i}`,
        askedAt: NOW - DAY,
      })),
    };
    const body = composeDigest(data, NOW);
    expect(limitViolation(body)).toBeNull();
    expect(body.embeds?.[0]?.description).toMatch(/Welcome\*\* to the 100,000 new members: Member 0/);
    expect(fieldNames(body)).toContain('🙋 3,000 questions still waiting for help');
  });

  it('GIVEN 100 large random personal digests THEN every DM fits Discord and pings nobody', () => {
    const r = rng(99);
    for (let i = 0; i < 100; i++) {
      const d = randomData(r);
      const body = composePersonal({
        guildName: d.guildName,
        windowLabel: d.windowLabel,
        memberName: d.why,
        messages: d.health.current.messages,
        repliedTo: d.health.current.asked,
        questionsYouCouldAnswer: d.waitingQuestions.items,
        peopleToMeet: d.helpers.map((h) => ({ name: h.name, why: d.why })),
        journey: d.intros ? { stage: d.guildName, next: d.why } : null,
      });
      expect(limitViolation(body), `case ${i}`).toBeNull();
      expect(body.mentions).toBeUndefined();
    }
  });
});

describe('capped lists', () => {
  it('GIVEN 219 new members of whom 40 names were fetched THEN the welcome line names five and says how many more', () => {
    const names = Array.from({ length: 40 }, (_, i) => `member${i}`);
    const body = composeDigest(baseData({ newMembers: { count: 219, names } }), NOW);
    expect(text(body)).toContain(
      '👋 **Welcome** to the 219 new members: member0, member1, member2, member3, member4, and 214 more.',
    );
    expect(body.buttons?.map((b) => b.label)).toContain('Full lists');
  });

  it('GIVEN a week whose lists the digest shows in full THEN there is no Full lists button', () => {
    const body = composeDigest(baseData({ newMembers: { count: 2, names: ['Ana', 'Bo'] } }), NOW);
    expect(body.buttons?.map((b) => b.label)).toEqual(['This week helped me', 'Not really', 'Tell the moderators…']);
  });
});
