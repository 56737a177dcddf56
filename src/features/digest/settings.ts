/** The digest section of a guild's settings (validated on import, defaults when absent). */
import { z } from 'zod';
import { WEEKDAYS } from './calendar.js';
import { GOAL_METRICS } from './goals.js';

// Not imported from guildSettings.ts: that module imports this one, and the cycle would leave the
// schema undefined while it is being built.
const isTimezone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    // Intl throws RangeError for an unknown zone: that is the answer, not an error to report.
    return false;
  }
};

export const DIGEST_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const goalSchema = z.object({
  metric: z.enum(GOAL_METRICS),
  /** Shares as fractions (0.7), times in ms, counts per week. */
  target: z.number().min(0),
  setAt: z.number().int().optional(),
});

export const digestSettings = z
  .object({
    /** Where the weekly digest is posted; null = the digest is off. */
    channelId: z.string().nullable().default(null),
    day: z.enum(WEEKDAYS).default('monday'),
    /** Local time "HH:MM" (24 h). */
    time: z.string().regex(DIGEST_TIME, 'expected a time such as 09:00').default('09:00'),
    /** null: the guild's timezone (core.timezone). */
    timezone: z.string().refine(isTimezone, 'expected an IANA timezone such as Europe/Berlin').nullable().default(null),
    /** When the schedule was last set (epoch ms): the scheduler never catches up a run due before it. */
    scheduledSince: z.number().int().nullable().default(null),
    /** Measurable goals tied to the community's why (/convene goals set), one per metric. */
    goals: z.array(goalSchema).max(GOAL_METRICS.length).default([]),
  })
  .prefault({});

export type DigestSettings = z.infer<typeof digestSettings>;
export type Goal = z.infer<typeof goalSchema>;
