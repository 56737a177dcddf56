/**
 * Digest tables: weekly aggregates (so the 8-week trend reads eight rows, not eight weeks of
 * messages), the pulse and notes members send back, and who asked for a personal weekly DM.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One week of a guild's aggregates, computed once the week has settled (see store.ts). */
export const digestWeeks = sqliteTable(
  'digest_weeks',
  {
    guildId: text('guild_id').notNull(),
    startAt: integer('start_at').notNull(),
    endAt: integer('end_at').notNull(),
    computedAt: integer('computed_at').notNull(),
    /** WeekStats as JSON (numbers only: no names, no text). */
    stats: text('stats', { mode: 'json' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.startAt, t.endAt] })],
);

/**
 * "This week helped me" / "Not really", once per member and digest. `voter` is a hash of the
 * member, guild and period: anonymous to moderators and not linkable across weeks, yet a second
 * click replaces the first and the member's own answers can still be found for export and erase.
 */
export const digestPulse = sqliteTable(
  'digest_pulse',
  {
    guildId: text('guild_id').notNull(),
    period: text('period').notNull(),
    voter: text('voter').notNull(),
    answer: text('answer', { enum: ['yes', 'no'] }).notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.period, t.voter] })],
);

/** "Tell the moderators…": one anonymous note per member and digest (a second one replaces it). */
export const digestNotes = sqliteTable(
  'digest_notes',
  {
    guildId: text('guild_id').notNull(),
    period: text('period').notNull(),
    voter: text('voter').notNull(),
    text: text('text').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.period, t.voter] }), index('digest_notes_at').on(t.guildId, t.at)],
);

/** Members who asked for the personal weekly DM (/digest me on). */
export const digestSubscribers = sqliteTable(
  'digest_subscribers',
  {
    guildId: text('guild_id').notNull(),
    memberId: text('member_id').notNull(),
    since: integer('since').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.memberId] })],
);
