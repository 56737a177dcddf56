/**
 * The Discourse adapter's own rows: webhook keys already applied, the post-number index, usernames,
 * and the backfill cursor. Also the read-only lookups the mapping needs (MappingContext).
 */
import { and, asc, desc, eq, gte, inArray } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { type Database, transaction } from '../../db/database.js';
import { channels, discourseBackfill, discoursePosts, discourseUsers, members } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import { postMessageId, userMemberId } from './ids.js';
import type { IndexFacts, MappingContext } from './mapping.js';

export async function isKeySeen(db: Database, guildId: GuildId, key: string): Promise<boolean> {
  const { discourseWebhookKeys } = db.tables;
  const seen = await db
    .select({ key: discourseWebhookKeys.key })
    .from(discourseWebhookKeys)
    .where(and(eq(discourseWebhookKeys.guildId, guildId), eq(discourseWebhookKeys.key, key)))
    .limit(1);
  return seen.length > 0;
}

/** Remember a delivery as applied (and forget the keys it supersedes), in one transaction. */
export function recordKey(
  db: Database,
  guildId: GuildId,
  key: string,
  event: string,
  supersedes: readonly string[],
  now: number,
): Promise<void> {
  return transaction(db, async (tx) => {
    const { discourseWebhookKeys } = tx.tables;
    if (supersedes.length > 0) {
      await tx
        .delete(discourseWebhookKeys)
        .where(and(eq(discourseWebhookKeys.guildId, guildId), inArray(discourseWebhookKeys.key, [...supersedes])));
    }
    await tx.insert(discourseWebhookKeys).values({ guildId, key, event, seenAt: now }).onConflictDoNothing();
  });
}

/** Store post numbers and usernames (idempotent; a renamed user keeps one row per current name). */
export function writeIndex(db: Db, guildId: GuildId, index: IndexFacts, now: number): void {
  if (index.posts.length === 0 && index.users.length === 0) return;
  // Members who erased their data: their usernames are not indexed again.
  const ids = [...new Set(index.users.map((u) => String(u.userId)))];
  const erased = new Set(
    ids.length === 0
      ? []
      : db
          .select({ id: members.memberId })
          .from(members)
          .where(and(eq(members.guildId, guildId), eq(members.profilingOff, true), inArray(members.memberId, ids)))
          .all()
          .map((r) => r.id),
  );
  db.transaction((tx) => {
    for (const post of index.posts) {
      tx.insert(discoursePosts)
        .values({ guildId, ...post })
        .onConflictDoNothing()
        .run();
    }
    for (const user of index.users) {
      if (erased.has(String(user.userId))) continue;
      tx.insert(discourseUsers)
        .values({
          guildId,
          usernameLower: user.username.toLowerCase(),
          username: user.username,
          userId: user.userId,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [discourseUsers.guildId, discourseUsers.usernameLower],
          set: { username: user.username, userId: user.userId, updatedAt: now },
        })
        .run();
    }
  });
}

/** writeIndex on the async store (both engines), in one transaction. */
export async function writeIndexOn(db: Database, guildId: GuildId, index: IndexFacts, now: number): Promise<void> {
  if (index.posts.length === 0 && index.users.length === 0) return;
  await transaction(db, async (tx) => {
    const { members, discoursePosts, discourseUsers } = tx.tables;
    // Members who erased their data: their usernames are not indexed again.
    const ids = [...new Set(index.users.map((u) => String(u.userId)))];
    const erased = new Set(
      ids.length === 0
        ? []
        : (
            await tx
              .select({ id: members.memberId })
              .from(members)
              .where(and(eq(members.guildId, guildId), eq(members.profilingOff, true), inArray(members.memberId, ids)))
          ).map((r) => r.id),
    );
    // Chunks far below either engine's bound on parameters.
    for (let i = 0; i < index.posts.length; i += 500) {
      await tx
        .insert(discoursePosts)
        .values(index.posts.slice(i, i + 500).map((post) => ({ guildId, ...post })))
        .onConflictDoNothing();
    }
    // One statement per user: a batch naming one username twice (a rename) keeps the last, as before.
    for (const user of index.users) {
      if (erased.has(String(user.userId))) continue;
      await tx
        .insert(discourseUsers)
        .values({
          guildId,
          usernameLower: user.username.toLowerCase(),
          username: user.username,
          userId: user.userId,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [discourseUsers.guildId, discourseUsers.usernameLower],
          set: { username: user.username, userId: user.userId, updatedAt: now },
        });
    }
  });
}

export function memberIdByUsername(db: Db, guildId: GuildId, username: string): MemberId | undefined {
  const row = db
    .select({ userId: discourseUsers.userId })
    .from(discourseUsers)
    .where(and(eq(discourseUsers.guildId, guildId), eq(discourseUsers.usernameLower, username.toLowerCase())))
    .get();
  return row ? userMemberId(row.userId) : undefined;
}

/** The current username of a member: our index first (kept from posts and users), then the members table. */
export function usernameOf(db: Db, guildId: GuildId, memberId: string): string | undefined {
  const indexed = db
    .select({ username: discourseUsers.username })
    .from(discourseUsers)
    .where(and(eq(discourseUsers.guildId, guildId), eq(discourseUsers.userId, memberId)))
    .orderBy(asc(discourseUsers.updatedAt))
    .all()
    .at(-1);
  if (indexed) return indexed.username;
  return db
    .select({ username: members.username })
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .get()?.username;
}

