import { describe, expect, it } from 'vitest';
import { makeDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { asGuildId, type GuildId } from '../../src/events.js';
import { createLogger } from '../../src/log.js';
import type { GuildSchedule, JobDefinition } from '../../src/scheduler/job.js';
import { lastDue, Scheduler } from '../../src/scheduler/scheduler.js';
import { makeTestDb } from '../helpers/db.js';

const HOUR = 3_600_000;
const weekly: GuildSchedule = { cron: '0 9 * * 1', timezone: 'Europe/Berlin' };

function setup(schedule: GuildSchedule | null, fail = false) {
  const db = makeTestDb();
  db.$client
    .prepare(
      "INSERT INTO guilds (id, platform, name, settings, created_at, updated_at) VALUES ('g1','discord','G','{}',0,0)",
    )
    .run();
  const deps = makeDeps(loadConfig({}), db, createLogger('silent'), () => {});
  const runs: { guildId: GuildId; period: string; now: number }[] = [];
  const job: JobDefinition = {
    name: 'test.weekly',
    schedule: {
      kind: 'guild',
      scheduleFor: async () => schedule,
      periodOf: (dueAt) => new Date(dueAt).toISOString().slice(0, 10),
    },
    run(_deps, guildId, period, now) {
      if (fail) throw new Error('boom');
      runs.push({ guildId, period, now });
    },
  };
  const scheduler = new Scheduler(deps, [job], { scanIntervalMs: 300_000, tickMs: 1000, now: () => 0 });
  return { db, scheduler, runs };
}

describe('lastDue', () => {
  it('GIVEN Monday 09:00 Berlin THEN the due time is 08:00 UTC in winter', () => {
    const now = Date.parse('2026-11-25T12:00:00Z'); // a Wednesday
    expect(new Date(lastDue(weekly, now)!).toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });

  it('GIVEN exactly the due minute THEN it is due now', () => {
    const now = Date.parse('2026-11-23T08:00:00Z');
    expect(lastDue(weekly, now)).toBe(now);
  });

  it('GIVEN a schedule set after the last occurrence THEN nothing is due yet', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(lastDue({ ...weekly, since: Date.parse('2026-11-24T00:00:00Z') }, now)).toBeNull();
  });
});

describe('Scheduler', () => {
  it('GIVEN many ticks in one period THEN the job runs once for that period', async () => {
    const { scheduler, runs } = setup(weekly);
    const monday = Date.parse('2026-11-23T08:00:00Z');
    for (let t = monday; t < monday + 48 * HOUR; t += HOUR) await scheduler.tick(t);
    expect(runs.map((r) => r.period)).toEqual(['2026-11-23']);
  });

  it('GIVEN three missed weeks of downtime THEN only the latest occurrence is caught up, once', async () => {
    const { scheduler, runs } = setup(weekly);
    await scheduler.tick(Date.parse('2026-11-02T09:00:00Z'));
    // down from Nov 2 to Nov 25: the Nov 9, 16 and 23 digests were missed
    await scheduler.tick(Date.parse('2026-11-25T10:00:00Z'));
    await scheduler.tick(Date.parse('2026-11-25T10:05:00Z'));
    expect(runs.map((r) => r.period)).toEqual(['2026-11-02', '2026-11-23']);
  });

  it('GIVEN a restart (new scheduler, same database) THEN a finished period does not run again', async () => {
    const first = setup(weekly);
    const monday = Date.parse('2026-11-23T08:30:00Z');
    await first.scheduler.tick(monday);
    const again = new Scheduler(
      (first.scheduler as unknown as { deps: never }).deps,
      [(first.scheduler as unknown as { jobs: JobDefinition[] }).jobs[0]!],
      { scanIntervalMs: 300_000, tickMs: 1000, now: () => 0 },
    );
    await again.tick(monday + HOUR);
    expect(first.runs).toHaveLength(1);
  });

  it('GIVEN a failing run THEN it is recorded as an error and retried after a pause, not at once', async () => {
    const { db, scheduler } = setup(weekly, true);
    const monday = Date.parse('2026-11-23T08:00:00Z');
    await scheduler.tick(monday);
    await scheduler.tick(monday + 60_000);
    const row = () =>
      db.$client.prepare('SELECT outcome, detail, started_at FROM job_runs').get() as {
        outcome: string;
        detail: string;
        started_at: number;
      };
    expect(row()).toMatchObject({ outcome: 'error', detail: 'boom', started_at: monday });
    await scheduler.tick(monday + 6 * 60_000);
    expect(row().started_at).toBe(monday + 6 * 60_000);
  });

  it('GIVEN a guild with the schedule off THEN nothing runs', async () => {
    const { scheduler, runs } = setup(null);
    await scheduler.tick(Date.parse('2026-11-23T08:00:00Z'));
    expect(runs).toEqual([]);
  });

  it('GIVEN a scan job THEN it runs once per scan interval per guild', async () => {
    const { db, runs } = setup(null);
    const deps = makeDeps(loadConfig({}), db, createLogger('silent'), () => {});
    const scan: JobDefinition = {
      name: 'test.scan',
      schedule: { kind: 'scan' },
      run: (_d, guildId, period, now) => void runs.push({ guildId, period, now }),
    };
    const scheduler = new Scheduler(deps, [scan], { scanIntervalMs: 60_000, tickMs: 1000, now: () => 0 });
    for (let t = 0; t < 180_000; t += 15_000) await scheduler.tick(t);
    expect(runs.map((r) => r.period)).toEqual(['scan-0', 'scan-1', 'scan-2']);
    expect(runs.every((r) => r.guildId === asGuildId('g1'))).toBe(true);
  });
});
