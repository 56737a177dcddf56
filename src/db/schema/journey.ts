/**
 * Newcomer journey tables: one row of incremental state per member (stage, counters, welcome and
 * nudge bookkeeping), the milestones each member reached (for the funnel), and the answers credited
 * as solving/helpful (so one answer counts once however many ways it was marked).
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const journeyMembers = sqliteTable(
  'journey_members',
  {
    guildId: text('guild_id').notNull(),
    memberId: text('member_id').notNull(),
    /** Id of the highest stage reached (stages are milestones: they are never lost). */
    stage: text('stage').notNull(),
    stageAt: integer('stage_at').notNull(),
    /**
     * The join, when we saw it happen (a rejoin keeps the first): the start of the clock for the
     * funnel. Null for members who were here before the bot watched (no congratulations for them).
     */
    joinedAt: integer('joined_at'),
    /** Messages written (also inside `counters`; a column so the silent-newcomer query can use it). */
    messageCount: integer('message_count').notNull().default(0),
    /** Per-kind counts with recent weekly buckets (see evaluate.ts Counters), as JSON. */
    counters: text('counters', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    /** The member's first message, to credit whoever replies to it first (convener). */
    firstMessageId: text('first_message_id'),
    firstMessageChannelId: text('first_message_channel_id'),
    /** Whether the first message opened a thread/topic (then any reply in it answers it). */
    firstMessageOpensThread: integer('first_message_opens_thread', { mode: 'boolean' }).notNull().default(false),
    firstReplyBy: text('first_reply_by'),
    /** When we welcomed the member (null: never). Once set, never welcomed again. */
    welcomedAt: integer('welcomed_at'),
    /** Last message this feature sent to or about the member (one per hour at most). */
    lastContactAt: integer('last_contact_at'),
    /** A congratulation waiting for the hour to pass (merged: always the highest stage). */
    pendingStage: text('pending_stage'),
    pendingDueAt: integer('pending_due_at'),
    /** Stage at which the silent-newcomer nudge was sent (one per stage). */
    nudgedStage: text('nudged_stage'),
    nudgedAt: integer('nudged_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.memberId] }),
    index('journey_members_stage').on(t.guildId, t.stage),
    index('journey_members_joined').on(t.guildId, t.joinedAt),
    index('journey_members_pending').on(t.guildId, t.pendingDueAt),
  ],
);

export const journeyMilestones = sqliteTable(
  'journey_milestones',
  {
    guildId: text('guild_id').notNull(),
    memberId: text('member_id').notNull(),
    stage: text('stage').notNull(),
    /** Platform time of the event that completed the stage (or the sweep's clock). */
    reachedAt: integer('reached_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.memberId, t.stage] }),
    index('journey_milestones_reached').on(t.guildId, t.stage, t.reachedAt),
  ],
);

export const journeySolved = sqliteTable(
  'journey_solved',
  {
    guildId: text('guild_id').notNull(),
    /** The answer credited. */
    messageId: text('message_id').notNull(),
    /** Its author, who gets the credit. */
    memberId: text('member_id').notNull(),
    /** Who marked it (the asker's reaction, or whoever accepted it). */
    byMemberId: text('by_member_id').notNull(),
    via: text('via', { enum: ['reaction', 'accepted'] }).notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.messageId] }), index('journey_solved_member').on(t.guildId, t.memberId)],
);
