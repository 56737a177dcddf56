/**
 * Scheduled runs across processes, on one real SQLite file: two schedulers with their own owner
 * tokens (standing for two processes) run each (job, guild, period) once; a dead process's run is
 * taken over when its lease ends, a slow one that is alive keeps it, a late finisher is not recorded.
 */
import { describe, expect, it } from 'vitest';
import { makeDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type Db, openDb } from '../../src/db/connection.js';
import { asGuildId } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import type { JobDefinition } from '../../src/scheduler/job.js';
import { claimRun, finishRun, Scheduler } from '../../src/scheduler/scheduler.js';
import { makeTestDb } from '../helpers/db.js';

const g1 = asGuildId('g1');

function twoProcesses(job: JobDefinition, runLeaseMs = 600_000) {
  const db = makeTestDb();
  db.$client
    .prepare(
      "INSERT INTO guilds (id, platform, name, settings, created_at, updated_at) VALUES ('g1','discord','G','{}',0,0)",
    )
    .run();
  const scheduler = (owner: string, database: Db = db) =>
    new Scheduler(
      makeDeps(loadConfig({}), database, createLogger('silent'), () => {}),
      [job],
      {
        // One scan period for the whole test: the clock may move without starting a new one.
        scanIntervalMs: 1e12,
        tickMs: 1000,
        now: Date.now,
        owner,
        runLeaseMs,
      },
    );
  const other = openDb(db.path);
  return { db, a: scheduler('A'), b: scheduler('B', other), close: () => other.$client.close() };
}

const row = (db: ReturnType<typeof makeTestDb>) =>
  db.$client.prepare('SELECT outcome, lease_owner, detail FROM job_runs').get() as {
    outcome: string;
    lease_owner: string;
    detail: string | null;
  };

describe('scheduled runs across processes', () => {
  it('GIVEN two processes ticking the same period THEN the job runs once', async () => {
    const runs: string[] = [];
    const job: JobDefinition = {
      name: 'scan',
      schedule: { kind: 'scan' },
      run: (_d, _g, period) => void runs.push(period),
    };
    const { db, a, b, close } = twoProcesses(job);
    const now = 1_000 * 300_000;
    await Promise.all([a.tick(now), b.tick(now), a.tick(now + 1), b.tick(now + 2)]);
    expect(runs).toEqual(['scan-0']);
    expect(row(db)).toMatchObject({ outcome: 'ok' });
    close();
  });

  it('GIVEN a run whose process died THEN another takes it over only after its lease ends', () => {
    const db = makeTestDb();
    expect(claimRun(db, 'digest', g1, 'w48', 0, 'A', 1000)).not.toBeNull();
    expect(claimRun(db, 'digest', g1, 'w48', 999, 'B', 1000)).toBeNull();
    expect(claimRun(db, 'digest', g1, 'w48', 1000, 'B', 1000)).not.toBeNull();
    expect(row(db)).toMatchObject({ outcome: 'running', lease_owner: 'B' });
  });

  it('GIVEN a late finisher whose run was taken over THEN its outcome is not recorded', () => {
    const db = makeTestDb();
    const id = claimRun(db, 'digest', g1, 'w48', 0, 'A', 1000)!;
    claimRun(db, 'digest', g1, 'w48', 5000, 'B', 1000);
    expect(finishRun(db, id, 'A', 6000, 'error', 'A was frozen')).toBe(false);
    expect(finishRun(db, id, 'B', 6000, 'ok', null)).toBe(true);
    expect(row(db)).toMatchObject({ outcome: 'ok', lease_owner: 'B', detail: null });
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
    const { db, a, b, close } = twoProcesses(job, 150);
    const now = Date.now();
    const first = a.tick(now);
    await new Promise((r) => setTimeout(r, 450)); // three leases later; A renewed every 50 ms
    await b.tick(Date.now());
    await first;
    expect(runs).toHaveLength(1);
    expect(row(db)).toMatchObject({ outcome: 'ok', lease_owner: 'A' });
    close();
  });
});
