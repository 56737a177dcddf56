/**
 * What a feature registers to run on a schedule. The scheduler (./scheduler.ts) records every run
 * in job_runs (job, guild, period) so a restart neither repeats a finished period nor forgets one.
 */
import type { Deps } from '../commands.js';
import type { GuildId } from '../events.js';

export interface GuildSchedule {
  /** Cron expression (5 fields) in the guild's timezone, e.g. "0 9 * * 1" for Monday 09:00. */
  cron: string;
  /** IANA timezone, e.g. "Europe/Berlin". */
  timezone: string;
  /** When this schedule was set (epoch ms): occurrences before it are never caught up. */
  since?: number;
}

export type JobSchedule =
  /** Every CONVENE_SCAN_INTERVAL, for every guild (nudge scans, journey sweeps). */
  | { kind: 'scan' }
  /** On a schedule each guild sets (digest, intro rounds); null = off for that guild. */
  | {
      kind: 'guild';
      scheduleFor(deps: Deps, guildId: GuildId): Promise<GuildSchedule | null>;
      periodOf(dueAt: number, schedule: GuildSchedule): string;
    };

export interface JobDefinition {
  /** Unique, stable (it is stored in job_runs): "questions.scan", "digest.weekly". */
  name: string;
  schedule: JobSchedule;
  /** Do the work for one guild and period. `now` is the scheduler's clock, not Date.now(). */
  run(deps: Deps, guildId: GuildId, period: string, now: number): Promise<void> | void;
}
