/**
 * One scheduler for every recurring job. Each (job, guild, period) runs at most once: the period is
 * recorded in job_runs before the work starts (with a lease), so a restart neither repeats a done
 * period nor forgets a due one. After downtime only the most recent due occurrence is caught up
 * (once, not once per missed tick), and never one whose period already has a successful run.
 */
import { Cron } from 'croner';
import { and, eq, sql } from 'drizzle-orm';
import type { Deps } from '../commands.js';
import type { Db } from '../db/connection.js';
import { guilds, jobRuns } from '../db/schema.js';
import type { GuildId, Platform } from '../events.js';
import type { GuildSchedule, JobDefinition } from './job.js';

/** A failed run is tried again for the same period after this long. */
const ERROR_RETRY_MS = 5 * 60_000;
/** A running row older than this is assumed dead (crash) and may be taken over. */
const RUN_LEASE_MS = 10 * 60_000;

/** The most recent occurrence of `schedule` at or before `now`, or null. */
export function lastDue(schedule: GuildSchedule, now: number): number | null {
  const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  // previousRuns is strict (< reference): nudge the reference so an occurrence exactly at `now` counts.
  const [previous] = cron.previousRuns(1, new Date(now + 1));
  if (!previous) return null;
  const at = previous.getTime();
  if (schedule.since !== undefined && at < schedule.since) return null;
  return at;
}

export interface SchedulerOptions {
  scanIntervalMs: number;
  /** How often the scheduler wakes to look for due work. */
  tickMs: number;
  now: () => number;
  /** Whether this process does the guild's work (its Discord shard is here); every guild by default. */
  owns?: (guild: { id: GuildId; platform: Platform }) => boolean;
}

/** Claim (job, guild, period) for this process; false when it ran already or is running elsewhere. */
export function claimRun(db: Db, job: string, guildId: GuildId, period: string, now: number): number | null {
  return db.transaction((tx) => {
    const existing = tx
      .select()
      .from(jobRuns)
      .where(and(eq(jobRuns.job, job), eq(jobRuns.guildId, guildId), eq(jobRuns.period, period)))
      .get();
    if (!existing) {
      const row = tx
        .insert(jobRuns)
        .values({ job, guildId, period, startedAt: now, outcome: 'running', leaseUntil: now + RUN_LEASE_MS })
        .returning({ id: jobRuns.id })
        .get();
      return row.id;
    }
    const retryable =
      (existing.outcome === 'error' && existing.startedAt + ERROR_RETRY_MS <= now) ||
      (existing.outcome === 'running' && (existing.leaseUntil ?? 0) <= now);
    if (!retryable) return null;
    tx.update(jobRuns)
      .set({ startedAt: now, outcome: 'running', finishedAt: null, leaseUntil: now + RUN_LEASE_MS })
      .where(eq(jobRuns.id, existing.id))
      .run();
    return existing.id;
  });
}

function finishRun(db: Db, id: number, now: number, outcome: 'ok' | 'error', detail: string | null): void {
  db.update(jobRuns).set({ outcome, finishedAt: now, leaseUntil: null, detail }).where(eq(jobRuns.id, id)).run();
}

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly jobs: readonly JobDefinition[],
    readonly options: SchedulerOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.ticking = this.tick(this.options.now()).finally(() => {
        this.ticking = null;
      });
    };
    loop();
    this.timer = setInterval(loop, this.options.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** Run everything due at `now` for every guild this process owns. Tests call this with a chosen clock. */
  async tick(now: number): Promise<void> {
    const owns = this.options.owns ?? (() => true);
    const guildIds = this.deps.db
      .select({ id: guilds.id, platform: guilds.platform })
      .from(guilds)
      .all()
      .map((g) => ({ id: g.id as GuildId, platform: g.platform }))
      .filter(owns)
      .map((g) => g.id);
    for (const guildId of guildIds) {
      for (const job of this.jobs) {
        const period = this.periodFor(job, guildId, now);
        if (period === null) continue;
        await this.runOnce(job, guildId, period, now);
      }
    }
  }

  /** The period due now for this job and guild, or null when nothing is due. */
  private periodFor(job: JobDefinition, guildId: GuildId, now: number): string | null {
    if (job.schedule.kind === 'scan') return `scan-${Math.floor(now / this.options.scanIntervalMs)}`;
    const schedule = job.schedule.scheduleFor(this.deps, guildId);
    if (!schedule) return null;
    const due = lastDue(schedule, now);
    return due === null ? null : job.schedule.periodOf(due, schedule);
  }

  private async runOnce(job: JobDefinition, guildId: GuildId, period: string, now: number): Promise<void> {
    const runId = claimRun(this.deps.db, job.name, guildId, period, now);
    if (runId === null) return;
    try {
      await job.run(this.deps, guildId, period, now);
      finishRun(this.deps.db, runId, this.options.now(), 'ok', null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      finishRun(this.deps.db, runId, this.options.now(), 'error', message.slice(0, 500));
      this.deps.log.error({ err: error, job: job.name, guildId, period }, 'scheduled job failed');
    }
  }
}

/** Recent runs of a guild's jobs, newest first (for /convene status). */
export function recentRuns(db: Db, guildId: GuildId, limit = 10) {
  return db
    .select()
    .from(jobRuns)
    .where(eq(jobRuns.guildId, guildId))
    .orderBy(sql`${jobRuns.startedAt} DESC`)
    .limit(limit)
    .all();
}
