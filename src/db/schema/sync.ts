/**
 * How far each source of events is known to be stored, so a restart reads only what it missed:
 * one row per Discord channel or thread, one per Discourse forum ("topics"). A backfill advances
 * its row page by page (a crash resumes there); while the live stream is whole, a periodic
 * checkpoint advances it too.
 */
import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const syncCursors = sqliteTable(
  'sync_cursors',
  {
    guildId: text('guild_id').notNull(),
    /** A Discord channel or thread id; "topics" for a Discourse forum. */
    scope: text('scope').notNull(),
    /** Platform time (epoch ms) up to which everything is stored. */
    syncedAt: integer('synced_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.scope] })],
);

/**
 * The bot's own Discord messages of the last day with the nonce each was sent with (outbox row), as
 * the create response or the gateway's MESSAGE_CREATE showed them. Discord's message list carries no
 * nonce: before resending a row, the sender uses this to tell its message from an identical one of
 * another row (two digests posted a second apart). Pruned after a day.
 */
export const discordSent = sqliteTable(
  'discord_sent',
  {
    messageId: text('message_id').primaryKey(),
    channelId: text('channel_id').notNull(),
    nonce: text('nonce').notNull(),
    at: integer('at').notNull(),
  },
  // Pruned by age on every write.
  (t) => [index('discord_sent_at').on(t.at)],
);

/**
 * Interactions (slash commands, buttons, forms) a process took. Two processes given the same shard
 * (an environment mistake: DISCORD_SHARDS) both receive each interaction; only the one that records
 * it here runs it, else a command would run twice (two webhook secrets made, the one shown not the
 * one kept). Pruned after an hour (Discord: an interaction can be answered for 15 minutes).
 */
export const discordInteractions = sqliteTable(
  'discord_interactions',
  {
    interactionId: text('interaction_id').primaryKey(),
    /** The process that took it (lease.ts PROCESS_OWNER). */
    owner: text('owner').notNull(),
    at: integer('at').notNull(),
  },
  // Pruned by age on every claim.
  (t) => [index('discord_interactions_at').on(t.at)],
);
