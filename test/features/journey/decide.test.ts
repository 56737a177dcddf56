/**
 * The journey's decisions as plain data: no database, no outbox, `now` passed in. What the service
 * reads is given here as facts; what it would write comes back as rows, milestones and Actions.
 */
import { describe, expect, it } from 'vitest';
import type { OutboxItem } from '../../../src/actions.js';
import { asGuildId } from '../../../src/events.js';
import {
  acceptedCredit,
  decideCredit,
  decideJoin,
  decideMessage,
  decideProfile,
  decideSync,
  type MessageFacts,
  reactionCredit,
} from '../../../src/features/journey/decide.js';
import { addCount } from '../../../src/features/journey/evaluate.js';
import type { GuildContext } from '../../../src/features/journey/guild.js';
import { CONTACT_GAP_MS, type ProgressFacts } from '../../../src/features/journey/progress.js';
import { newJourneyRow } from '../../../src/features/journey/row.js';
import { settingsSchema } from '../../../src/guildSettings.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 2, 10, 12);
const G = asGuildId('g1');

function context(journey: Record<string, unknown> = {}, guildId = G): GuildContext {
  const settings = settingsSchema.parse({ journey });
  return {
    guildId,
    platform: 'discord',
    serverName: 'Makers',
    settings,
    journey: settings.journey,
    track: settings.journey.track,
    places: { introductions: { channelId: 'intros', name: 'introductions' }, help: null },
  };
}

const alone: ProgressFacts = { other: null, here: { leftAt: null, bot: false }, milestones: new Set() };
const kinds = (items: OutboxItem[]) => items.map((i) => `${i.action.type} ${i.key}`);

describe('a join', () => {
  it('GIVEN a join seen as it happens THEN the newcomer is welcomed by DM and placed at the first stage, quietly', () => {
    const ctx = context();
    const row = newJourneyRow(G, 'm1', '', NOW - 1000, null);
    const out = decideJoin(ctx, { row, progress: alone, topics: [] }, NOW - 1000, NOW);
    expect(kinds(out.items)).toEqual(['dm.send welcome:g1:m1']);
    expect(out.rows).toEqual([
      expect.objectContaining({ memberId: 'm1', stage: 'arrived', joinedAt: NOW - 1000, welcomedAt: NOW }),
    ]);
    expect(out.milestones).toEqual([{ guildId: G, memberId: 'm1', stages: ['arrived'], at: NOW - 1000 }]);
    // The facts given are not changed: the decision works on its own copy.
    expect(row.welcomedAt).toBeNull();
  });

  it('GIVEN a join first seen two days late THEN no welcome and no join time (no congratulations for the past)', () => {
    const ctx = context();
    const at = NOW - 48 * HOUR;
    const out = decideJoin(ctx, { row: newJourneyRow(G, 'm1', '', at, null), progress: alone, topics: [] }, at, NOW);
    expect(out.items).toEqual([]);
    expect(out.rows[0]).toMatchObject({ joinedAt: null, welcomedAt: null, stage: 'arrived' });
  });
});

describe('a message', () => {
  const ctx = context();
  const facts = (over: Partial<MessageFacts> = {}): MessageFacts => ({
    channel: { kind: 'thread', ownerId: 'newbie', parentId: 'help' },
    opensThread: false,
    repliedAuthorId: null,
    firstPosts: new Map([
      [
        'newbie',
        { firstMessageId: 'q1', firstMessageChannelId: 't1', firstMessageOpensThread: true, firstReplyBy: null },
      ],
    ]),
    row: { ...newJourneyRow(G, 'helper', 'participating', NOW - 90 * 24 * HOUR, NOW - 90 * 24 * HOUR) },
    progress: alone,
    ...over,
  });
  const message = { authorId: 'helper', channelId: 't1', messageId: 'a1', replyToId: null, at: NOW };

  it("GIVEN the first reply in the thread a newcomer's first post opened THEN the replier is credited as its first reply", () => {
    const out = decideMessage(ctx, facts(), message, NOW);
    expect(out.firstReply).toEqual({ memberId: 'newbie', by: 'helper' });
    expect(out.rows.at(-1)!.counters.welcomedNewcomer?.n).toBe(1);
    expect(out.rows.at(-1)!.messageCount).toBe(1);
  });

  it('GIVEN someone replied to that first post already THEN no credit', () => {
    const answered = facts({
      firstPosts: new Map([
        [
          'newbie',
          { firstMessageId: 'q1', firstMessageChannelId: 't1', firstMessageOpensThread: true, firstReplyBy: 'x' },
        ],
      ]),
    });
    const out = decideMessage(ctx, answered, message, NOW);
    expect(out.firstReply).toBeUndefined();
    expect(out.rows.at(-1)!.counters.welcomedNewcomer).toBeUndefined();
  });

  it("GIVEN a reply in another thread than the newcomer's first post THEN no credit", () => {
    const out = decideMessage(ctx, facts(), { ...message, channelId: 't2' }, NOW);
    expect(out.firstReply).toBeUndefined();
  });
});

