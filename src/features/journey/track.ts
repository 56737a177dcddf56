/**
 * The journey track as data: an ordered list of stages, each reached when its criteria hold.
 * Criteria are counts of event kinds (optionally over a window of recent weeks). The default track
 * works with zero configuration; moderators can change any part of it (validated by `trackSchema`).
 */
import { z } from 'zod';

/**
 * What a criterion counts. Every kind but `memberDays` is a count of the member's own events:
 * - message: any message they wrote
 * - introduction: a message in the introductions channel
 * - profile: they set up a profile (reported by another feature through recordProfileSet)
 * - question: they opened a thread/topic
 * - reply: a reply to someone else (in someone else's thread/topic, or a reply to their message)
 * - solved: an answer of theirs marked as solving/helpful (the asker's ✅/👍, or accepted)
 * - welcomedNewcomer: they were the first to reply to a newcomer's first post
 * - memberDays: days since they joined (time-based: the sweep notices it)
 */
export const COUNTER_KINDS = [
  'message',
  'introduction',
  'profile',
  'question',
  'reply',
  'solved',
  'welcomedNewcomer',
] as const;
export type CounterKind = (typeof COUNTER_KINDS)[number];
export const CRITERION_KINDS = [...COUNTER_KINDS, 'memberDays'] as const;
export type CriterionKind = (typeof CRITERION_KINDS)[number];

/** Windows are whole calendar weeks (Monday 00:00 UTC), so counters keep this many weekly buckets. */
export const MAX_WINDOW_WEEKS = 12;

export const criterionSchema = z
  .object({
    kind: z.enum(CRITERION_KINDS),
    atLeast: z.number().int().min(1).max(100_000),
    /** Count only the last N calendar weeks (this one included). Absent: all time. */
    withinWeeks: z.number().int().min(1).max(MAX_WINDOW_WEEKS).optional(),
    /** Count weeks with at least one such event instead of events ("active in 3 of the last 4 weeks"). */
    distinctWeeks: z.boolean().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.distinctWeeks && c.withinWeeks === undefined) {
      ctx.addIssue({ code: 'custom', path: ['withinWeeks'], message: 'distinctWeeks needs withinWeeks' });
    }
    if (c.distinctWeeks && c.withinWeeks !== undefined && c.atLeast > c.withinWeeks) {
      ctx.addIssue({ code: 'custom', path: ['atLeast'], message: 'cannot be active in more weeks than the window' });
    }
    if (c.kind === 'memberDays' && (c.withinWeeks !== undefined || c.distinctWeeks)) {
      ctx.addIssue({ code: 'custom', path: ['kind'], message: 'memberDays takes no window' });
    }
  });
export type Criterion = z.infer<typeof criterionSchema>;

export const stageSchema = z
  .object({
    /** Stable id (stored with each member's progress): lowercase letters, digits, dashes. */
    id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a lowercase id such as "helping"'),
    name: z.string().min(1).max(40),
    /** What reaching it means or unlocks, shown by /journey. */
    unlocks: z.string().max(200).default(''),
    /** 'all': every criterion must hold; 'any': one is enough. */
    match: z.enum(['all', 'any']).default('all'),
    criteria: z.array(criterionSchema).max(8).default([]),
    /** An optional stage can be passed by: the next stage may be reached without it. */
    optional: z.boolean().default(false),
    /** Role given on reaching the stage (platform role id), or null. */
    roleId: z.string().min(1).max(32).nullable().default(null),
  })
  .strict();
export type Stage = z.infer<typeof stageSchema>;

export const DEFAULT_TRACK = {
  stages: [
    { id: 'arrived', name: 'Arrived', unlocks: 'A welcome and this journey.', match: 'all', criteria: [] },
    {
      id: 'introduced',
      name: 'Introduced',
      unlocks: 'People here know who you are and what you work on.',
      match: 'any',
      criteria: [
        { kind: 'introduction', atLeast: 1 },
        { kind: 'profile', atLeast: 1 },
      ],
      optional: true,
    },
    {
      id: 'participating',
      name: 'Participating',
      unlocks: 'You are part of the conversation.',
      match: 'any',
      criteria: [{ kind: 'message', atLeast: 1 }],
    },
    {
      id: 'helping',
      name: 'Helping',
      unlocks: 'Your replies start counting toward Expert.',
      match: 'all',
      criteria: [{ kind: 'reply', atLeast: 1 }],
    },
    {
      id: 'regular',
      name: 'Regular',
      unlocks: 'People recognise you as a regular.',
      match: 'all',
      criteria: [{ kind: 'message', atLeast: 3, withinWeeks: 4, distinctWeeks: true }],
    },
    {
      id: 'expert',
      name: 'Expert',
      unlocks: 'Askers are pointed your way for questions you know about.',
      match: 'all',
      criteria: [{ kind: 'solved', atLeast: 5 }],
    },
    {
      id: 'convener',
      name: 'Convener',
      unlocks: 'You help newcomers find their place — the heart of this community.',
      match: 'all',
      criteria: [{ kind: 'welcomedNewcomer', atLeast: 3 }],
    },
  ],
  removePreviousRole: false,
} as const;

export const trackSchema = z
  .object({
    stages: z.array(stageSchema).min(2).max(12),
    /** On reaching a stage, take away the previous stage's role (one journey role at a time). */
    removePreviousRole: z.boolean().default(false),
  })
  .strict()
  .superRefine((track, ctx) => {
    const seen = new Set<string>();
    track.stages.forEach((stage, i) => {
      if (seen.has(stage.id)) {
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'id'], message: `duplicate stage id "${stage.id}"` });
      }
      seen.add(stage.id);
    });
    const first = track.stages[0];
    if (first && (first.criteria.length > 0 || first.optional)) {
      ctx.addIssue({
        code: 'custom',
        path: ['stages', 0, 'criteria'],
        message: 'the first stage is where every member starts: it takes no criteria',
      });
    }
    const last = track.stages.at(-1);
    if (last?.optional) {
      ctx.addIssue({
        code: 'custom',
        path: ['stages', track.stages.length - 1, 'optional'],
        message: 'the last stage cannot be optional',
      });
    }
  });
export type Track = z.infer<typeof trackSchema>;

/** A fresh copy of the default track, parsed (so every default is filled in). */
export const defaultTrack = (): Track => trackSchema.parse(structuredClone(DEFAULT_TRACK));

export const stageIndex = (track: Track, stageId: string | null): number =>
  stageId === null ? -1 : track.stages.findIndex((s) => s.id === stageId);

/** Whether a criterion changes with time alone (the sweep must look at it; events cannot). */
export const isTimeBased = (c: Criterion): boolean => c.kind === 'memberDays';
