/** The weekly digest as a scheduled job: one run per guild and ISO week, at the guild's day and time. */
import { databaseOf } from '../../commands.js';
import { readSettings } from '../../guildSettings.js';
import type { JobDefinition } from '../../scheduler/job.js';
import { isoWeek } from './calendar.js';
import { digestSources } from './registry.js';
import { postScheduledDigest, scheduleOf } from './service.js';

export const digestWeeklyJob: JobDefinition = {
  name: 'digest.weekly',
  schedule: {
    kind: 'guild',
    // Off (null) until a channel is set; Monday 09:00 in the guild's timezone unless changed.
    scheduleFor: async (deps, guildId) => scheduleOf(await readSettings(databaseOf(deps), guildId)),
    // The ISO week of the due time as the guild sees it: the period of the outbox key digest:<guild>:<week>.
    periodOf: (dueAt, schedule) => isoWeek(dueAt, schedule.timezone),
  },
  async run(deps, guildId, period, now) {
    await postScheduledDigest(deps, guildId, period, now, await digestSources());
  },
};

export const digestJobs: JobDefinition[] = [digestWeeklyJob];
