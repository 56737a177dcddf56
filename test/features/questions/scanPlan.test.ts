/**
 * The scan's decisions with plain data and an in-memory expertise index: no database. scan.ts joins
 * them with the reads and the write; service.test.ts runs the whole scan on SQLite.
 */
import { describe, expect, it } from 'vitest';
import type { ChannelFacts, MemberFacts } from '../../../src/features/questions/communityStore.js';
import { ExpertiseIndex } from '../../../src/features/questions/expertise.js';
import {
  dueQuestions,
  escalationTarget,
  nudgeLoad,
  type OpenQuestion,
  withinBudget,
} from '../../../src/features/questions/nudgePolicy.js';
import { watchedRows } from '../../../src/features/questions/scanFacts.js';
import {
  composeNudges,
  type DueQuestion,
  type PeerFactsRead,
  planNudges,
  type ScanRules,
  summaryMessages,
  toOpen,
  type WordFacts,
} from '../../../src/features/questions/scanPlan.js';
import { questionsSettings } from '../../../src/features/questions/settings.js';
import type { QuestionRow } from '../../../src/features/questions/store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 12:00 UTC: daytime for members in UTC. */
const NOW = Date.UTC(2026, 2, 3, 12, 0, 0);
const TIMING = { afterMs: 4 * HOUR, escalateMs: 24 * HOUR };

const row = (over: Partial<QuestionRow> = {}): QuestionRow => ({
  guildId: 'g1',
  questionId: 'q1',
  channelId: 'q1',
  parentChannelId: 'help',
  askerId: 'asker',
  askedAt: NOW - 5 * HOUR,
  title: 'Shader crashes on start',
  terms: 'shader crash',
  hasBody: true,
  mentionIds: [],
  firstResponseAt: null,
  firstResponderId: null,
  answered: false,
  solvedAt: null,
  solvedVia: null,
  solvedById: null,
  acceptedMessageId: null,
  acceptedAnswererId: null,
  nudgeStage: 0,
  nudgedAt: null,
  escalatedAt: null,
  updatedAt: NOW - 5 * HOUR,
  ...over,
});

const inThread = (r: QuestionRow): DueQuestion => ({
  row: r,
  open: toOpen(r, { channelId: r.channelId, replyTo: null }),
});

describe('dueQuestions (which open questions a scan acts on)', () => {
  const open = (askedAgo: number, nudgeStage = 0): OpenQuestion =>
    toOpen(row({ askedAt: NOW - askedAgo, nudgeStage }), { channelId: 'q1', replyTo: null });
  it.each([
    ['3 h old: not yet', 3 * HOUR, 0, false],
    ['5 h old: peer nudge due', 5 * HOUR, 0, true],
    ['16 h old: peer nudge 12 h late, no longer timely', 16 * HOUR + MINUTE, 0, false],
    ['30 h old, nudged: escalation due', 30 * HOUR, 1, true],
    ['49 h old, nudged: escalation a day late, left to the digest', 48 * HOUR + MINUTE, 1, false],
  ] as const)('GIVEN a question %s THEN due=%s', (_case, ago, stage, due) => {
    expect(dueQuestions([open(ago, stage)], TIMING, NOW).length).toBe(due ? 1 : 0);
  });
});

describe('nudgeLoad', () => {
  it('GIVEN nudges over a week THEN today counts the last 24 h and the share counts them all', () => {
    const { today, share } = nudgeLoad(
      [
        { targetId: 'ada', at: NOW - HOUR },
        { targetId: 'ada', at: NOW - 3 * DAY },
        { targetId: 'bo', at: NOW - 2 * DAY },
        { targetId: 'bo', at: NOW - 25 * HOUR },
      ],
      NOW,
    );
    expect(Object.fromEntries(today)).toEqual({ ada: 1 });
    expect(Object.fromEntries(share)).toEqual({ ada: 0.5, bo: 0.5 });
  });
});

describe('escalationTarget', () => {
  it.each([
    ['a helpers role', 'helpers', ['mods'], ['m1'], { roleIds: ['helpers'], memberIds: [] }],
    [
      'no helpers role, known moderators',
      null,
      ['mods'],
      ['m1', 'm2'],
      { roleIds: [], memberIds: ['m1', 'm2'], summary: true },
    ],
    ['no helpers role, no moderator known', null, ['mods'], [], { roleIds: ['mods'], memberIds: [] }],
  ] as const)('GIVEN %s THEN the escalation goes to %j', (_case, helpers, roles, moderators, expected) => {
    expect(escalationTarget(helpers, [...roles], moderators)).toEqual(expected);
  });
});

