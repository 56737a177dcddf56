/**
 * Scheduled runs across processes, on one real SQLite file and on a real PostgreSQL server: two
 * schedulers with their own owner tokens and connections (standing for two processes) run each
 * (job, guild, period) once; a dead process's run is taken over when its lease ends, a slow one that
 * is alive keeps it, a late finisher is not recorded, and concurrent claims of one period have one winner.
 */
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { asGuildId } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import type { JobDefinition } from '../../src/scheduler/job.js';
import { claimRun, finishRun, renewRun, Scheduler } from '../../src/scheduler/scheduler.js';
import { makeTestDb } from '../helpers/db.js';
import { ENGINES, testConnections, testDatabase } from '../helpers/engines.js';

const g1 = asGuildId('g1');

async function row(db: Database) {
  const { jobRuns } = db.tables;
  const [run] = await db
    .select({ outcome: jobRuns.outcome, leaseOwner: jobRuns.leaseOwner, detail: jobRuns.detail })
    .from(jobRuns);
  return run!;
}

describe.each(ENGINES)('scheduled runs across processes on %s', (engine) => {
  let db: Database;
  beforeEach(async () => {
    db = await testDatabase(engine);
  });

  async function twoProcesses(job: JobDefinition, runLeaseMs = 600_000) {
    const [first, second] = await testConnections(engine, 2);
    db = first!;
    const { guilds } = db.tables;
    await db
      .insert(guilds)
      .values({ id: g1, platform: 'discord', name: 'G', settings: {}, createdAt: 0, updatedAt: 0 });
    // The jobs here read nothing through deps: the features' own database stays an unused SQLite file.
    const deps = makeDeps(loadConfig({}), makeTestDb(), createLogger('silent'), () => {});
    const scheduler = (owner: string, database: Database) =>
      new Scheduler(deps, [job], {
        // One scan period for the whole test: the clock may move without starting a new one.
        scanIntervalMs: 1e12,
        tickMs: 1000,
        now: Date.now,
        owner,
        runLeaseMs,
        database,
      });
    return { a: scheduler('A', first!), b: scheduler('B', second!) };
  }

  it('GIVEN two processes ticking the same period THEN the job runs once', async () => {
    const runs: string[] = [];
    const job: JobDefinition = {
      name: 'scan',
      schedule: { kind: 'scan' },
      run: (_d, _g, period) => void runs.push(period),
    };
    const { a, b } = await twoProcesses(job);
    const now = 1_000 * 300_000;
    await Promise.all([a.tick(now), b.tick(now), a.tick(now + 1), b.tick(now + 2)]);
    expect(runs).toEqual(['scan-0']);
    expect(await row(db)).toMatchObject({ outcome: 'ok' });
  });

  it('GIVEN many processes claiming the same periods at once THEN each period has exactly one winner', async () => {
    const connections = await testConnections(engine, 4);
    const periods = Array.from({ length: 25 }, (_, i) => `p${i}`);
    const claims = await Promise.all(
      periods.flatMap((period) =>
        connections.map(async (c, i) => ({ period, id: await claimRun(c, 'digest', g1, period, 0, `P${i}`, 60_000) })),
      ),
    );
    const winners = claims.filter((c) => c.id !== null);
    expect(winners.map((w) => w.period).sort()).toEqual([...periods].sort());
    const { jobRuns } = connections[0]!.tables;
    expect(await connections[0]!.$count(jobRuns)).toBe(periods.length);
  });

  it('GIVEN a run whose process died THEN another takes it over only after its lease ends', async () => {
    expect(await claimRun(db, 'digest', g1, 'w48', 0, 'A', 1000)).not.toBeNull();
    expect(await claimRun(db, 'digest', g1, 'w48', 999, 'B', 1000)).toBeNull();
    expect(await claimRun(db, 'digest', g1, 'w48', 1000, 'B', 1000)).not.toBeNull();
    expect(await row(db)).toMatchObject({ outcome: 'running', leaseOwner: 'B' });
  });

  it('GIVEN a failed run THEN it is claimed again only five minutes after it started, and a done one never', async () => {
    const id = (await claimRun(db, 'digest', g1, 'w48', 0, 'A', 1000))!;
    expect(await finishRun(db, id, 'A', 10, 'error', 'boom')).toBe(true);
    expect(await claimRun(db, 'digest', g1, 'w48', 299_999, 'B', 1000)).toBeNull();
    const again = await claimRun(db, 'digest', g1, 'w48', 300_000, 'B', 1000);
    expect(again).toBe(id);
    expect(await finishRun(db, again!, 'B', 300_010, 'ok', null)).toBe(true);
    expect(await claimRun(db, 'digest', g1, 'w48', 10_000_000, 'C', 1000)).toBeNull();
    expect(await row(db)).toMatchObject({ outcome: 'ok', leaseOwner: 'B', detail: null });
  });

  it('GIVEN a late finisher whose run was taken over THEN its outcome is not recorded', async () => {
    const id = (await claimRun(db, 'digest', g1, 'w48', 0, 'A', 1000))!;
    await claimRun(db, 'digest', g1, 'w48', 5000, 'B', 1000);
    expect(await renewRun(db, id, 'A', 9000)).toBe(false);
    expect(await finishRun(db, id, 'A', 6000, 'error', 'A was frozen')).toBe(false);
    expect(await finishRun(db, id, 'B', 6000, 'ok', null)).toBe(true);
    expect(await row(db)).toMatchObject({ outcome: 'ok', leaseOwner: 'B', detail: null });
    const { jobRuns } = db.tables;
    const [finished] = await db.select({ finishedAt: jobRuns.finishedAt }).from(jobRuns).where(eq(jobRuns.id, id));
    expect(finished).toEqual({ finishedAt: 6000 });
  });

  it('GIVEN a slow job that is alive THEN it keeps its run past the first lease time', async () => {
    const runs: string[] = [];
    const job: JobDefinition = {
      name: 'digest.slow',
      schedule: { kind: 'scan' },
      async run(_d, _g, period) {
        runs.push(period);
        await new Promise((r) => setTimeout(r, 700));
      },
    };
    const { a, b } = await twoProcesses(job, 150);
    const now = Date.now();
    const first = a.tick(now);
    await new Promise((r) => setTimeout(r, 450)); // three leases later; A renewed every 50 ms
    await b.tick(Date.now());
    await first;
    expect(runs).toHaveLength(1);
    expect(await row(db)).toMatchObject({ outcome: 'ok', leaseOwner: 'A' });
  });
});
