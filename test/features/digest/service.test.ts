import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/actions.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { asMemberId } from '../../../src/events.js';
import { digestWeeklyJob } from '../../../src/features/digest/jobs.js';
import { recordNote, recordPulse, setSubscribed } from '../../../src/features/digest/pulseStore.js';
import {
  buildDigest,
  type NamedSource,
  postDigestNow,
  postScheduledDigest,
  previewDigest,
  scheduledTarget,
} from '../../../src/features/digest/service.js';
import type { DigestSource } from '../../../src/features/digest/sources.js';
import { recentStoredWeeks } from '../../../src/features/digest/store.js';
import { readSettings } from '../../../src/guildSettings.js';
import { makeTestDb } from '../../helpers/db.js';
import { allText, at, buildWeek, DAY, END, HOUR, makeDeps, makeGuild, type TestGuild } from './world.js';

const NOW = END + 9 * HOUR;
const PERIOD = '2026-W11';

async function community(options: Parameters<typeof makeGuild>[2] = {}) {
  const g = makeGuild('g1', 'Rust Gamedev', options);
  buildWeek(g);
  await g.settings((s) => ({ ...s, digest: { ...s.digest, channelId: 'general' } }));
  return { g, deps: makeDeps(g.db) };
}

const sent = (g: TestGuild) =>
  g.outbox().map((r) => ({ key: r.key, action: r.action as Extract<Action, { type: 'message.send' | 'dm.send' }> }));

