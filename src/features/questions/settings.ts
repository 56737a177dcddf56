/** The questions section of a guild's settings (validated on import, defaults when absent). */
import { z } from 'zod';

const MINUTE = 1;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const questionsSettings = z
  .object({
    /** Detect questions, nudge peers and escalate. Off: nothing is detected or sent. */
    enabled: z.boolean().default(true),
    /**
     * Detect in forum channels and in text channels named like help/support/question(s)/ask/q-and-a
     * unless `channels` says otherwise. Off after a moderator lists the watched channels.
     */
    auto: z.boolean().default(true),
    /** Per top-level channel id: true = watched, false = never (overrides `auto`). */
    channels: z.record(z.string().min(1).max(64), z.boolean()).default({}),
    /** Minutes without an answer before the one peer nudge. */
    afterMinutes: z
      .number()
      .int()
      .min(10 * MINUTE)
      .max(7 * DAY)
      .default(4 * HOUR),
    /** Minutes without an answer before the one escalation to helpers or moderators. */
    escalateMinutes: z
      .number()
      .int()
      .min(30 * MINUTE)
      .max(30 * DAY)
      .default(DAY),
    /** The role pinged by the escalation; null = the moderators. */
    helpersRoleId: z.string().min(1).max(64).nullable().default(null),
    /** At most this many questions get a peer nudge per hour in the whole server (a backlog never floods). */
    maxNudgesPerHour: z.number().int().min(0).max(60).default(6),
    /** At most this many escalations to helpers/moderators per 24 hours; the rest wait in /unanswered and the digest. */
    maxEscalationsPerDay: z.number().int().min(0).max(50).default(3),
  })
  .strict()
  .refine((s) => s.escalateMinutes > s.afterMinutes, {
    message: 'escalate must be later than after',
    path: ['escalateMinutes'],
  })
  .prefault({});

export type QuestionsSettings = z.infer<typeof questionsSettings>;
