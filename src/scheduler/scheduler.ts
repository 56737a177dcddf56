/**
 * One scheduler for every recurring job. Each (job, guild, period) runs at most once: the period is
 * recorded in job_runs before the work starts (with a lease), so a restart neither repeats a done
 * period nor forgets a due one. After downtime only the most recent due occurrence is caught up
 * (once, not once per missed tick), and never one whose period already has a successful run.
 * The claims (claimRun, renewRun, finishRun) run on both engines (src/db/database.ts), each one
 * conditional statement: no transaction, so nothing of the app's synchronous SQLite code can land
 * inside one while it awaits.
 */
import { Cron } from 'croner';
import { and, desc, eq, isNull, lte, or } from 'drizzle-orm';
import { type Deps, databaseOf } from '../commands.js';
import type { Database } from '../db/database.js';
import type { GuildId, Platform } from '../events.js';
import { PROCESS_OWNER } from '../lease.js';
import type { GuildSchedule, JobDefinition } from './job.js';

/** A failed run is tried again for the same period after this long. */
const ERROR_RETRY_MS = 5 * 60_000;
/**
 * A running run whose lease is older than this is assumed dead (crash) and may be taken over. The
 * process running it renews the lease every third of it, so a slow job that is alive keeps it.
 */
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
  /** Who this scheduler claims runs as (src/lease.ts); one token per process. */
  owner?: string;
  /** How long a claimed run is held without a renewal (default 10 minutes). */
  runLeaseMs?: number;
  /** Whether this process does the guild's work (its Discord shard is here); every guild by default. */
  owns?: (guild: { id: GuildId; platform: Platform }) => boolean;
  /** Where the guilds are read and the runs claimed (default: the deps' store). */
  database?: Database;
  /**
   * Whether the guild's work waits for now: its history is still being read after a restart or a
   * gap, and a run now would decide from part of it. It runs at the first tick after (none by default).
   */
  waits?: (guildId: GuildId) => boolean;
}

/**
 * Claim (job, guild, period) for `owner`; the run's id, or null when it ran already or runs elsewhere.
 * One statement: the insert takes a new period, and on conflict the row is taken over only when the
 * condition holds on its newest version (a failed run old enough to retry, or a running one whose
 * lease ended: its process died). No read-then-write transaction, so no SQLITE_BUSY between
 * processes on one SQLite file, and no double claim under Postgres READ COMMITTED.
 */
export async function claimRun(
  db: Database,
  job: string,
  guildId: GuildId,
  period: string,
  now: number,
  owner: string,
  leaseMs = RUN_LEASE_MS,
): Promise<number | null> {
  const { jobRuns } = db.tables;
  const [row] = await db
    .insert(jobRuns)
    .values({ job, guildId, period, startedAt: now, outcome: 'running', leaseUntil: now + leaseMs, leaseOwner: owner })
    .onConflictDoUpdate({
      target: [jobRuns.job, jobRuns.guildId, jobRuns.period],
      set: { startedAt: now, outcome: 'running', finishedAt: null, leaseUntil: now + leaseMs, leaseOwner: owner },
      setWhere: or(
        and(eq(jobRuns.outcome, 'error'), lte(jobRuns.startedAt, now - ERROR_RETRY_MS)),
        and(eq(jobRuns.outcome, 'running'), or(isNull(jobRuns.leaseUntil), lte(jobRuns.leaseUntil, now))),
      ),
    })
    .returning({ id: jobRuns.id });
  return row?.id ?? null;
}

/** A running run still held by `owner`. */
function runHeldBy(db: Database, id: number, owner: string) {
  const { jobRuns } = db.tables;
  return and(eq(jobRuns.id, id), eq(jobRuns.outcome, 'running'), eq(jobRuns.leaseOwner, owner));
}

/** Record how a run ended. False when `owner` no longer held it (another process took it over). */
export async function finishRun(
  db: Database,
  id: number,
  owner: string,
  now: number,
  outcome: 'ok' | 'error',
  detail: string | null,
): Promise<boolean> {
  const { jobRuns } = db.tables;
  const rows = await db
    .update(jobRuns)
    .set({ outcome, finishedAt: now, leaseUntil: null, detail })
    .where(runHeldBy(db, id, owner))
    .returning({ id: jobRuns.id });
  return rows.length > 0;
}

