import { describe, expect, it } from 'vitest';
import { asMemberId } from '../../../src/events.js';
import { weekEndingAt } from '../../../src/features/digest/calendar.js';
import { eraseMemberDigest, exportMemberDigest } from '../../../src/features/digest/privacy.js';
import {
  pulseOf,
  recordNote,
  recordPulse,
  setSubscribed,
  subscribers,
} from '../../../src/features/digest/pulseStore.js';
import { liveliestThreads, waitingThreads } from '../../../src/features/digest/sectionsStore.js';
import {
  activeMemberCount,
  botIds,
  computeWeekStats,
  dailyMessages,
  firstResponses,
  newMembers,
  responseTimesOf,
} from '../../../src/features/digest/store.js';
import { worldOn } from '../../helpers/copyRows.js';
import { ENGINES, type Engine } from '../../helpers/engines.js';
import { at, buildWeek, DAY, END, HOUR, makeGuild, START } from './world.js';

const NOW = END + 9 * HOUR;
const window = weekEndingAt({ year: 2026, month: 3, day: 9 }, 'UTC');

async function community(engine: Engine, more: (g: ReturnType<typeof makeGuild>) => void = () => {}) {
  const g = makeGuild('g1', 'Rust Gamedev');
  buildWeek(g);
  more(g);
  const db = await worldOn(engine, g.db);
  return { g, db, bots: await botIds(db, g.guildId) };
}

describe.each(ENGINES)('weekly aggregates from the core tables on %s', (engine) => {
  it('GIVEN a week THEN messages are counted per local day, without what bots wrote', async () => {
    const { g, db, bots } = await community(engine);
    expect(bots).toEqual(['helperbot']);
    expect(await dailyMessages(db, g.guildId, window.days, bots)).toEqual([2, 3, 6, 1, 1, 1, 0]);
  });

  it('GIVEN a week THEN active members are those who wrote, bots excluded', async () => {
    const { g, db, bots } = await community(engine);
    expect(await activeMemberCount(db, g.guildId, START, END, bots)).toBe(7);
  });

  it('GIVEN joins and a leave THEN new members are those who joined in the week and stayed', async () => {
    const { g, db } = await community(engine);
    expect(await newMembers(db, g.guildId, START, END, 10)).toEqual({ count: 2, names: ['erin', 'frank'] });
  });

  it('GIVEN threads THEN the first reply by someone else counts, not the bot and not the asker', async () => {
    const { g, db, bots } = await community(engine);
    const rows = await firstResponses(db, g.guildId, START, END, NOW, bots);
    const t1 = rows.find((r) => r.threadId === 't1');
    expect(t1).toMatchObject({ askedAt: at(1, 10), firstAt: at(1, 11), responderId: 'bob', responderModerator: false });
    expect(responseTimesOf(rows)).toEqual({
      asked: 4,
      answered: 2,
      answeredWithin24h: 1,
      medianFirstResponseMs: 13.5 * HOUR,
      peerAnswered: 1,
    });
  });

  it('GIVEN a reply written after the digest was made THEN it does not count yet', async () => {
    const { g, db, bots } = await community(engine, (g) => g.say('alice', 't3', NOW + HOUR));
    const t3 = (await firstResponses(db, g.guildId, START, END, NOW, bots)).find((r) => r.threadId === 't3');
    expect(t3?.firstAt).toBeNull();
  });

  it('GIVEN the week THEN retention and activation cohorts are counted', async () => {
    const { g, db, bots } = await community(engine);
    const stats = await computeWeekStats(db, g.guildId, window, NOW, bots);
    expect(stats).toMatchObject({
      messages: 14,
      activeMembers: 7,
      newMembers: 2,
      retentionCohort: 2,
      retained: 1,
      activationCohort: 2,
      activated: 1,
    });
    expect(stats.goals).toEqual({
      'peer-answered': 0.5,
      'first-response': 13.5 * HOUR,
      'newcomer-activation': 0.5,
      retention: 0.5,
    });
  });

  it('GIVEN unanswered forum threads THEN the waiting ones are listed oldest first, solved and stale ones left out', async () => {
    const { g, db, bots } = await community(engine);
    expect((await waitingThreads(db, g.guildId, NOW - 28 * DAY, NOW, bots)).map((t) => t.threadId)).toEqual([
      't0',
      't3',
    ]);
  });

  it('GIVEN a busy thread the bot opened and threads with one voice THEN neither is among the liveliest', async () => {
    const { g, db, bots } = await community(engine);
    expect(await liveliestThreads(db, g.guildId, START, END, 5, bots)).toEqual([
      { threadId: 't1', name: 'How do I load a mesh?', messages: 3, people: 2 },
      { threadId: 't2', name: 'Shader compile error', messages: 2, people: 2 },
    ]);
  });

  it('GIVEN a guild without bots THEN its threads are ranked all the same', async () => {
    const g = makeGuild('g2', 'No Bots Here');
    g.channel('help', 'help', 'forum');
    g.join('ann', START - DAY);
    g.join('ben', START - DAY);
    g.thread('q', 'help', 'ann', 'A question', at(1));
    g.say('ann', 'q', at(1));
    g.say('ben', 'q', at(1, 2));
    const db = await worldOn(engine, g.db);
    expect(await liveliestThreads(db, g.guildId, START, END, 5, await botIds(db, g.guildId))).toEqual([
      { threadId: 'q', name: 'A question', messages: 2, people: 2 },
    ]);
  });
});