describe('solved credits', () => {
  const answer = { authorId: 'helper', channelId: 't1', replyToId: null };

  it.each([
    ['the thread owner', { kind: 'thread', ownerId: 'asker' }, 'asker', true],
    ['a bystander', { kind: 'thread', ownerId: 'asker' }, 'someone', false],
    ['the answer’s own author', { kind: 'thread', ownerId: 'helper' }, 'helper', false],
  ])('GIVEN a 👍 from %s THEN it counts: %s', (_who, thread, by, counts) => {
    const credit = reactionCredit({ messageId: 'a1', memberId: by, at: NOW }, { answer, thread, question: null });
    expect(credit !== null).toBe(counts);
  });

  it('GIVEN a 👍 from the author of the question the answer replies to THEN it counts for the answer’s author', () => {
    const credit = reactionCredit(
      { messageId: 'a1', memberId: 'asker', at: NOW },
      {
        answer: { ...answer, replyToId: 'q1' },
        thread: { kind: 'text', ownerId: null },
        question: { authorId: 'asker', channelId: 'c', replyToId: null },
      },
    );
    expect(credit).toEqual({ messageId: 'a1', memberId: 'helper', byMemberId: 'asker', via: 'reaction', at: NOW });
  });

  it('GIVEN an accepted self-answer THEN it does not count; accepted by the asker for someone else THEN it does', () => {
    expect(
      acceptedCredit({ messageId: 'a1', byMemberId: 'asker', at: NOW }, { ...answer, authorId: 'asker' }, 'asker'),
    ).toBeNull();
    expect(acceptedCredit({ messageId: 'a1', byMemberId: 'asker', at: NOW }, answer, 'asker')).toMatchObject({
      memberId: 'helper',
      via: 'accepted',
    });
  });

  it('GIVEN the fifth solved answer of a helper THEN Expert is reached and congratulated; already credited THEN nothing', () => {
    const ctx = context();
    let counters = {};
    for (let i = 0; i < 4; i++) counters = addCount(counters, 'solved', NOW - i * HOUR);
    const row = { ...newJourneyRow(G, 'helper', 'regular', NOW - 30 * 24 * HOUR, NOW - 60 * 24 * HOUR), counters };
    const credit = { messageId: 'a5', memberId: 'helper', byMemberId: 'asker', via: 'accepted' as const, at: NOW };
    const out = decideCredit(ctx, credit, { row, progress: alone }, NOW);
    expect(out.solved).toEqual(credit);
    expect(out.rows.at(-1)!.stage).toBe('expert');
    expect(kinds(out.items)).toEqual(['dm.send journey:milestone:g1:helper:expert']);
    expect(decideCredit(ctx, credit, null, NOW)).toEqual({ rows: [], milestones: [], items: [] });
  });
});

