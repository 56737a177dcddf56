/** Queries for account links (src/db/schema/links.ts). */
import { and, eq, gt, isNotNull, lte, sql } from 'drizzle-orm';
import { bumpCache } from '../../db/cacheGenerations.js';
import type { Db } from '../../db/connection.js';
import { accountLinks, linkAttempts, members } from '../../db/schema.js';
import type { LinkTally } from './limits.js';

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

/** A forum account's username, for replies ("@mei"); the id when the forum user is not stored. */
export function forumUsername(db: Db, forumGuildId: string, memberId: string): string {
  return (
    db
      .select({ username: members.username })
      .from(members)
      .where(and(eq(members.guildId, forumGuildId), eq(members.memberId, memberId)))
      .get()?.username ?? memberId
  );
}

export function markLinked(db: Db, guildId: string, memberId: string, now: number): void {
  db.transaction(() => {
    const linked = db
      .update(accountLinks)
      .set({ linkedAt: now, codeHash: null, codeExpiresAt: null })
      .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
      .returning({ otherGuildId: accountLinks.otherGuildId })
      .all();
    for (const row of linked) linksChanged(db, guildId, row.otherGuildId);
  });
}

export function deleteLink(db: Db, guildId: string, memberId: string): boolean {
  return db.transaction(() => {
    const gone = db
      .delete(accountLinks)
      .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
      .returning({ otherGuildId: accountLinks.otherGuildId, linkedAt: accountLinks.linkedAt })
      .all();
    for (const row of gone) if (row.linkedAt !== null) linksChanged(db, guildId, row.otherGuildId);
    return gone.length > 0;
  });
}

/** A confirmed link came or went: every process's merged indexes of both guilds are rebuilt. */
function linksChanged(db: Db, guildId: string, otherGuildId: string): void {
  bumpCache(db, 'pairs', guildId);
  bumpCache(db, 'pairs', otherGuildId);
}

/** Requests and wrong codes of the last day for a requester and a forum account (limits.ts). */
export function linkTally(
  db: Db,
  requester: { guildId: string; memberId: string },
  target: { otherGuildId: string; otherMemberId: string },
  since: number,
): LinkTally {
  const requestsByRequester = db
    .select({ at: linkAttempts.at })
    .from(linkAttempts)
    .where(
      and(
        eq(linkAttempts.kind, 'request'),
        eq(linkAttempts.guildId, requester.guildId),
        eq(linkAttempts.memberId, requester.memberId),
        gt(linkAttempts.at, since),
      ),
    )
    .all()
    .map((r) => r.at);
  const forTarget = db
    .select({ kind: linkAttempts.kind, at: linkAttempts.at })
    .from(linkAttempts)
    .where(
      and(
        eq(linkAttempts.otherGuildId, target.otherGuildId),
        eq(linkAttempts.otherMemberId, target.otherMemberId),
        gt(linkAttempts.at, since),
      ),
    )
    .all();
  return {
    requestsByRequester,
    requestsForTarget: forTarget.filter((r) => r.kind === 'request').map((r) => r.at),
    wrongCodesForTarget: forTarget.filter((r) => r.kind === 'wrong_code').map((r) => r.at),
  };
}

/** Count a request or a wrong code; rows that no limit looks at any more are pruned here. */
export function recordLinkAttempt(
  db: Db,
  kind: 'request' | 'wrong_code',
  row: { guildId: string; memberId: string; otherGuildId: string; otherMemberId: string },
  now: number,
  keepSince: number,
): void {
  db.delete(linkAttempts).where(lte(linkAttempts.at, keepSince)).run();
  db.insert(linkAttempts)
    .values({ kind, ...row, at: now })
    .run();
}

/**
 * Erasure: a requester's rows lose who asked (the forum account's counts stay, so erasing oneself
 * does not reset a lock); a forum account's rows go.
 */
export function eraseLinkAttempts(db: Db, guildId: string, memberId: string): void {
  db.update(linkAttempts)
    .set({ guildId: null, memberId: null })
    .where(and(eq(linkAttempts.guildId, guildId), eq(linkAttempts.memberId, memberId)))
    .run();
  db.delete(linkAttempts)
    .where(and(eq(linkAttempts.otherGuildId, guildId), eq(linkAttempts.otherMemberId, memberId)))
    .run();
}