describe('withinBudget', () => {
  const askedAt = new Map([
    ['old', NOW - 15 * HOUR],
    ['mid', NOW - 6 * HOUR],
    ['new', NOW - 5 * HOUR],
    ['late', NOW - 20 * HOUR],
    ['esc', NOW - 30 * HOUR],
  ]);
  const peer = (questionId: string) => ({ questionId, stage: 'peer' as const });
  it('GIVEN more peer nudges than the hour allows THEN the freshest questions go first, and an untimely one never', () => {
    const kept = withinBudget(
      [peer('old'), peer('late'), peer('mid'), peer('new'), { questionId: 'esc', stage: 'escalation' as const }],
      (id) => askedAt.get(id)!,
      TIMING,
      { peersLeft: 2, escalationsLeft: 0 },
      NOW,
    );
    expect(kept.map((d) => d.questionId)).toEqual(['new', 'mid']);
  });
});

describe('watchedRows', () => {
  const settings = questionsSettings.parse({ auto: true, channels: { general: false } });
  it('GIVEN a channel turned off, a help channel and a channel never seen THEN only the turned-off one is dropped', () => {
    const rows = [{ parentChannelId: 'general' }, { parentChannelId: 'help' }, { parentChannelId: 'gone' }];
    const channel = (id: string): ChannelFacts => ({
      channelId: id,
      name: id,
      kind: 'text',
      parentId: null,
      ownerId: null,
      tags: [],
      createdAt: 0,
    });
    const channels = new Map([
      ['general', channel('general')],
      ['help', channel('help')],
    ]);
    expect(watchedRows(rows, channels, settings).map((r) => r.parentChannelId)).toEqual(['help', 'gone']);
  });
});

/** ada answered three shader questions; bo answers about networking. */
function indexOfExperts(): ExpertiseIndex {
  const index = new ExpertiseIndex();
  for (const [member, terms, days] of [
    ['ada', ['shader', 'crash'], 3],
    ['ada', ['shader'], 5],
    ['ada', ['shader', 'vulkan'], 8],
    ['bo', ['network', 'socket'], 2],
  ] as const) {
    const at = NOW - days * DAY;
    index.noteActivity('zed', at);
    index.noteActivity(member, at + HOUR);
    index.noteResponse({
      memberId: member,
      askerId: 'zed',
      terms: [...terms],
      at: at + HOUR,
      askedAt: at,
      first: true,
      channelId: 'help',
    });
  }
  return index;
}

const member = (memberId: string, over: Partial<MemberFacts> = {}): MemberFacts => ({
  memberId,
  nudgesOff: false,
  bot: false,
  left: false,
  moderator: false,
  profilingOff: false,
  timezone: 'UTC',
  ...over,
});

const RULES: ScanRules = { timing: TIMING, guildTimezone: 'UTC', helpersRoleId: null, moderatorRoleIds: [] };

function peerFacts(over: Partial<PeerFactsRead> = {}): PeerFactsRead {
  return {
    index: indexOfExperts(),
    recentNudges: [],
    pool: ['ada', 'bo'],
    members: new Map([
      ['ada', member('ada')],
      ['bo', member('bo')],
    ]),
    twins: new Map(),
    weights: undefined,
    moderators: ['mod'],
    budget: { peersLeft: 6, escalationsLeft: 3 },
    ...over,
  };
}

