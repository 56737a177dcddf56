/** Queries for account links (src/db/schema/links.ts), on either engine (src/db/database.ts). */
import { and, eq, gt, isNotNull, lte, sql } from 'drizzle-orm';
import { bumpCacheIn } from '../../db/cacheWatch.js';
import type { Database } from '../../db/database.js';
import type { accountLinks } from '../../db/schema.js';
import type { LinkTally } from './limits.js';

export type LinkRow = typeof accountLinks.$inferSelect;

export async function linkOf(db: Database, guildId: string, memberId: string): Promise<LinkRow | undefined> {
  const { accountLinks } = db.tables;
  const [row] = await db
    .select()
    .from(accountLinks)
    .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
    .limit(1);
  return row;
}

/** The confirmed link that already holds this forum user, if any. */
export async function linkedToForumUser(
  db: Database,
  otherGuildId: string,
  otherMemberId: string,
): Promise<LinkRow | undefined> {
  const { accountLinks } = db.tables;
  const [row] = await db
    .select()
    .from(accountLinks)
    .where(
      and(
        eq(accountLinks.otherGuildId, otherGuildId),
        eq(accountLinks.otherMemberId, otherMemberId),
        isNotNull(accountLinks.linkedAt),
      ),
    )
    .limit(1);
  return row;
}

/** Confirmed links of a forum: who is who on the other platform. */
export async function confirmedLinksOfForum(db: Database, otherGuildId: string): Promise<LinkRow[]> {
  const { accountLinks } = db.tables;
  return db
    .select()
    .from(accountLinks)
    .where(and(eq(accountLinks.otherGuildId, otherGuildId), isNotNull(accountLinks.linkedAt)));
}

export async function forumMemberByUsername(
  db: Database,
  forumGuildId: string,
  username: string,
): Promise<{ memberId: string; username: string } | undefined> {
  const { members } = db.tables;
  const [row] = await db
    .select({ memberId: members.memberId, username: members.username })
    .from(members)
    // lower() on both engines: LIKE and = are case-sensitive on PostgreSQL.
    .where(and(eq(members.guildId, forumGuildId), sql`lower(${members.username}) = ${username.trim().toLowerCase()}`))
    .limit(1);
  return row;
}

export async function savePending(
  db: Database,
  row: Pick<LinkRow, 'guildId' | 'memberId' | 'otherGuildId' | 'otherMemberId' | 'codeHash' | 'codeExpiresAt'>,
  now: number,
): Promise<void> {
  const { accountLinks } = db.tables;
  const values = { ...row, attempts: 0, createdAt: now, linkedAt: null };
  await db
    .insert(accountLinks)
    .values(values)
    .onConflictDoUpdate({ target: [accountLinks.guildId, accountLinks.memberId], set: values });
}

/** A forum account's username, for replies ("@mei"); the id when the forum user is not stored. */
export async function forumUsername(db: Database, forumGuildId: string, memberId: string): Promise<string> {
  const { members } = db.tables;
  const [row] = await db
    .select({ username: members.username })
    .from(members)
    .where(and(eq(members.guildId, forumGuildId), eq(members.memberId, memberId)))
    .limit(1);
  return row?.username ?? memberId;
}

/** Confirm a pending link; call inside the transaction that also merges what the link means. */
export async function markLinked(tx: Database, guildId: string, memberId: string, now: number): Promise<void> {
  const { accountLinks } = tx.tables;
  const linked = await tx
    .update(accountLinks)
    .set({ linkedAt: now, codeHash: null, codeExpiresAt: null })
    .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
    .returning({ otherGuildId: accountLinks.otherGuildId });
  for (const row of linked) await linksChanged(tx, guildId, row.otherGuildId);
}

/** Remove a link (pending or confirmed); call inside a transaction (the cache mark goes with it). */
export async function deleteLink(tx: Database, guildId: string, memberId: string): Promise<boolean> {
  const { accountLinks } = tx.tables;
  const gone = await tx
    .delete(accountLinks)
    .where(and(eq(accountLinks.guildId, guildId), eq(accountLinks.memberId, memberId)))
    .returning({ otherGuildId: accountLinks.otherGuildId, linkedAt: accountLinks.linkedAt });
  for (const row of gone) if (row.linkedAt !== null) await linksChanged(tx, guildId, row.otherGuildId);
  return gone.length > 0;
}

/** A confirmed link came or went: every process's merged indexes of both guilds are rebuilt. */
async function linksChanged(tx: Database, guildId: string, otherGuildId: string): Promise<void> {
  await bumpCacheIn(tx, 'pairs', guildId);
  await bumpCacheIn(tx, 'pairs', otherGuildId);
}

/** Requests and wrong codes of the last day for a requester and a forum account (limits.ts). */
export async function linkTally(
  db: Database,
  requester: { guildId: string; memberId: string },
  target: { otherGuildId: string; otherMemberId: string },
  since: number,
): Promise<LinkTally> {
  const { linkAttempts } = db.tables;
  const byRequester = await db
    .select({ at: linkAttempts.at })
    .from(linkAttempts)
    .where(
      and(
        eq(linkAttempts.kind, 'request'),
        eq(linkAttempts.guildId, requester.guildId),
        eq(linkAttempts.memberId, requester.memberId),
        gt(linkAttempts.at, since),
      ),
    );
  const forTarget = await db
    .select({ kind: linkAttempts.kind, at: linkAttempts.at })
    .from(linkAttempts)
    .where(
      and(
        eq(linkAttempts.otherGuildId, target.otherGuildId),
        eq(linkAttempts.otherMemberId, target.otherMemberId),
        gt(linkAttempts.at, since),
      ),
    );
  return {
    requestsByRequester: byRequester.map((r) => r.at),
    requestsForTarget: forTarget.filter((r) => r.kind === 'request').map((r) => r.at),
    wrongCodesForTarget: forTarget.filter((r) => r.kind === 'wrong_code').map((r) => r.at),
  };
}

/** Count a request or a wrong code; rows that no limit looks at any more are pruned here. */
export async function recordLinkAttempt(
  db: Database,
  kind: 'request' | 'wrong_code',
  row: { guildId: string; memberId: string; otherGuildId: string; otherMemberId: string },
  now: number,
  keepSince: number,
): Promise<void> {
  const { linkAttempts } = db.tables;
  await db.delete(linkAttempts).where(lte(linkAttempts.at, keepSince));
  await db.insert(linkAttempts).values({ kind, ...row, at: now });
}

/**
 * Erasure: a requester's rows lose who asked (the forum account's counts stay, so erasing oneself
 * does not reset a lock); a forum account's rows go.
 */
export async function eraseLinkAttempts(tx: Database, guildId: string, memberId: string): Promise<void> {
  const { linkAttempts } = tx.tables;
  await tx
    .update(linkAttempts)
    .set({ guildId: null, memberId: null })
    .where(and(eq(linkAttempts.guildId, guildId), eq(linkAttempts.memberId, memberId)));
  await tx
    .delete(linkAttempts)
    .where(and(eq(linkAttempts.otherGuildId, guildId), eq(linkAttempts.otherMemberId, memberId)));
}