/** Extend a run's lease while its job works (heartbeat). False when `owner` no longer holds it. */
export async function renewRun(db: Database, id: number, owner: string, leaseUntil: number): Promise<boolean> {
  const { jobRuns } = db.tables;
  const rows = await db
    .update(jobRuns)
    .set({ leaseUntil })
    .where(runHeldBy(db, id, owner))
    .returning({ id: jobRuns.id });
  return rows.length > 0;
}

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly database: Database;

  constructor(
    private readonly deps: Deps,
    private readonly jobs: readonly JobDefinition[],
    readonly options: SchedulerOptions,
  ) {
    this.database = options.database ?? databaseOf(deps);
  }

  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.ticking = this.tick(this.options.now())
        // A tick that failed (a busy or unreachable database) is tried again at the next one; a
        // rejection left unhandled here would end the process.
        .catch((error) => this.deps.log.error({ err: error }, 'scheduler tick failed; the next tick tries again'))
        .finally(() => {
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
    const waits = this.options.waits ?? (() => false);
    const { guilds } = this.database.tables;
    const guildIds = (await this.database.select({ id: guilds.id, platform: guilds.platform }).from(guilds))
      .map((g) => ({ id: g.id as GuildId, platform: g.platform }))
      .filter(owns)
      .map((g) => g.id)
      .filter((id) => !waits(id));
    for (const guildId of guildIds) {
      for (const job of this.jobs) {
        const period = await this.periodFor(job, guildId, now);
        if (period === null) continue;
        await this.runOnce(job, guildId, period, now);
      }
    }
  }

  /** The period due now for this job and guild, or null when nothing is due. */
  private async periodFor(job: JobDefinition, guildId: GuildId, now: number): Promise<string | null> {
    if (job.schedule.kind === 'scan') return `scan-${Math.floor(now / this.options.scanIntervalMs)}`;
    const schedule = await job.schedule.scheduleFor(this.deps, guildId);
    if (!schedule) return null;
    const due = lastDue(schedule, now);
    return due === null ? null : job.schedule.periodOf(due, schedule);
  }

  private async runOnce(job: JobDefinition, guildId: GuildId, period: string, now: number): Promise<void> {
    const { owner = PROCESS_OWNER, runLeaseMs = RUN_LEASE_MS } = this.options;
    const { log } = this.deps;
    const db = this.database;
    const runId = await claimRun(db, job.name, guildId, period, now, owner, runLeaseMs);
    if (runId === null) return;
    const where = { job: job.name, guildId, period, runId };
    const heartbeat = setInterval(
      () =>
        void renewRun(db, runId, owner, this.options.now() + runLeaseMs).then(
          (held) => {
            if (!held) log.warn(where, 'scheduled job: lease lost while running; another process may run it too');
          },
          // A busy database at one beat: the next one (a third of the lease later) tries again.
          (error) => log.warn({ ...where, err: error }, 'scheduled job: could not renew its lease'),
        ),
      Math.floor(runLeaseMs / 3),
    );
    let outcome: 'ok' | 'error' = 'ok';
    let detail: string | null = null;
    try {
      await job.run(this.deps, guildId, period, now);
    } catch (error) {
      outcome = 'error';
      detail = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      log.error({ ...where, err: error }, 'scheduled job failed');
    } finally {
      clearInterval(heartbeat);
    }
    if (await finishRun(db, runId, owner, this.options.now(), outcome, detail)) {
      log.debug({ ...where, outcome }, 'scheduled job finished');
    } else {
      log.warn({ ...where, outcome }, 'scheduled job: its run was taken over before it finished; not recorded');
    }
  }
}

/** Recent runs of a guild's jobs, newest first (for /convene status). */
export async function recentRuns(db: Database, guildId: GuildId, limit = 10) {
  const { jobRuns } = db.tables;
  return db.select().from(jobRuns).where(eq(jobRuns.guildId, guildId)).orderBy(desc(jobRuns.startedAt)).limit(limit);
}
