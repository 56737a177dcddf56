/**
 * Discourse adapter tables: webhook de-duplication, the post-number index a forum needs to resolve
 * replies, usernames (mentions and PMs address people by username), and the backfill cursor.
 * Every row carries the guild id (`discourse:<host>`) and every primary key starts with it.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Webhook deliveries already applied, keyed by event name + the object's own id and version
 * (Discourse gives a redelivery a new X-Discourse-Event-Id, so the delivery id cannot be the key).
 */
export const discourseWebhookKeys = sqliteTable(
  'discourse_webhook_keys',
  {
    guildId: text('guild_id').notNull(),
    key: text('key').notNull(),
    event: text('event').notNull(),
    seenAt: integer('seen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.key] }), index('discourse_webhook_keys_seen').on(t.guildId, t.seenAt)],
);

/** Post id ↔ (topic, post number): Discourse replies name a post number, our messages a post id. */
export const discoursePosts = sqliteTable(
  'discourse_posts',
  {
    guildId: text('guild_id').notNull(),
    postId: text('post_id').notNull(),
    topicId: text('topic_id').notNull(),
    postNumber: integer('post_number').notNull(),
    userId: text('user_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.postId] }),
    uniqueIndex('discourse_posts_number').on(t.guildId, t.topicId, t.postNumber),
  ],
);

/** Lower-cased username → user id, for @mentions in posts and for commands naming a member. */
export const discourseUsers = sqliteTable(
  'discourse_users',
  {
    guildId: text('guild_id').notNull(),
    usernameLower: text('username_lower').notNull(),
    /** As the member spelled it (Discourse matches usernames case-insensitively, people read them as typed). */
    username: text('username').notNull(),
    userId: text('user_id').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.usernameLower] }), index('discourse_users_id').on(t.guildId, t.userId)],
);

/** Where `npm run backfill:discourse` stopped, so a second run resumes instead of starting over. */
export const discourseBackfill = sqliteTable('discourse_backfill', {
  guildId: text('guild_id').primaryKey(),
  cursor: text('cursor', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  updatedAt: integer('updated_at').notNull(),
  finishedAt: integer('finished_at'),
});
