/**
 * Core tables: tenants, members, channels, messages, reactions, outbox, job runs, audit log.
 * Every row of community data carries its guild id; every primary key starts with it.
 * Times are epoch milliseconds (integers) so queries stay portable to Postgres (bigint).
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const guilds = sqliteTable('guilds', {
  id: text('id').primaryKey(),
  platform: text('platform', { enum: ['discord', 'discourse'] }).notNull(),
  name: text('name').notNull(),
  /** Guild-level settings as JSON (validated by src/guildSettings.ts). */
  settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const members = sqliteTable(
  'members',
  {
    guildId: text('guild_id').notNull(),
    memberId: text('member_id').notNull(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    bot: integer('bot', { mode: 'boolean' }).notNull().default(false),
    moderator: integer('moderator', { mode: 'boolean' }).notNull().default(false),
    roles: text('roles', { mode: 'json' }).$type<string[]>().notNull().default([]),
    joinedAt: integer('joined_at'),
    leftAt: integer('left_at'),
    /** IANA timezone the member declared (null: infer from activity hours). */
    timezone: text('timezone'),
    /** Opted out of question nudges and newcomer nudges (/nudges off). */
    nudgesOff: integer('nudges_off', { mode: 'boolean' }).notNull().default(false),
    /** Set by /privacy delete: derive nothing new about this member. */
    profilingOff: integer('profiling_off', { mode: 'boolean' }).notNull().default(false),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.memberId] }), index('members_joined').on(t.guildId, t.joinedAt)],
);

export const channels = sqliteTable(
  'channels',
  {
    guildId: text('guild_id').notNull(),
    channelId: text('channel_id').notNull(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    parentId: text('parent_id'),
    topic: text('topic'),
    /** Threads: who opened it, its forum tags, archived flag. */
    ownerId: text('owner_id'),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default([]),
    archived: integer('archived', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.guildId, t.channelId] }), index('channels_parent').on(t.guildId, t.parentId)],
);

export const messages = sqliteTable(
  'messages',
  {
    guildId: text('guild_id').notNull(),
    messageId: text('message_id').notNull(),
    /** The channel it was posted in (a thread id for messages in threads). */
    channelId: text('channel_id').notNull(),
    /** The top-level channel (the thread's parent, or channelId itself). */
    parentChannelId: text('parent_channel_id').notNull(),
    authorId: text('author_id').notNull(),
    replyToId: text('reply_to_id'),
    mentionIds: text('mention_ids', { mode: 'json' }).$type<string[]>().notNull().default([]),
    createdAt: integer('created_at').notNull(),
    editedAt: integer('edited_at'),
    deletedAt: integer('deleted_at'),
    /** Derived keywords (space separated), not the text. */
    terms: text('terms').notNull().default(''),
    /** The raw text: only stored when the guild turned storeMessageText on. */
    content: text('content'),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.messageId] }),
    index('messages_time').on(t.guildId, t.createdAt),
    index('messages_author').on(t.guildId, t.authorId, t.createdAt),
    index('messages_channel').on(t.guildId, t.channelId, t.createdAt),
    index('messages_reply').on(t.guildId, t.replyToId),
  ],
);

export const reactions = sqliteTable(
  'reactions',
  {
    guildId: text('guild_id').notNull(),
    messageId: text('message_id').notNull(),
    memberId: text('member_id').notNull(),
    emoji: text('emoji').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.messageId, t.memberId, t.emoji] }),
    index('reactions_member').on(t.guildId, t.memberId),
  ],
);

/** Durable queue of outgoing Actions; `key` makes every decision idempotent. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    platform: text('platform', { enum: ['discord', 'discourse'] }).notNull(),
    guildId: text('guild_id').notNull(),
    key: text('key').notNull(),
    action: text('action', { mode: 'json' }).notNull(),
    status: text('status', { enum: ['pending', 'done', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Not before this time (backoff, rate limits). */
    notBefore: integer('not_before').notNull(),
    /** A sender holds the row until this time; an expired lease can be taken over (crash). */
    leaseUntil: integer('lease_until'),
    /** Which process holds the lease (src/lease.ts): only it may finish, renew or checkpoint the row. */
    leaseOwner: text('lease_owner'),
    lastError: text('last_error'),
    /** What the platform returned (message id, thread id), for follow-up actions. */
    result: text('result', { mode: 'json' }),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [uniqueIndex('outbox_key').on(t.key), index('outbox_due').on(t.platform, t.status, t.notBefore)],
);

/** One row per (job, guild, period): the scheduler's memory across restarts. */
export const jobRuns = sqliteTable(
  'job_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    job: text('job').notNull(),
    guildId: text('guild_id').notNull(),
    period: text('period').notNull(),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
    outcome: text('outcome', { enum: ['running', 'ok', 'error'] }).notNull(),
    detail: text('detail'),
    leaseUntil: integer('lease_until'),
    /** Which process runs it (src/lease.ts): only it may renew or finish the run. */
    leaseOwner: text('lease_owner'),
  },
  (t) => [
    uniqueIndex('job_runs_period').on(t.job, t.guildId, t.period),
    index('job_runs_recent').on(t.guildId, t.startedAt),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    guildId: text('guild_id').notNull(),
    /** The moderator (or 'system'); '' once they erased their data: what changed and when stays. */
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    before: text('before', { mode: 'json' }),
    after: text('after', { mode: 'json' }),
    at: integer('at').notNull(),
  },
  (t) => [index('audit_guild').on(t.guildId, t.at)],
);
