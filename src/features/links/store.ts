/** Queries for account links (src/db/schema/links.ts). */
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { accountLinks, members } from '../../db/schema.js';

export type LinkRow = typeof accountLinks.$inferSelect;

export function linkOf(db: Db, guildId: string, memberId: string): LinkRow | undefined {
  return db
    .select()
    .from(accountLinks)
    .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
    .get();
}

/** The confirmed link that already holds this forum user, if any. */
export function linkedToForumUser(db: Db, otherGuildId: string, otherMemberId: string): LinkRow | undefined {
  return db
    .select()
    .from(accountLinks)
    .where(
      and(
        eq(accountLinks.otherGuildId, otherGuildId),
        eq(accountLinks.otherMemberId, otherMemberId),
        isNotNull(accountLinks.linkedAt),
      ),
    )
    .get();
}

/** Confirmed links of a forum: who is who on the other platform. */
export function confirmedLinksOfForum(db: Db, otherGuildId: string): LinkRow[] {
  return db
    .select()
    .from(accountLinks)
    .where(and(eq(accountLinks.otherGuildId, otherGuildId), isNotNull(accountLinks.linkedAt)))
    .all();
}

export function forumMemberByUsername(
  db: Db,
  forumGuildId: string,
  username: string,
): { memberId: string; username: string } | undefined {
  return db
    .select({ memberId: members.memberId, username: members.username })
    .from(members)
    .where(and(eq(members.guildId, forumGuildId), sql`lower(${members.username}) = ${username.trim().toLowerCase()}`))
    .get();
}

export function savePending(
  db: Db,
  row: Pick<LinkRow, 'guildId' | 'memberId' | 'otherGuildId' | 'otherMemberId' | 'codeHash' | 'codeExpiresAt'>,
  now: number,
): void {
  const values = { ...row, attempts: 0, createdAt: now, linkedAt: null };
  db.insert(accountLinks)
    .values(values)
    .onConflictDoUpdate({ target: [accountLinks.guildId, accountLinks.memberId], set: values })
    .run();
}

export function countWrongCode(db: Db, guildId: string, memberId: string): void {
  db.update(accountLinks)
    .set({ attempts: sql`${accountLinks.attempts} + 1` })
    .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
    .run();
}

export function markLinked(db: Db, guildId: string, memberId: string, now: number): void {
  db.update(accountLinks)
    .set({ linkedAt: now, codeHash: null, codeExpiresAt: null })
    .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
    .run();
}

export function deleteLink(db: Db, guildId: string, memberId: string): boolean {
  return (
    db
      .delete(accountLinks)
      .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
      .run().changes > 0
  );
}