/** The name of a category or the title of a topic as the forum last told us; undefined when unknown. */
export function channelName(db: Db, guildId: GuildId, channelId: string): string | undefined {
  return db
    .select({ name: channels.name })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), eq(channels.channelId, channelId)))
    .get()?.name;
}

export function postNumberOf(
  db: Db,
  guildId: GuildId,
  postId: string,
): { topicId: string; postNumber: number } | undefined {
  return db
    .select({ topicId: discoursePosts.topicId, postNumber: discoursePosts.postNumber })
    .from(discoursePosts)
    .where(and(eq(discoursePosts.guildId, guildId), eq(discoursePosts.postId, postId)))
    .get();
}

export function createMappingContext(db: Db, guildId: GuildId, botUsername: string): MappingContext {
  const channel = (channelId: string) =>
    db
      .select({ kind: channels.kind, ownerId: channels.ownerId })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), eq(channels.channelId, channelId)))
      .get();
  return {
    guildId,
    botUsername,
    memberIdByUsername: (name) => memberIdByUsername(db, guildId, name),
    postIdByNumber: (topicId, postNumber) => {
      const row = db
        .select({ postId: discoursePosts.postId })
        .from(discoursePosts)
        .where(
          and(
            eq(discoursePosts.guildId, guildId),
            eq(discoursePosts.topicId, topicId),
            eq(discoursePosts.postNumber, postNumber),
          ),
        )
        .get();
      return row ? postMessageId(row.postId) : undefined;
    },
    topicKnown: (topicId) => channel(topicId) !== undefined,
    categoryKnown: (channelId) => channel(channelId) !== undefined,
    topicOwner: (topicId) => {
      const owner = channel(topicId)?.ownerId;
      return owner ? userMemberId(owner) : undefined;
    },
    postsOfTopic: (topicId) =>
      db
        .select({ postId: discoursePosts.postId })
        .from(discoursePosts)
        .where(and(eq(discoursePosts.guildId, guildId), eq(discoursePosts.topicId, topicId)))
        .orderBy(asc(discoursePosts.postNumber))
        .all()
        .map((r) => postMessageId(r.postId)),
  };
}

// ---------------------------------------------------------------------------------------------
// Backfill cursor

export interface BackfillCursor {
  /** Phases done so far, in order: categories, users, topics. */
  phase: 'categories' | 'users' | 'topics' | 'done';
  /** Users: the next page of /admin/users/list/active.json to read. */
  usersPage: number;
  /** Topics: the page of /latest.json?order=created&ascending=true being read … */
  topicsPage: number;
  /** … and the last topic fully imported (created_at ms, id): topics up to it are skipped on resume. */
  lastTopic: { createdAt: number; id: number } | null;
  topicsDone: number;
  postsDone: number;
  usersDone: number;
}

export const initialCursor = (): BackfillCursor => ({
  phase: 'categories',
  usersPage: 0,
  topicsPage: 0,
  lastTopic: null,
  topicsDone: 0,
  postsDone: 0,
  usersDone: 0,
});

export function readCursor(db: Db, guildId: GuildId): { cursor: BackfillCursor; finishedAt: number | null } | null {
  const row = db.select().from(discourseBackfill).where(eq(discourseBackfill.guildId, guildId)).get();
  if (!row) return null;
  return { cursor: { ...initialCursor(), ...(row.cursor as Partial<BackfillCursor>) }, finishedAt: row.finishedAt };
}

export function saveCursor(db: Db, guildId: GuildId, cursor: BackfillCursor, now: number): void {
  const finishedAt = cursor.phase === 'done' ? now : null;
  db.insert(discourseBackfill)
    .values({ guildId, cursor: { ...cursor }, updatedAt: now, finishedAt })
    .onConflictDoUpdate({
      target: discourseBackfill.guildId,
      set: { cursor: { ...cursor }, updatedAt: now, finishedAt },
    })
    .run();
}

export function clearCursor(db: Db, guildId: GuildId): void {
  db.delete(discourseBackfill).where(eq(discourseBackfill.guildId, guildId)).run();
}

// ---------------------------------------------------------------------------------------------
// Catch-up: what we hold, to compare with what the forum says now

/** The posts of a topic we hold (deleted ones too), with when they were written and last edited. */
export async function heldPosts(
  db: Database,
  guildId: GuildId,
  topicId: string,
): Promise<{ postId: string; createdAt: number; editedAt: number | null; deleted: boolean }[]> {
  const { messages } = db.tables;
  const rows = await db
    .select({
      postId: messages.messageId,
      createdAt: messages.createdAt,
      editedAt: messages.editedAt,
      deletedAt: messages.deletedAt,
    })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), eq(messages.channelId, topicId)));
  return rows.map(({ deletedAt, ...post }) => ({ ...post, deleted: deletedAt !== null }));
}

/** Topics we hold a post of written at or after `since`. */
export async function topicsWithPostsSince(db: Database, guildId: GuildId, since: number): Promise<string[]> {
  const { messages } = db.tables;
  const rows = await db
    .selectDistinct({ topicId: messages.channelId })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), gte(messages.createdAt, since)));
  return rows.map((r) => r.topicId);
}

/** When the newest post we hold was written (a forum synced before catch-up cursors existed). */
export async function newestPostAt(db: Database, guildId: GuildId): Promise<number | undefined> {
  const { messages } = db.tables;
  const [newest] = await db
    .select({ at: messages.createdAt })
    .from(messages)
    .where(eq(messages.guildId, guildId))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return newest?.at;
}
