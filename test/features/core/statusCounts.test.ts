/**
 * /convene status in words that agree with their counts, for one and for several, from real
 * communities on real SQLite: the retention, the last backfill, and routing's answered questions.
 * (Before: "retention 1 days", "(1 messages, 1 members)", "(1 answered questions, 200 needed to fit)".)
 */
import { describe, expect, it } from 'vitest';
import { renderStatus, statusReport } from '../../../src/features/core/status.js';
import { refitRouter } from '../../../src/features/questions/refit.js';
import { DAY, HOUR, makeCommunity, makeWorld, T0 } from '../questions/world.js';

const lineOf = (status: string, start: string) => status.split('\n').find((l) => l.startsWith(start)) ?? '';

describe('/convene status counts', () => {
  it('GIVEN one answered question, one day of retention and a backfill of one message from one member THEN every count is singular', async () => {
    const w = makeWorld();
    await w.guild();
    await w.channel('help', 'help', 'forum');
    for (const m of ['ada', 'dee']) await w.join(m);
    await w.post('q1', 'help', 'dee', 'shader compile error on vulkan', T0 - 3 * DAY, { body: 'any idea?' });
    await w.message('ada', 'q1', T0 - 3 * DAY + HOUR, { content: 'try the validation layers' });
    await w.settings((s) => ({ ...s, core: { ...s.core, retentionDays: 1 } }));
    await refitRouter(w.store, w.guildId, T0);
    const deps = w.deps();
    deps.status.lastBackfill = { at: T0 - HOUR, messages: 1, members: 1 };
    const status = renderStatus(await statusReport(deps, w.guildId, T0), T0);
    const lines = ['Database:', 'Last backfill:', 'Routing:'].map((start) => lineOf(status, start));
    for (const line of lines) console.log(`[moderator reads, one] ${line}`);
    expect(lines[0]).toMatch(/ · retention 1 day$/);
    expect(lines[1]).toBe('Last backfill: 60 min ago (1 message, 1 member)');
    expect(lines[2]).toBe('Routing: shipped weights (1 answered question, 200 needed to fit)');
  });

  it('GIVEN five answered questions, retention off and a backfill of many THEN every count is plural, and no retention reads "forever"', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({ ...s, core: { ...s.core, retentionDays: 0 } }));
    await refitRouter(w.store, w.guildId, T0);
    const deps = w.deps();
    deps.status.lastBackfill = { at: T0 - 2 * HOUR, messages: 1_250, members: 5 };
    const status = renderStatus(await statusReport(deps, w.guildId, T0), T0);
    const lines = ['Database:', 'Last backfill:', 'Routing:'].map((start) => lineOf(status, start));
    for (const line of lines) console.log(`[moderator reads, several] ${line}`);
    expect(lines[0]).toMatch(/ · retention forever$/);
    expect(lines[1]).toBe('Last backfill: 2.0 h ago (1,250 messages, 5 members)');
    expect(lines[2]).toBe('Routing: shipped weights (5 answered questions, 200 needed to fit)');
  });
});

describe('/convene status last jobs', () => {
  it('GIVEN a run whose process died (its lease passed, still marked running) THEN it reads as stopped with its process, not as running', async () => {
    const w = makeWorld();
    await w.guild();
    const { jobRuns } = w.store.tables;
    await w.store.insert(jobRuns).values([
      // Killed -9 while scanning: nobody finishes a run whose period has passed.
      {
        job: 'questions.scan',
        guildId: w.guildId,
        period: 'p1',
        startedAt: T0 - HOUR,
        outcome: 'running',
        leaseUntil: T0 - HOUR + 30_000,
        leaseOwner: 'host:1:a',
      },
      // Alive and renewing: still running.
      {
        job: 'digest.weekly',
        guildId: w.guildId,
        period: 'p2',
        startedAt: T0 - 60_000,
        outcome: 'running',
        leaseUntil: T0 + 60_000,
        leaseOwner: 'host:2:b',
      },
    ]);
    const status = renderStatus(await statusReport(w.deps(), w.guildId, T0), T0);
    const jobs = status.split('\n').filter((l) => l.startsWith('  · '));
    for (const line of jobs) console.log(`[moderator reads, jobs] ${line}`);
    expect(jobs).toEqual([
      '  · digest.weekly p2: running, 60 s ago',
      '  · questions.scan p1: stopped with its process before it finished, 60 min ago',
    ]);
  });
});
