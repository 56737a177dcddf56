/**
 * Discord's identify limit, shared by every process of the bot: one IDENTIFY per 5 s per bucket
 * (shard id modulo max_concurrency). A process takes a bucket's turn by moving `next_at` forward in one
 * conditional statement; others wait until then (src/platforms/discord/identifyTurns.ts).
 */
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const identifyTurns = sqliteTable('identify_turns', {
  bucket: integer('bucket').primaryKey(),
  /** Epoch ms from which the bucket's next IDENTIFY may go. */
  nextAt: integer('next_at').notNull(),
  /** The process (src/lease.ts owner token) that took the last turn. */
  owner: text('owner').notNull(),
});
