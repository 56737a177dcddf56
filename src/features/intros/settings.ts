/** The intros section of a guild's settings (validated on import, defaults when absent). */
import { z } from 'zod';

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

export const INTRO_WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export const INTRO_EVERY = ['1w', '2w', '4w'] as const;
export const INTRO_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const introsSettings = z
  .object({
    /** Rounds run on schedule only when on (/convene intros set turns it on, off turns it off). */
    enabled: z.boolean().default(false),
    /** Where private intro threads are opened; null = a DM to each member instead. */
    channelId: z.string().min(1).max(32).nullable().default(null),
    every: z.enum(INTRO_EVERY).default('1w'),
    day: z.enum(INTRO_WEEKDAYS).default('monday'),
    /** Local time "HH:MM" (24 h). */
    time: z.string().regex(INTRO_TIME, 'expected a time such as 10:00').default('10:00'),
    /** null: the guild's timezone (core.timezone). */
    timezone: z.string().refine(isTimezone, 'expected an IANA timezone such as Europe/Berlin').nullable().default(null),
    /** People per group (an odd member out joins a group, so 2 can mean a three now and then). */
    size: z.union([z.literal(2), z.literal(3)]).default(2),
    /** No pair is introduced again within this many rounds. */
    noRepeatRounds: z.number().int().min(0).max(52).default(6),
    /** "Did you meet?" this many days after an intro. */
    followUpDays: z.number().int().min(1).max(30).default(7),
    /** When the schedule was last set (rounds before it are never caught up). */
    since: z.number().int().nullable().default(null),
  })
  .strict()
  .prefault({});

export type IntrosSettings = z.infer<typeof introsSettings>;
