/**
 * Questions: what was asked where and by whom (terms, not text), when it was first answered and by
 * whom, whether it was solved, and how far its nudges went; who responded; every nudge sent.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const questions = sqliteTable(
  'questions',
  {
    guildId: text('guild_id').notNull(),
    /** The thread id (forum post, Discourse topic) or the message id (question in a text channel). */
    questionId: text('question_id').notNull(),
    /** Where it lives: the thread, or the text channel the message is in. */
    channelId: text('channel_id').notNull(),
    /** The top-level channel (forum channel, text channel, Discourse category). */
    parentChannelId: text('parent_channel_id').notNull(),
    askerId: text('asker_id').notNull(),
    askedAt: integer('asked_at').notNull(),
    /**
     * What the question is called where it is listed or nudged: a thread's name, or for a message in
     * a help channel its first line as plain text (kept short; erased with the asker's data). Null on
     * rows stored before titles were kept, and for askers whose profiling is off: derived on read.
     */
    title: text('title'),
    /** Distinct terms of the title and opening post (space separated), not the text. */
    terms: text('terms').notNull().default(''),
    /** Whether the opening post's terms are in (a forum thread is known by its name first). */
    hasBody: integer('has_body', { mode: 'boolean' }).notNull().default(false),
    /** Members mentioned in the opening post: already asked, so never nudged for it. */
    mentionIds: text('mention_ids', { mode: 'json' }).$type<string[]>().notNull().default([]),
    firstResponseAt: integer('first_response_at'),
    firstResponderId: text('first_responder_id'),
    answered: integer('answered', { mode: 'boolean' }).notNull().default(false),
    solvedAt: integer('solved_at'),
    /** reaction | command | tag | accepted */
    solvedVia: text('solved_via'),
    solvedById: text('solved_by_id'),
    acceptedMessageId: text('accepted_message_id'),
    acceptedAnswererId: text('accepted_answerer_id'),
    /** 0 = not nudged, 1 = peers nudged, 2 = escalated (nothing more after that). */
    nudgeStage: integer('nudge_stage').notNull().default(0),
    nudgedAt: integer('nudged_at'),
    escalatedAt: integer('escalated_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.questionId] }),
    index('questions_open').on(t.guildId, t.answered, t.askedAt),
    index('questions_asker').on(t.guildId, t.askerId),
  ],
);

/** Everyone other than the asker who replied to a question, with their first reply. */
export const questionResponses = sqliteTable(
  'question_responses',
  {
    guildId: text('guild_id').notNull(),
    questionId: text('question_id').notNull(),
    memberId: text('member_id').notNull(),
    messageId: text('message_id').notNull(),
    firstAt: integer('first_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.questionId, t.memberId] }),
    index('question_responses_member').on(t.guildId, t.memberId, t.firstAt),
  ],
);

/** One row per member (peer nudge) or role/member (escalation) pinged about a question. */
export const questionNudges = sqliteTable(
  'question_nudges',
  {
    guildId: text('guild_id').notNull(),
    questionId: text('question_id').notNull(),
    /** peer | escalation */
    stage: text('stage').notNull(),
    targetId: text('target_id').notNull(),
    /** member | role */
    targetKind: text('target_kind').notNull(),
    at: integer('at').notNull(),
    /** Why this peer (the router's reasons), for /privacy show and for tuning. */
    reasons: text('reasons', { mode: 'json' }).$type<unknown>(),
    /** Peer nudges: when the nudged member replied to the question, if within 24 h of the nudge (the feedback the fit learns from). */
    answeredAt: integer('answered_at'),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.questionId, t.stage, t.targetId] }),
    index('question_nudges_target').on(t.guildId, t.targetId, t.at),
    index('question_nudges_time').on(t.guildId, t.at),
  ],
);

/**
 * The router's weights fitted to this community's own history (features/questions/fit.ts), or null
 * weights while it has too little history (the shipped defaults apply). One row per guild.
 */
export const routerModels = sqliteTable('router_models', {
  guildId: text('guild_id').primaryKey(),
  /** Feature → weight; null: the shipped defaults. */
  weights: text('weights', { mode: 'json' }).$type<Record<string, number> | null>(),
  learner: text('learner').notNull(),
  /** Answered questions it learned from. */
  questions: integer('questions').notNull(),
  /** Validation MRR of the chosen learner and of every learner tried. */
  validation: text('validation', { mode: 'json' }).$type<unknown>().notNull(),
  /** Everything before this time was read; nothing after it. */
  historyUntil: integer('history_until').notNull(),
  fittedAt: integer('fitted_at').notNull(),
});
