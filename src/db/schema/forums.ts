/**
 * Discourse forums connected by a moderator's command (/convene forum connect), one per Discord
 * guild and one guild per forum. The API key and the webhook secret are sealed with
 * CONVENE_SECRET_KEY (src/secrets/secretBox.ts): this table never holds them in clear.
 * The forum configured by the environment (DISCOURSE_URL…) is not stored here.
 */
import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const forums = sqliteTable(
  'forums',
  {
    /** Random, url-safe: the forum's webhook path is /webhooks/discourse/<id>. */
    id: text('id').primaryKey(),
    /** The Discord guild whose moderator connected it. */
    guildId: text('guild_id').notNull(),
    /** The forum as a guild ("discourse:<host>"). */
    forumGuildId: text('forum_guild_id').notNull(),
    url: text('url').notNull(),
    /** The forum's site title when it was connected. */
    title: text('title').notNull(),
    apiUsername: text('api_username').notNull(),
    /** Sealed (AES-256-GCM), never the key itself. */
    apiKeySealed: text('api_key_sealed').notNull(),
    /** Sealed (AES-256-GCM), never the secret itself. */
    webhookSecretSealed: text('webhook_secret_sealed').notNull(),
    /** The moderator who connected it; '' once they erased their data (the forum stays the community's). */
    connectedBy: text('connected_by').notNull(),
    connectedAt: integer('connected_at').notNull(),
    /** Bumped by every change of the settings or the secret: cached clients and checks are rebuilt. */
    revision: integer('revision').notNull().default(1),
  },
  (t) => [uniqueIndex('forums_guild').on(t.guildId), uniqueIndex('forums_forum_guild').on(t.forumGuildId)],
);
