import { describe, expect, it } from 'vitest';
import {
  addCount,
  type Counters,
  criterionValue,
  evaluate,
  isHelpfulReaction,
  type MessageFacts,
  messageKinds,
  weekOf,
} from '../../../src/features/journey/evaluate.js';
import { type CounterKind, defaultTrack, trackSchema } from '../../../src/features/journey/track.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** Monday 2026-03-02 00:00 UTC. */
const MONDAY = Date.UTC(2026, 2, 2);
const track = defaultTrack();

/** Counters from a list of [kind, time] events. */
const countersOf = (events: [CounterKind, number][]): Counters =>
  events.reduce<Counters>((c, [kind, at]) => addCount(c, kind, at), {});
const facts = (events: [CounterKind, number][], joinedAt: number | null = MONDAY - 30 * DAY) => ({
  joinedAt,
  counters: countersOf(events),
});

describe('weeks', () => {
  it('GIVEN Sunday night and Monday morning THEN they fall in consecutive weeks', () => {
    expect(weekOf(MONDAY) - weekOf(MONDAY - 1)).toBe(1);
    expect(weekOf(MONDAY + 6 * DAY + DAY - 1)).toBe(weekOf(MONDAY));
  });

  it('GIVEN events over 20 weeks THEN only the last 12 weekly buckets are kept but the total counts all', () => {
    const events: [CounterKind, number][] = Array.from({ length: 20 }, (_, i) => ['message', MONDAY + i * WEEK]);
    const counters = countersOf(events);
    expect(counters.message!.n).toBe(20);
    expect(counters.message!.w).toHaveLength(12);
    expect(counters.message!.w![0]![0]).toBe(weekOf(MONDAY + 8 * WEEK));
  });

  it('GIVEN an event arriving late for an earlier week THEN it lands in that week', () => {
    const counters = countersOf([
      ['message', MONDAY + 2 * WEEK],
      ['message', MONDAY],
    ]);
    expect(counters.message!.w).toEqual([
      [weekOf(MONDAY), 1],
      [weekOf(MONDAY + 2 * WEEK), 1],
    ]);
  });

  it.each([
    ['three of the last four weeks', [0, 1, 3], 3 * WEEK, 3],
    ['three weeks, one of them too old', [0, 2, 4], 4 * WEEK, 2],
    ['many messages in one week', [0, 0, 0, 0], 0, 1],
    ['activity long ago', [0, 1, 2], 20 * WEEK, 0],
  ])('GIVEN %s THEN the distinct active weeks in the window are counted', (_, weeks, at, expected) => {
    const f = facts(weeks.map((w, i) => ['message', MONDAY + w * WEEK + i * 1000]));
    expect(criterionValue(f, { kind: 'message', atLeast: 3, withinWeeks: 4, distinctWeeks: true }, MONDAY + at)).toBe(
      expected,
    );
  });

  it('GIVEN a member who joined 10.5 days ago THEN memberDays is 10', () => {
    expect(
      criterionValue({ joinedAt: MONDAY, counters: {} }, { kind: 'memberDays', atLeast: 7 }, MONDAY + 10.5 * DAY),
    ).toBe(10);
  });
});

