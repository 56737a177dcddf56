/**
 * The Discourse adapter's own rows: webhook keys already applied, the post-number index, usernames,
 * and the backfill cursor, on both engines, and what the sender reads. The mapping's lookups are in
 * mappingStore.ts.
 */
import { and, asc, desc, eq, gte, inArray } from 'drizzle-orm';
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { userMemberId } from './ids.js';
import type { IndexFacts } from './mapping.js';

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

/** Store post numbers and usernames (idempotent; a renamed user keeps one row per current name), in one transaction. */
export async function writeIndex(db: Database, guildId: GuildId, index: IndexFacts, now: number): Promise<void> {
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

/** Rows per IN list: far below SQLite's 32,766 bound variables and PostgreSQL's 65,535. */
const IN_CHUNK = 500;

/** `read` over `values` in chunks of IN_CHUNK, the answers concatenated (none for no values). */
export async function inChunks<V, R>(values: readonly V[], read: (chunk: V[]) => Promise<R[]>): Promise<R[]> {
  const rows: R[] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) rows.push(...(await read(values.slice(i, i + IN_CHUNK))));
  return rows;
}

export async function memberIdByUsername(
  db: Database,
  guildId: GuildId,
  username: string,
): Promise<MemberId | undefined> {
  const { discourseUsers } = db.tables;
  const [row] = await db
    .select({ userId: discourseUsers.userId })
    .from(discourseUsers)
    .where(and(eq(discourseUsers.guildId, guildId), eq(discourseUsers.usernameLower, username.toLowerCase())))
    .limit(1);
  return row ? userMemberId(row.userId) : undefined;
}

/**
 * The current usernames of members, by member id: our index first (kept from posts and users; the
 * latest name a member was indexed under), then the members table. Members known to neither are absent.
 */
export async function usernamesOf(
  db: Database,
  guildId: GuildId,
  memberIds: readonly string[],
): Promise<Map<string, string>> {
  const { discourseUsers, members } = db.tables;
  const ids = [...new Set(memberIds)];
  const names = new Map<string, string>();
  const indexed = await inChunks(ids, (chunk) =>
    db
      .select({ userId: discourseUsers.userId, username: discourseUsers.username })
      .from(discourseUsers)
      .where(and(eq(discourseUsers.guildId, guildId), inArray(discourseUsers.userId, chunk)))
      .orderBy(asc(discourseUsers.updatedAt)),
  );
  // Oldest first: the last name written for an id is the current one.
  for (const row of indexed) names.set(row.userId, row.username);
  const rest = ids.filter((id) => !names.has(id));
  const known = await inChunks(rest, (chunk) =>
    db
      .select({ memberId: members.memberId, username: members.username })
      .from(members)
      .where(and(eq(members.guildId, guildId), inArray(members.memberId, chunk))),
  );
  for (const row of known) names.set(row.memberId, row.username);
  return names;
}

/** The current username of a member (see usernamesOf); undefined when unknown. */
export async function usernameOf(db: Database, guildId: GuildId, memberId: string): Promise<string | undefined> {
  return (await usernamesOf(db, guildId, [memberId])).get(memberId);
}

/** The names of categories and the titles of topics as the forum last told us, by channel id (unknown ones absent). */
export async function channelNames(
  db: Database,
  guildId: GuildId,
  channelIds: readonly string[],
): Promise<Map<string, string>> {
  const { channels } = db.tables;
  const rows = await inChunks([...new Set(channelIds)], (chunk) =>
    db
      .select({ channelId: channels.channelId, name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, chunk))),
  );
  return new Map(rows.map((r) => [r.channelId, r.name]));
}

export async function postNumberOf(
  db: Database,
  guildId: GuildId,
  postId: string,
): Promise<{ topicId: string; postNumber: number } | undefined> {
  const { discoursePosts } = db.tables;
  const [row] = await db
    .select({ topicId: discoursePosts.topicId, postNumber: discoursePosts.postNumber })
    .from(discoursePosts)
    .where(and(eq(discoursePosts.guildId, guildId), eq(discoursePosts.postId, postId)))
    .limit(1);
  return row;
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

export async function readCursor(
  db: Database,
  guildId: GuildId,
): Promise<{ cursor: BackfillCursor; finishedAt: number | null } | null> {
  const { discourseBackfill } = db.tables;
  const [row] = await db.select().from(discourseBackfill).where(eq(discourseBackfill.guildId, guildId)).limit(1);
  if (!row) return null;
  return { cursor: { ...initialCursor(), ...(row.cursor as Partial<BackfillCursor>) }, finishedAt: row.finishedAt };
}

export async function saveCursor(db: Database, guildId: GuildId, cursor: BackfillCursor, now: number): Promise<void> {
  const { discourseBackfill } = db.tables;
  const finishedAt = cursor.phase === 'done' ? now : null;
  await db
    .insert(discourseBackfill)
    .values({ guildId, cursor: { ...cursor }, updatedAt: now, finishedAt })
    .onConflictDoUpdate({
      target: discourseBackfill.guildId,
      set: { cursor: { ...cursor }, updatedAt: now, finishedAt },
    });
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
