/**
 * Account links: one person's Discord member and Discourse user, tied by a one-time code the bot
 * sent by Discourse private message. A row is pending until the code is confirmed (linkedAt set).
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const accountLinks = sqliteTable(
  'account_links',
  {
    /** The Discord guild where /link was run. */
    guildId: text('guild_id').notNull(),
    /** The Discord member. */
    memberId: text('member_id').notNull(),
    /** The Discourse forum ("discourse:<host>"). */
    otherGuildId: text('other_guild_id').notNull(),
    /** The Discourse user (member id on the forum). */
    otherMemberId: text('other_member_id').notNull(),
    /** SHA-256 of the one-time code while pending; null once linked. */
    codeHash: text('code_hash'),
    codeExpiresAt: integer('code_expires_at'),
    /** Wrong codes tried for this request (the request is dropped after a few). */
    attempts: integer('attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    linkedAt: integer('linked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.guildId, t.memberId] }),
    index('account_links_other').on(t.otherGuildId, t.otherMemberId),
  ],
);

/**
 * One community on two platforms: a Discord guild paired with the Discourse forum by a moderator
 * (/convene forum connect). One forum pairs with one Discord guild at a time. While the pair holds,
 * linked members are one person (journey, expertise, profile) and intros and the digest span both.
 */
export const communityPairs = sqliteTable(
  'community_pairs',
  {
    /** The Discord guild. */
    guildId: text('guild_id').primaryKey(),
    /** The forum ("discourse:<host>"). */
    forumGuildId: text('forum_guild_id').notNull(),
    /** The moderator who paired them; '' once they erased their data (the pair stays). */
    pairedBy: text('paired_by').notNull(),
    pairedAt: integer('paired_at').notNull(),
  },
  (t) => [uniqueIndex('community_pairs_forum').on(t.forumGuildId)],
);

/**
 * Link requests and wrong codes of the last day, for the limits in features/links/limits.ts: a code
 * PM is a message to someone who did not ask for it, and a code is six digits, so both are counted
 * per requester and per forum account across requests. Rows older than a day are pruned on write.
 */
export const linkAttempts = sqliteTable(
  'link_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['request', 'wrong_code'] }).notNull(),
    /** The Discord guild and member who asked; null once that member erased their data. */
    guildId: text('guild_id'),
    memberId: text('member_id'),
    /** The forum and the forum account the code was for. */
    otherGuildId: text('other_guild_id').notNull(),
    otherMemberId: text('other_member_id').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [
    index('link_attempts_requester').on(t.guildId, t.memberId, t.at),
    index('link_attempts_target').on(t.otherGuildId, t.otherMemberId, t.at),
  ],
);
