/**
 * Queries for forums connected by command (src/db/schema/forums.ts), on either engine. Sealed values
 * stay sealed here.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { forums } from '../../db/schema.js';

export type ForumRow = typeof forums.$inferSelect;

export async function forumOfGuild(db: Database, guildId: string): Promise<ForumRow | undefined> {
  const { forums } = db.tables;
  const [row] = await db.select().from(forums).where(eq(forums.guildId, guildId)).limit(1);
  return row;
}

export async function forumById(db: Database, id: string): Promise<ForumRow | undefined> {
  const { forums } = db.tables;
  const [row] = await db.select().from(forums).where(eq(forums.id, id)).limit(1);
  return row;
}

/** The forum this member connected in this guild, if any (their data export). */
export async function forumConnectedBy(db: Database, guildId: string, memberId: string): Promise<ForumRow | undefined> {
  const { forums } = db.tables;
  const [row] = await db
    .select()
    .from(forums)
    .where(and(eq(forums.guildId, guildId), eq(forums.connectedBy, memberId)))
    .limit(1);
  return row;
}

export async function forumByForumGuild(db: Database, forumGuildId: string): Promise<ForumRow | undefined> {
  const { forums } = db.tables;
  const [row] = await db.select().from(forums).where(eq(forums.forumGuildId, forumGuildId)).limit(1);
  return row;
}

export async function allForums(db: Database): Promise<ForumRow[]> {
  const { forums } = db.tables;
  return db.select().from(forums);
}

export async function insertForum(db: Database, row: Omit<ForumRow, 'revision'>): Promise<void> {
  const { forums } = db.tables;
  await db.insert(forums).values(row);
}

/** New settings for a stored forum; the revision moves so cached clients are rebuilt. */
export async function updateForum(
  db: Database,
  id: string,
  set: Partial<Pick<ForumRow, 'url' | 'title' | 'apiUsername' | 'apiKeySealed' | 'webhookSecretSealed'>>,
): Promise<void> {
  const { forums } = db.tables;
  await db
    .update(forums)
    .set({ ...set, revision: sql`${forums.revision} + 1` })
    .where(eq(forums.id, id));
}

export async function deleteForum(db: Database, id: string): Promise<void> {
  const { forums } = db.tables;
  await db.delete(forums).where(eq(forums.id, id));
}

/**
 * Erasure of the moderator who connected a forum: the forum stays (it is the community's, and keeps
 * its key, secret and webhook path), only who connected it goes ('' as for an erased member's names).
 */
export async function forgetConnector(tx: Database, guildId: string, memberId: string): Promise<void> {
  const { forums } = tx.tables;
  await tx
    .update(forums)
    .set({ connectedBy: '' })
    .where(and(eq(forums.guildId, guildId), eq(forums.connectedBy, memberId)));
}
