/**
 * Introductions: who opted in (and out), profiles (declared + derived), the term index behind
 * `/meet`, rounds, the intros made (pair or group, reasons, the thread's outbox key) and feedback.
 * Every row carries its guild; every primary key starts with it; times are epoch ms.
 */
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Consent: a member is in the pool while joined_at is set and left_at is null. */
export const introsMembers = sqliteTable(
  'intros_members',
  {
    guildId: text('guild_id').notNull(),
    memberId: text('member_id').notNull(),
    joinedAt: integer('joined_at').notNull(),
    leftAt: integer('left_at'),
    /** "Skip me next round": rounds before this time leave the member out. */
    skipUntil: integer('skip_until'),
    updatedAt: integer('updated_at').notNull(),
  },
  // No (guild, left_at) index: SQLite would prefer it to the primary key for "these members, if
  // consenting" and scan every member of the guild (23 ms per /meet at 100k members).
  (t) => [primaryKey({ columns: [t.guildId, t.memberId] })],
);

/** What a member declared (/profile set) and what the bot derived (rebuilt by the profiles job). */
export const introsProfiles = sqliteTable(
  'intros_profiles',
  {
    guildId: text('guild_id').notNull(),
    memberId: text('member_id').notNull(),
    interests: text('interests', { mode: 'json' }).$type<string[]>().notNull().default([]),
    about: text('about').notNull().default(''),
    timezone: text('timezone'),
    /** The derived profile (serialized Profile without the declared part); null until built. */
    derived: text('derived', { mode: 'json' }).$type<Record<string, unknown> | null>(),
    /** Graph degree and partition at the last build (for hubs and bridges without the whole graph). */
    degree: integer('degree').notNull().default(0),
    community: integer('community'),
    builtAt: integer('built_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.memberId] })],
);

/** The inverted index for candidate generation: a member's strongest terms. */
export const introsTerms = sqliteTable(
  'intros_terms',
  {
    guildId: text('guild_id').notNull(),
    term: text('term').notNull(),
    memberId: text('member_id').notNull(),
    weight: real('weight').notNull(),
  },
  // Two b-trees, not three: the key serves erasing a member, the rank index serves /meet.
  (t) => [
    primaryKey({ columns: [t.guildId, t.memberId, t.term] }),
    index('intros_terms_rank').on(t.guildId, t.term, t.weight),
  ],
);

/** One row per guild: the last profile build (community-wide numbers the scorer needs). */
export const introsBuilds = sqliteTable('intros_builds', {
  guildId: text('guild_id').primaryKey(),
  builtAt: integer('built_at').notNull(),
  memberCount: integer('member_count').notNull(),
  hubDegree: integer('hub_degree').notNull(),
});

/** Accepted answers (answer.accepted events), for helpfulness. */
export const introsAccepted = sqliteTable(
  'intros_accepted',
  {
    guildId: text('guild_id').notNull(),
    threadId: text('thread_id').notNull(),
    messageId: text('message_id'),
    authorId: text('author_id'),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.threadId] })],
);

export const introsRounds = sqliteTable(
  'intros_rounds',
  {
    guildId: text('guild_id').notNull(),
    /** The scheduler's period (local date) or "manual-<time>" for /convene intros run-now. */
    roundId: text('round_id').notNull(),
    /** 1, 2, 3… per guild: "no pair repeated within 6 rounds" counts these. */
    seq: integer('seq').notNull(),
    startedAt: integer('started_at').notNull(),
    pool: integer('pool').notNull(),
    groups: integer('groups').notNull(),
    totalScore: real('total_score').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.roundId] }), index('intros_rounds_seq').on(t.guildId, t.seq)],
);

/** An introduction: a round's group or a /meet request, with its reasons and its thread. */
export const intros = sqliteTable(
  'intros',
  {
    guildId: text('guild_id').notNull(),
    introId: text('intro_id').notNull(),
    kind: text('kind', { enum: ['round', 'meet'] }).notNull(),
    roundId: text('round_id'),
    roundSeq: integer('round_seq'),
    groupIndex: integer('group_index'),
    /** Round: the group. Meet: [asker, invited]. */
    memberIds: text('member_ids', { mode: 'json' }).$type<string[]>().notNull(),
    reasons: text('reasons', { mode: 'json' }).$type<unknown[]>().notNull().default([]),
    score: real('score').notNull().default(0),
    /** asked → accepted | declined (meet); made (a round's group, or a meet once its thread is queued). */
    status: text('status', { enum: ['asked', 'declined', 'made'] }).notNull(),
    /** Outbox key of the thread (or DM) that introduces them: its result is the thread. */
    threadKey: text('thread_key'),
    createdAt: integer('created_at').notNull(),
    decidedAt: integer('decided_at'),
    /** "Did you meet?" is due at this time; followedUpAt once sent. */
    followUpAt: integer('follow_up_at'),
    followedUpAt: integer('followed_up_at'),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.introId] }),
    index('intros_created').on(t.guildId, t.createdAt),
    index('intros_follow_up').on(t.guildId, t.followedUpAt, t.followUpAt),
    index('intros_round').on(t.guildId, t.roundSeq),
  ],
);

/** Answers to "Did you meet?". */
export const introsFeedback = sqliteTable(
  'intros_feedback',
  {
    guildId: text('guild_id').notNull(),
    introId: text('intro_id').notNull(),
    memberId: text('member_id').notNull(),
    answer: text('answer', { enum: ['met', 'not_yet', 'skip'] }).notNull(),
    at: integer('at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.introId, t.memberId] }),
    index('intros_feedback_member').on(t.guildId, t.memberId),
  ],
);
