/** Queries for forums connected by command (src/db/schema/forums.ts). Sealed values stay sealed here. */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { forums } from '../../db/schema.js';

export type ForumRow = typeof forums.$inferSelect;

export function forumOfGuild(db: Db, guildId: string): ForumRow | undefined {
  return db.select().from(forums).where(eq(forums.guildId, guildId)).get();
}

export function forumById(db: Db, id: string): ForumRow | undefined {
  return db.select().from(forums).where(eq(forums.id, id)).get();
}

/** The forum this member connected in this guild, if any (their data export). */
export function forumConnectedBy(db: Db, guildId: string, memberId: string): ForumRow | undefined {
  return db
    .select()
    .from(forums)
    .where(and(eq(forums.guildId, guildId), eq(forums.connectedBy, memberId)))
    .get();
}

export function forumByForumGuild(db: Db, forumGuildId: string): ForumRow | undefined {
  return db.select().from(forums).where(eq(forums.forumGuildId, forumGuildId)).get();
}

export function allForums(db: Db): ForumRow[] {
  return db.select().from(forums).all();
}

export function insertForum(db: Db, row: Omit<ForumRow, 'revision'>): void {
  db.insert(forums).values(row).run();
}

/** New settings for a stored forum; the revision moves so cached clients are rebuilt. */
export function updateForum(
  db: Db,
  id: string,
  set: Partial<Pick<ForumRow, 'url' | 'title' | 'apiUsername' | 'apiKeySealed' | 'webhookSecretSealed'>>,
): void {
  db.update(forums)
    .set({ ...set, revision: sql`${forums.revision} + 1` })
    .where(eq(forums.id, id))
    .run();
}

export function deleteForum(db: Db, id: string): void {
  db.delete(forums).where(eq(forums.id, id)).run();
}

/**
 * Erasure of the moderator who connected a forum: the forum stays (it is the community's, and keeps
 * its key, secret and webhook path), only who connected it goes ('' as for an erased member's names).
 */
export function forgetConnector(db: Db, guildId: string, memberId: string): void {
  db.update(forums)
    .set({ connectedBy: '' })
    .where(and(eq(forums.guildId, guildId), eq(forums.connectedBy, memberId)))
    .run();
}