describe('the scheduled digest', () => {
  it('GIVEN a guild with a digest channel THEN the week is posted there once, with its chart, pinging nobody', async () => {
    const { g, deps } = await community();
    expect(await postScheduledDigest(deps, g.guildId, PERIOD, NOW, [])).toBe('posted');
    const rows = sent(g);
    expect(rows.map((r) => r.key)).toEqual(['digest:g1:2026-W11']);
    const action = rows[0]!.action;
    expect(action.type).toBe('message.send');
    if (action.type !== 'message.send') return;
    expect(action.channelId).toBe('general');
    expect(action.body.mentions).toBeUndefined();
    expect(action.body.content).toBe('📬 **Weekly digest · 2–8 Mar 2026**');
    const [png] = action.body.attachments ?? [];
    expect(png?.name).toBe('digest-2026-W11.png');
    expect(Buffer.from(png!.dataBase64, 'base64').subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(action.body.embeds?.[0]?.imageAttachment).toBe('digest-2026-W11.png');
    const text = allText(action.body);
    expect(text).toContain('👋 **Welcome** to the 2 new members: erin, frank.');
    expect(text).toContain('[How do I load a mesh?](https://discord.com/channels/g1/t1) — 3 messages, 2 people');
    expect(text).toMatch(
      /\[Old unanswered question\]\(https:\/\/discord.com\/channels\/g1\/t0\) · waiting 17 d\n\[Physics jitter\]/,
    );
    expect(text).toContain('**bob** (first to reply once)');
    expect(text).toContain('**14** messages');
    expect(text).not.toContain('alice meets bob');
    expect(deps.wakes).toBe(1);
  });

  it('GIVEN the same period again (a crash and a restart) THEN nothing more is posted', async () => {
    const { g, deps } = await community();
    await postScheduledDigest(deps, g.guildId, PERIOD, NOW, []);
    expect(await postScheduledDigest(deps, g.guildId, PERIOD, NOW + HOUR, [])).toBe('already');
    expect(sent(g)).toHaveLength(1);
  });

  it('GIVEN no digest channel THEN nothing is posted', async () => {
    const g = makeGuild('g1', 'Rust Gamedev');
    buildWeek(g);
    expect(await postScheduledDigest(makeDeps(g.db), g.guildId, PERIOD, NOW, [])).toBe('off');
    expect(sent(g)).toEqual([]);
  });

  it('GIVEN a posted digest THEN its week is stored, and the next digest reads last week instead of recomputing it', async () => {
    const { g, deps } = await community();
    await postScheduledDigest(deps, g.guildId, PERIOD, NOW, []);
    expect((await recentStoredWeeks(sqliteDatabase(g.db), g.guildId, 8))[0]).toMatchObject({
      start: END - 7 * DAY,
      end: END,
      messages: 14,
    });
    // A message back-dated into last week after it was stored: last week's stored numbers stand.
    g.say('bob', 'general', at(3, 12));
    const next = await buildDigest(
      deps,
      g.guildId,
      scheduledTarget(await readSettings(sqliteDatabase(g.db), g.guildId), '2026-W12')!,
      NOW + 7 * DAY,
      [],
    );
    expect(next.weeks.at(-2)?.messages).toBe(14);
    expect(next.data.health.previous?.messages).toBe(14);
  });

  it('GIVEN the weekly job THEN it is Monday 09:00 in the guild timezone, and off until a channel is set', async () => {
    const g = makeGuild('g1', 'Rust Gamedev');
    const deps = makeDeps(g.db);
    const schedule = digestWeeklyJob.schedule;
    if (schedule.kind !== 'guild') throw new Error('digest.weekly is a guild job');
    expect(await schedule.scheduleFor(deps, g.guildId)).toBeNull();
    await g.settings((s) => ({
      ...s,
      core: { ...s.core, timezone: 'Europe/Berlin' },
      digest: { ...s.digest, channelId: 'general' },
    }));
    expect(await schedule.scheduleFor(deps, g.guildId)).toEqual({ cron: '0 9 * * 1', timezone: 'Europe/Berlin' });
    await g.settings((s) => ({
      ...s,
      digest: { ...s.digest, day: 'friday', time: '17:30', timezone: 'America/New_York', scheduledSince: 5 },
    }));
    expect(await schedule.scheduleFor(deps, g.guildId)).toEqual({
      cron: '30 17 * * 5',
      timezone: 'America/New_York',
      since: 5,
    });
    // Monday 00:30 in Berlin is still Sunday in UTC: the period is the guild's own ISO week.
    expect(schedule.periodOf(Date.UTC(2026, 10, 22, 23, 30), { cron: '30 0 * * 1', timezone: 'Europe/Berlin' })).toBe(
      '2026-W48',
    );
  });

  it('GIVEN the scheduler ticking through Monday in Berlin THEN the digest goes out at 09:00 local, once', async () => {
    const { Scheduler } = await import('../../../src/scheduler/scheduler.js');
    const { g, deps } = await community();
    // Set on Sunday: the Monday before is not caught up.
    await g.settings((s) => ({
      ...s,
      core: { ...s.core, timezone: 'Europe/Berlin' },
      digest: { ...s.digest, scheduledSince: Date.UTC(2026, 2, 8) },
    }));
    const scheduler = new Scheduler(deps, [digestWeeklyJob], { scanIntervalMs: 60_000, tickMs: 60_000, now: () => 0 });
    // Monday 9 March 2026, 08:59 and 09:00 in Berlin (UTC+1).
    await scheduler.tick(Date.UTC(2026, 2, 9, 7, 59));
    expect(sent(g)).toEqual([]);
    await scheduler.tick(Date.UTC(2026, 2, 9, 8, 0));
    await scheduler.tick(Date.UTC(2026, 2, 9, 8, 5));
    expect(sent(g).map((r) => r.key)).toEqual(['digest:g1:2026-W11']);
  });
});

describe('tenant isolation', () => {
  const alphaName = (id: string) => `ALPHA-${id}`;

  it("GIVEN two guilds in one database, sharing a member id THEN nothing of guild A appears in guild B's digest", async () => {
    const db = makeTestDb();
    const a = makeGuild('gA', 'ALPHA Club', { db });
    buildWeek(a, alphaName);
    a.say('alice', 'general', at(4, 1)); // more activity in A only
    await a.settings((s) => ({
      ...s,
      core: { ...s.core, why: 'ALPHA purpose' },
      digest: { ...s.digest, channelId: 'general' },
    }));
    await recordPulse(sqliteDatabase(db), a.guildId, PERIOD, asMemberId('alice'), 'no', NOW);
    await recordNote(sqliteDatabase(db), a.guildId, PERIOD, asMemberId('alice'), 'ALPHA secret note', NOW);
    await postScheduledDigest(makeDeps(db), a.guildId, PERIOD, NOW, []);

    const b = makeGuild('gB', 'Beta Guild', { db });
    buildWeek(b);
    await b.settings((s) => ({ ...s, digest: { ...s.digest, channelId: 'general' } }));
    const shared = await previewDigest(makeDeps(db), b.guildId, NOW, []);
    await postScheduledDigest(makeDeps(db), b.guildId, PERIOD, NOW, []);
    const posted = sent(b)[0]!.action.body;
    for (const body of [posted, shared]) {
      // Everything but the chart's bytes (base64 spells anything); the chart is compared below.
      expect(JSON.stringify({ ...body, attachments: [] })).not.toMatch(/alpha|gA\b/i);
    }

    // The same guild B alone in its own database gets exactly the same digest.
    const alone = makeGuild('gB', 'Beta Guild');
    buildWeek(alone);
    await alone.settings((s) => ({ ...s, digest: { ...s.digest, channelId: 'general' } }));
    await postScheduledDigest(makeDeps(alone.db), alone.guildId, PERIOD, NOW, []);
    expect(sent(alone)[0]!.action.body).toEqual(posted);
    expect(await previewDigest(makeDeps(alone.db), alone.guildId, NOW, [])).toEqual(shared);
  });
});

describe('digest sources from other features', () => {
  const source: DigestSource = {
    milestones: (_deps, w) => [
      { memberId: asMemberId('erin'), name: 'erin', milestone: 'reached Participating', at: w.start + DAY },
    ],
    intros: () => ({ made: 4, met: 2, metPairs: [{ a: 'alice', b: 'hank' }] }),
    waitingQuestions: () => [
      { threadId: 'q2', title: 'Second', url: 'https://discord.com/channels/g1/q2', askedAt: at(3) },
      { threadId: 'q1', title: 'First', url: 'https://discord.com/channels/g1/q1', askedAt: at(1) },
    ],
    topHelpers: () => [{ memberId: asMemberId('carol'), name: 'carol', solved: 2, thanked: 3 }],
    responseTimes: () => ({
      asked: 10,
      answered: 8,
      answeredWithin24h: 6,
      medianFirstResponseMs: 2 * HOUR,
      peerAnswered: 6,
    }),
    goalMetrics: () => ({ connections: 12 }),
  };
  const named = (s: DigestSource, feature = 'questions'): NamedSource => ({ feature, source: s });

  it('GIVEN a feature with a digest source THEN its sections replace the core guesses', async () => {
    const { g, deps } = await community();
    await g.settings((s) => ({ ...s, digest: { ...s.digest, goals: [{ metric: 'connections', target: 10 }] } }));
    const { body } = await buildDigest(
      deps,
      g.guildId,
      { endDate: { year: 2026, month: 3, day: 9 }, period: PERIOD },
      NOW,
      [named(source)],
    );
    const text = allText(body);
    expect(text).toContain('🏅 **1 milestone**: erin reached Participating.');
    expect(text).toContain('🤝 **Introductions**: 4 made, 2 met — alice & hank.');
    expect(text).toMatch(/\[First\]\(https:\/\/discord.com\/channels\/g1\/q1\) · waiting 6 d\n\[Second\]/);
    expect(text).not.toContain('Physics jitter · waiting');
    expect(text).toContain('**carol** (2 solutions, thanked 3 times)');
    expect(text).toContain('**2 h** median time to a first response');
    expect(text).toContain('**60%** of 10 questions answered within 24 h');
    expect(text).toContain('**Connections made**: 12 · target ≥ 10');
  });

  it('GIVEN a source that fails THEN the digest still goes out, with the core numbers', async () => {
    const { g, deps } = await community();
    const broken: DigestSource = {
      waitingQuestions: () => {
        throw new Error('questions store is locked');
      },
    };
    await postScheduledDigest(deps, g.guildId, PERIOD, NOW, [named(broken)]);
    const body = sent(g)[0]!.action.body;
    expect(allText(body)).toContain('[Physics jitter](https://discord.com/channels/g1/t3)');
  });
});

describe('preview and post-now', () => {
  it('GIVEN pulse answers and a note THEN the preview shows them to the moderator, and nothing is posted', async () => {
    const { g, deps } = await community();
    await recordPulse(sqliteDatabase(g.db), g.guildId, PERIOD, asMemberId('alice'), 'yes', NOW);
    await recordPulse(sqliteDatabase(g.db), g.guildId, PERIOD, asMemberId('bob'), 'no', NOW);
    await recordNote(sqliteDatabase(g.db), g.guildId, PERIOD, asMemberId('bob'), 'Too many bots in #general', NOW);
    const body = await previewDigest(deps, g.guildId, NOW + HOUR, []);
    expect(body.embeds?.[1]?.description).toBe(
      'Digest 2026-W11: 👍 1 helped · 👎 1 not really\n\n> Too many bots in \\#general'.replace('\\#', '#'),
    );
    expect(sent(g)).toEqual([]);
  });

  it('GIVEN post-now before the scheduled time THEN it takes the week and the schedule does not repeat it', async () => {
    const { g, deps } = await community();
    const early = END + 7 * HOUR;
    expect(await postDigestNow(deps, g.guildId, early, [])).toMatchObject({ replacesScheduled: true });
    expect(await postScheduledDigest(deps, g.guildId, PERIOD, NOW, [])).toBe('already');
    expect(await postDigestNow(deps, g.guildId, NOW + HOUR, [])).toMatchObject({ replacesScheduled: false });
    expect(sent(g).map((r) => r.key)).toEqual(['digest:g1:2026-W11', `digest:g1:2026-W11:now:${NOW + HOUR}`]);
  });

  it('GIVEN no channel THEN post-now asks for one', async () => {
    const g = makeGuild('g1', 'Rust Gamedev');
    await expect(postDigestNow(makeDeps(g.db), g.guildId, NOW, [])).rejects.toThrow(/convene digest set channel/);
  });
});

describe('the personal weekly DM', () => {
  it('GIVEN members who asked for it THEN each active one gets a DM once, and others get none', async () => {
    const { g, deps } = await community();
    await setSubscribed(sqliteDatabase(g.db), g.guildId, asMemberId('bob'), true, NOW - DAY);
    await setSubscribed(sqliteDatabase(g.db), g.guildId, asMemberId('kim'), true, NOW - DAY); // nothing to say to kim this week
    const helpful: DigestSource = {
      personal: (_deps, _w, memberId) =>
        memberId === 'bob'
          ? {
              questionsYouCouldAnswer: [
                { threadId: 't3', title: 'Physics jitter', url: 'https://discord.com/channels/g1/t3', askedAt: at(4) },
              ],
              peopleToMeet: [{ memberId: asMemberId('hank'), name: 'hank', why: 'you both write physics code' }],
              journey: { stage: 'Contributor', next: 'answer two more questions' },
            }
          : null,
    };
    await postScheduledDigest(deps, g.guildId, PERIOD, NOW, [{ feature: 'intros', source: helpful }]);
    await postScheduledDigest(deps, g.guildId, PERIOD, NOW + HOUR, [{ feature: 'intros', source: helpful }]);
    const dms = sent(g).filter((r) => r.action.type === 'dm.send');
    expect(dms.map((r) => r.key)).toEqual(['digest-me:g1:2026-W11:bob']);
    const dm = dms[0]!.action;
    expect(dm.type === 'dm.send' && dm.memberId).toBe('bob');
    const text = allText(dm.body);
    expect(text).toContain('You wrote 4 messages. Thank you!');
    expect(text).toContain('[Physics jitter](https://discord.com/channels/g1/t3)');
    expect(text).toContain('**hank** — you both write physics code');
    expect(text).toContain('Contributor — next: answer two more questions');
    expect(dm.body.mentions).toBeUndefined();
  });
});