describe('evaluate on the default track', () => {
  const at = MONDAY + 3 * WEEK + DAY;
  it.each<[string, [CounterKind, number][], string | null, string, string[]]>([
    ['a new member', [], null, 'arrived', ['arrived']],
    ['a first message (introduction is optional)', [['message', at]], 'arrived', 'participating', ['participating']],
    [
      'an introduction',
      [
        ['message', at],
        ['introduction', at],
      ],
      'arrived',
      'participating',
      ['introduced', 'participating'],
    ],
    [
      'a first reply to someone else',
      [
        ['message', at],
        ['reply', at],
      ],
      'participating',
      'helping',
      ['helping'],
    ],
    [
      'activity in 3 of the last 4 weeks',
      [
        ['message', at - 3 * WEEK],
        ['reply', at - 3 * WEEK],
        ['message', at - 2 * WEEK],
        ['message', at],
      ],
      'helping',
      'regular',
      ['regular'],
    ],
    [
      'five solved answers but not yet a regular (stages come in order)',
      [['message', at], ['reply', at], ...Array.from({ length: 5 }, (): [CounterKind, number] => ['solved', at])],
      'participating',
      'helping',
      ['helping'],
    ],
    ['nothing new for a regular (stages are never lost)', [], 'regular', 'regular', []],
    [
      'everything at once from scratch',
      [
        ['message', at - 2 * WEEK],
        ['message', at - WEEK],
        ['message', at],
        ['reply', at],
        ...Array.from({ length: 5 }, (): [CounterKind, number] => ['solved', at]),
        ...Array.from({ length: 3 }, (): [CounterKind, number] => ['welcomedNewcomer', at]),
      ],
      null,
      'convener',
      ['arrived', 'participating', 'helping', 'regular', 'expert', 'convener'],
    ],
  ])('GIVEN %s THEN the stage is as expected', (_, events, current, stage, reached) => {
    const result = evaluate(track, facts(events), current, at);
    expect(result.stage.id).toBe(stage);
    expect(result.reached.map((s) => s.id)).toEqual(reached);
  });

  it('GIVEN a participating member THEN the checklist toward Helping shows the reply still to do', () => {
    const result = evaluate(track, facts([['message', at]]), 'participating', at);
    expect(result.next?.id).toBe('helping');
    expect(result.progress).toEqual([{ criterion: { kind: 'reply', atLeast: 1 }, have: 0, need: 1, done: false }]);
  });

  it('GIVEN a helper active in 2 weeks THEN the checklist toward Regular shows 2 of 3', () => {
    const result = evaluate(
      track,
      facts([
        ['message', at - WEEK],
        ['message', at],
        ['reply', at],
      ]),
      'helping',
      at,
    );
    expect(result.progress[0]).toMatchObject({ have: 2, need: 3, done: false });
  });

  it('GIVEN a stage id the track no longer has THEN the member is recomputed from the start', () => {
    const result = evaluate(track, facts([['message', at]]), 'old-stage', at);
    expect(result.recomputed).toBe(true);
    expect(result.stage.id).toBe('participating');
  });

  it('GIVEN the last stage THEN there is no next stage and no checklist', () => {
    const result = evaluate(track, facts([]), 'convener', at);
    expect(result.next).toBeNull();
    expect(result.progress).toEqual([]);
  });

  it('GIVEN a track with a time-based stage THEN time alone reaches it', () => {
    const custom = trackSchema.parse({
      stages: [
        { id: 'new', name: 'New' },
        { id: 'settled', name: 'Settled', criteria: [{ kind: 'memberDays', atLeast: 30 }] },
      ],
    });
    const f = { joinedAt: MONDAY, counters: {} };
    expect(evaluate(custom, f, 'new', MONDAY + 29 * DAY).stage.id).toBe('new');
    expect(evaluate(custom, f, 'new', MONDAY + 30 * DAY).stage.id).toBe('settled');
  });
});

describe('what a message counts as', () => {
  const base: MessageFacts = {
    authorId: 'ann',
    channelId: 'general',
    parentChannelId: 'general',
    threadOwnerId: null,
    opensThread: false,
    repliedAuthorId: null,
    introductionsChannelId: 'intro',
  };
  it.each<[string, Partial<MessageFacts>, CounterKind[]]>([
    ['a plain message', {}, ['message']],
    [
      'a post in the introductions channel',
      { channelId: 'intro', parentChannelId: 'intro' },
      ['message', 'introduction'],
    ],
    [
      'a reply to someone in the introductions channel',
      { channelId: 'intro', parentChannelId: 'intro', repliedAuthorId: 'bob' },
      ['message', 'reply'],
    ],
    [
      'a thread opened in a forum introductions channel',
      { channelId: 't1', parentChannelId: 'intro', threadOwnerId: 'ann', opensThread: true },
      ['message', 'introduction'],
    ],
    [
      'a question (a thread opened elsewhere)',
      { channelId: 't2', parentChannelId: 'help', threadOwnerId: 'ann', opensThread: true },
      ['message', 'question'],
    ],
    [
      'a follow-up in their own thread',
      { channelId: 't2', parentChannelId: 'help', threadOwnerId: 'ann' },
      ['message'],
    ],
    [
      "a reply in someone else's thread",
      { channelId: 't3', parentChannelId: 'help', threadOwnerId: 'bob' },
      ['message', 'reply'],
    ],
    ['a reply to their own message', { repliedAuthorId: 'ann' }, ['message']],
    ["a reply to someone else's message", { repliedAuthorId: 'bob' }, ['message', 'reply']],
  ])('GIVEN %s THEN the counted kinds are as expected', (_, change, kinds) => {
    expect(messageKinds({ ...base, ...change })).toEqual(kinds);
  });

  it.each([
    ['✅', true],
    ['✔️', true],
    ['☑️', true],
    ['👍', true],
    ['👍🏽', true],
    ['white_check_mark', true],
    ['+1', true],
    ['❤️', false],
    ['😂', false],
    ['👎', false],
  ])('GIVEN the reaction %s THEN helpful is %s', (emoji, helpful) => {
    expect(isHelpfulReaction(emoji)).toBe(helpful);
  });
});