describe.each(ENGINES)('the pulse on %s', (engine) => {
  it('GIVEN a member who clicks twice and changes their mind THEN they count once, with their last answer', async () => {
    const { g, db } = await community(engine);
    const alice = asMemberId('alice');
    expect(await recordPulse(db, g.guildId, '2026-W11', alice, 'yes', NOW)).toBe('new');
    expect(await recordPulse(db, g.guildId, '2026-W11', alice, 'yes', NOW + 1)).toBe('same');
    expect(await recordPulse(db, g.guildId, '2026-W11', alice, 'no', NOW + 2)).toBe('changed');
    await recordPulse(db, g.guildId, '2026-W11', asMemberId('bob'), 'yes', NOW);
    expect(await pulseOf(db, g.guildId, '2026-W11')).toEqual({
      period: '2026-W11',
      helped: 1,
      notReally: 1,
      notes: [],
    });
  });

  it('GIVEN answers THEN nothing stored names the member (anonymous to anyone reading the table)', async () => {
    const { g, db } = await community(engine);
    await recordPulse(db, g.guildId, '2026-W11', asMemberId('alice'), 'yes', NOW);
    await recordNote(db, g.guildId, '2026-W11', asMemberId('alice'), 'More voice chats please', NOW);
    const rows = JSON.stringify([
      await db.select().from(db.tables.digestPulse),
      await db.select().from(db.tables.digestNotes),
    ]);
    expect(rows).not.toContain('alice');
    expect((await pulseOf(db, g.guildId, '2026-W11')).notes.map((n) => n.text)).toEqual(['More voice chats please']);
  });

  it('GIVEN a member with pulse answers, a note and a subscription THEN export shows them and erase removes only theirs', async () => {
    const { g, db } = await community(engine);
    const alice = asMemberId('alice');
    await setSubscribed(db, g.guildId, alice, true, NOW);
    await recordPulse(db, g.guildId, '2026-W10', alice, 'yes', NOW - 7 * DAY);
    await recordPulse(db, g.guildId, '2026-W11', alice, 'no', NOW);
    await recordNote(db, g.guildId, '2026-W11', alice, 'Thanks!', NOW);
    await recordPulse(db, g.guildId, '2026-W11', asMemberId('bob'), 'yes', NOW);
    const exported = await exportMemberDigest(db, g.guildId, alice);
    expect(exported).toMatchObject({
      personalDigest: { on: true, since: NOW },
      pulse: expect.arrayContaining([
        { period: '2026-W10', answer: 'yes', at: NOW - 7 * DAY },
        { period: '2026-W11', answer: 'no', at: NOW },
      ]),
      notes: [{ period: '2026-W11', text: 'Thanks!', at: NOW }],
    });
    await eraseMemberDigest(db, g.guildId, alice);
    expect(await exportMemberDigest(db, g.guildId, alice)).toMatchObject({
      personalDigest: { on: false },
      pulse: [],
      notes: [],
    });
    expect(await pulseOf(db, g.guildId, '2026-W11')).toMatchObject({ helped: 1, notReally: 0 });
  });

  it('GIVEN subscribers, one of whom left THEN only members still here get the personal digest', async () => {
    const { g, db } = await community(engine);
    await setSubscribed(db, g.guildId, asMemberId('alice'), true, NOW);
    await setSubscribed(db, g.guildId, asMemberId('gina'), true, NOW);
    expect(await subscribers(db, g.guildId)).toEqual(['alice']);
    expect(await setSubscribed(db, g.guildId, asMemberId('alice'), false, NOW)).toBe(true);
    expect(await subscribers(db, g.guildId)).toEqual([]);
  });
});