describe('planNudges', () => {
  const due = [inThread(row())];
  const peersOf = (facts: PeerFactsRead) =>
    planNudges(due, facts, RULES, NOW).flatMap((d) => (d.stage === 'peer' ? d.peers.map((p) => p.memberId) : []));

  it('GIVEN a shader question and ada who answered shader questions THEN ada is asked first', () => {
    expect(peersOf(peerFacts())[0]).toBe('ada');
  });
  it('GIVEN ada turned nudges off THEN she is not asked', () => {
    expect(
      peersOf(
        peerFacts({
          members: new Map([
            ['ada', member('ada', { nudgesOff: true })],
            ['bo', member('bo')],
          ]),
        }),
      ),
    ).not.toContain('ada');
  });
  it('GIVEN ada turned nudges off on her linked forum account THEN she is not asked here either', () => {
    const twins = new Map([['ada', { nudgesOff: true, timezone: null, today: 0 }]]);
    expect(peersOf(peerFacts({ twins }))).not.toContain('ada');
  });
  it('GIVEN ada was asked twice today on the other platform THEN the daily cap counts it', () => {
    const twins = new Map([['ada', { nudgesOff: false, timezone: null, today: 2 }]]);
    expect(peersOf(peerFacts({ twins }))).not.toContain('ada');
  });
  it('GIVEN it is night in ada’s timezone THEN she is not asked', () => {
    const members = new Map([
      ['ada', member('ada', { timezone: 'Pacific/Auckland' })],
      ['bo', member('bo')],
    ]);
    expect(peersOf(peerFacts({ members }))).not.toContain('ada');
  });
  it('GIVEN the hour’s peer budget is spent THEN nothing is planned', () => {
    expect(planNudges(due, peerFacts({ budget: { peersLeft: 0, escalationsLeft: 3 } }), RULES, NOW)).toEqual([]);
  });
  it('GIVEN a question open for 30 h THEN it escalates to the moderators by summary, never to the asker', () => {
    const old = [inThread(row({ askedAt: NOW - 30 * HOUR, nudgeStage: 1 }))];
    const plan = planNudges(old, peerFacts({ moderators: ['mod', 'asker'] }), RULES, NOW);
    expect(plan).toEqual([
      { questionId: 'q1', stage: 'escalation', target: { roleIds: [], memberIds: ['mod'], summary: true } },
    ]);
  });
});

describe('composeNudges and summaryMessages', () => {
  const words = (over: Partial<WordFacts> = {}): WordFacts => ({
    platform: 'discord',
    platformName: 'Discord',
    guildName: 'Shader Club',
    named: new Map([
      ['q1', { title: 'Shader crashes on start', url: 'https://discord.com/channels/g1/q1' }],
      ['q2', { title: 'Socket timeout behind a proxy', url: 'https://discord.com/channels/g1/q2' }],
    ]),
    why: new Map(),
    away: new Map(),
    ...over,
  });
  const peers = [
    { memberId: 'ada', reasons: [] },
    { memberId: 'bo', reasons: [] },
  ];

  it('GIVEN two peers, one active on the linked forum THEN she gets a private message there and the thread mentions only the other', () => {
    const [w] = composeNudges(
      [{ questionId: 'q1', stage: 'peer', peers }],
      [inThread(row())],
      words({ away: new Map([['ada', { guildId: 'discourse:forum.example', memberId: '7', platform: 'discourse' }]]) }),
      'g1',
      NOW,
    );
    expect(w!.away.map((a) => [a.platform, a.key])).toEqual([['discourse', 'questions:nudge:g1:q1:away:7']]);
    expect(w!.message?.action).toMatchObject({
      type: 'message.send',
      channelId: 'q1',
      body: { mentions: { members: ['bo'] } },
    });
    expect(w!.nudges.map((n) => n.targetId)).toEqual(['ada', 'bo']);
  });

  it('GIVEN two escalations told by summary THEN no thread message, and each moderator gets one message listing both', () => {
    const target = { roleIds: [], memberIds: ['m1', 'm2'], summary: true };
    const writes = composeNudges(
      [
        { questionId: 'q1', stage: 'escalation', target },
        { questionId: 'q2', stage: 'escalation', target },
      ],
      [
        inThread(row({ askedAt: NOW - 30 * HOUR })),
        inThread(row({ questionId: 'q2', channelId: 'q2', askedAt: NOW - 26 * HOUR })),
      ],
      words(),
      'g1',
      NOW,
    );
    expect(writes.map((w) => w.message)).toEqual([null, null]);
    const sent = summaryMessages(writes, words(), 'g1', NOW);
    expect(sent.map((s) => s.key)).toEqual([
      `questions:escalate:g1:summary:${NOW}:m1`,
      `questions:escalate:g1:summary:${NOW}:m2`,
    ]);
    const text = sent[0]!.action.type === 'dm.send' ? sent[0]!.action.body.content : '';
    expect(text).toContain('These 2 questions in Shader Club are still waiting');
    expect(text.indexOf('Shader crashes')).toBeLessThan(text.indexOf('Socket timeout'));
  });
});