describe('milestones and congratulations', () => {
  const ctx = context();
  const regular = () => {
    let counters = {};
    for (let i = 0; i < 4; i++) counters = addCount(counters, 'solved', NOW - i * HOUR);
    return { ...newJourneyRow(G, 'helper', 'regular', NOW - 30 * 24 * HOUR, NOW - 60 * 24 * HOUR), counters };
  };
  const credit = { messageId: 'a5', memberId: 'helper', byMemberId: 'asker', via: 'accepted' as const, at: NOW };

  it('GIVEN a message from the journey 20 minutes ago THEN the congratulation waits for the hour', () => {
    const row = { ...regular(), lastContactAt: NOW - 20 * 60_000 };
    const out = decideCredit(ctx, credit, { row, progress: alone }, NOW);
    expect(out.items).toEqual([]);
    expect(out.rows.at(-1)).toMatchObject({ pendingStage: 'expert', pendingDueAt: NOW - 20 * 60_000 + CONTACT_GAP_MS });
  });

  it('GIVEN a member who left THEN the stage and milestone are recorded but nobody is congratulated', () => {
    const out = decideCredit(
      ctx,
      credit,
      { row: regular(), progress: { ...alone, here: { leftAt: NOW - 1, bot: false } } },
      NOW,
    );
    expect(out.items).toEqual([]);
    expect(out.milestones).toEqual([{ guildId: G, memberId: 'helper', stages: ['expert'], at: NOW }]);
  });

  it('GIVEN an optional stage passed by, whose criteria are met later THEN it is recorded once, with its role', () => {
    const withRole = context({
      track: {
        stages: [
          { id: 'arrived', name: 'Arrived', criteria: [] },
          {
            id: 'introduced',
            name: 'Introduced',
            match: 'any',
            criteria: [{ kind: 'profile', atLeast: 1 }],
            optional: true,
            roleId: 'r-intro',
          },
          { id: 'participating', name: 'Participating', criteria: [{ kind: 'message', atLeast: 1 }] },
        ],
      },
    });
    const row = {
      ...newJourneyRow(G, 'm1', 'participating', NOW - HOUR, NOW - HOUR),
      counters: addCount({}, 'message', NOW - HOUR),
    };
    const first = decideProfile(withRole, row, alone, NOW, NOW);
    expect(first.milestones).toEqual([{ guildId: G, memberId: 'm1', stages: ['introduced'], at: NOW }]);
    expect(kinds(first.items)).toEqual(['role.add journey:role:g1:m1:introduced:r-intro:add']);
    const again = decideProfile(withRole, row, { ...alone, milestones: new Set(['introduced']) }, NOW, NOW);
    expect(again.milestones).toEqual([]);
    expect(again.items).toEqual([]);
  });

  it("GIVEN a linked account on the partner guild THEN it moves on the person's merged facts, quietly", () => {
    const forum = context({}, asGuildId('forum:f1'));
    const row = { ...newJourneyRow(G, 'm1', 'arrived', NOW - HOUR, NOW - HOUR) };
    const other = { guildId: forum.guildId, memberId: 'u1', ctx: forum, row: undefined };
    const out = decideCredit(ctx, { ...credit, memberId: 'm1' }, { row, progress: { ...alone, other } }, NOW);
    const mirrored = out.rows.find((r) => r.memberId === 'u1');
    expect(mirrored).toMatchObject({ guildId: 'forum:f1', stage: 'arrived' });
    expect(out.items.filter((i) => i.guildId === forum.guildId)).toEqual([]);
  });
});

describe('linking two accounts', () => {
  it('GIVEN a Discord member at Helping and a new forum account THEN the forum account catches up, and the Discord one sees it', () => {
    const discord = context();
    const forum = context({}, asGuildId('forum:f1'));
    let counters = addCount({}, 'message', NOW - HOUR);
    counters = addCount(counters, 'reply', NOW - HOUR);
    const dRow = { ...newJourneyRow(G, 'm1', 'helping', NOW - HOUR, NOW - 10 * HOUR), counters };
    const out = decideSync(
      { account: { guildId: G, memberId: 'm1' }, ctx: discord, row: dRow },
      { account: { guildId: forum.guildId, memberId: 'u1' }, ctx: forum, row: undefined },
      NOW,
    );
    // The forum had no row: the Discord side has nothing to merge; the forum side moves to what the person earned.
    expect(out.rows.map((r) => `${r.memberId}:${r.stage}`)).toEqual(['u1:helping']);
    expect(out.milestones).toEqual([
      { guildId: 'forum:f1', memberId: 'u1', stages: ['arrived', 'participating', 'helping'], at: NOW },
    ]);
    expect(out.items.some((i) => i.action.type === 'dm.send' || i.action.type === 'message.send')).toBe(false);
  });
  it('GIVEN a forum member and a Discord account with no journey yet THEN the Discord account catches up, and the forum one is evaluated after it', () => {
    const discord = context();
    const forum = context({}, asGuildId('forum:f1'));
    const fRow = { ...newJourneyRow(forum.guildId, 'u1', 'participating', NOW - HOUR, NOW - 10 * HOUR) };
    fRow.counters = addCount({}, 'message', NOW - HOUR);
    const out = decideSync(
      { account: { guildId: G, memberId: 'm1' }, ctx: discord, row: undefined },
      { account: { guildId: forum.guildId, memberId: 'u1' }, ctx: forum, row: fRow },
      NOW,
    );
    expect(out.rows.map((r) => `${r.memberId}:${r.stage}`)).toEqual(['m1:participating', 'u1:participating']);
  });
});
