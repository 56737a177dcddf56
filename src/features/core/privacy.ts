/**
 * Members own their data: everything Convene keeps about a member, and erasing it. Each feature
 * adds its own part through Feature.privacy; this file holds the core tables' part and joins them.
 */
import { and, count, desc, eq } from 'drizzle-orm';
import { bumpCacheIn } from '../../db/cacheWatch.js';
import { type Database, transaction, truncateWal } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { plural } from '../../text/plural.js';
import type { Feature } from '../feature.js';
import { eraseCore } from './eraseCore.js';
import { type ErasedMember, erasedMember } from './erasure.js';

/** A member's export stays a reasonable attachment: the newest message records, and the count. */
const EXPORT_MESSAGES = 5_000;

export async function exportMember(db: Database, features: readonly Feature[], guildId: GuildId, memberId: MemberId) {
  const { members, messages, reactions, auditLog } = db.tables;
  const [member] = await db
    .select()
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .limit(1);
  const mine = and(eq(messages.guildId, guildId), eq(messages.authorId, memberId));
  const [counted] = await db.select({ n: count() }).from(messages).where(mine);
  const messageCount = Number(counted?.n ?? 0);
  const messageRecords = await db
    .select({
      messageId: messages.messageId,
      channelId: messages.channelId,
      createdAt: messages.createdAt,
      replyToId: messages.replyToId,
      terms: messages.terms,
      content: messages.content,
    })
    .from(messages)
    .where(mine)
    .orderBy(desc(messages.createdAt))
    .limit(EXPORT_MESSAGES);
  const reactionRecords = await db
    .select({ messageId: reactions.messageId, emoji: reactions.emoji, createdAt: reactions.createdAt })
    .from(reactions)
    .where(and(eq(reactions.guildId, guildId), eq(reactions.memberId, memberId)));
  // A moderator's changes name them until they erase their data (then only what and when stay).
  const moderatorChanges = await db
    .select({ action: auditLog.action, at: auditLog.at })
    .from(auditLog)
    .where(and(eq(auditLog.guildId, guildId), eq(auditLog.actorId, memberId)))
    .orderBy(auditLog.at);
  const byFeature: Record<string, unknown> = {};
  for (const feature of features) {
    if (feature.privacy) byFeature[feature.name] = await feature.privacy.export(db, guildId, memberId);
  }
  return {
    about:
      'Everything Convene keeps about you in this community. Message text is not kept unless the server turned that on; "terms" are the keywords derived from a message.',
    guildId,
    memberId,
    member: member ?? null,
    messages: {
      total: messageCount,
      shown: messageRecords.length,
      records: messageRecords,
    },
    reactions: reactionRecords,
    moderatorChanges,
    features: byFeature,
  };
}

/**
 * Erase a member: their profile, keywords, opt-ins, reactions and names everywhere, their question
 * titles, and their id and name in what was derived for others and in the outbox; in one
 * transaction, then the WAL is truncated so no older copy of a page outlives it (secure_delete has
 * overwritten the rows in the file). An opt-out marker stays (the members row, without names, with
 * profilingOff and nudgesOff) so Convene does not build a new profile from later messages.
 * Message ids and times stay: they are part of other members' threads (who answered whom).
 * `walTruncated` is false when a reader kept the WAL from being truncated: the caller logs it (the
 * next erasure or retention run truncates it).
 */
export async function eraseMember(
  db: Database,
  features: readonly Feature[],
  guildId: GuildId,
  memberId: MemberId,
  now: number,
): Promise<{ walTruncated: boolean }> {
  const who = await erasedMemberOf(db, guildId, memberId);
  await transaction(db, async (tx) => {
    for (const feature of features) await feature.privacy?.erase(tx, guildId, memberId, who);
    await eraseCore(tx, who, now);
    // Every process's caches that hold the member (ingest's erased set, vocabularies, expertise).
    await bumpCacheIn(tx, 'erased', guildId);
  });
  // SQLite keeps older copies of pages in its WAL until a checkpoint; PostgreSQL has no such file here.
  return { walTruncated: await truncateWal(db) };
}

/** The member's names, read before they are erased (the features need them to scrub their own data). */
async function erasedMemberOf(db: Database, guildId: GuildId, memberId: MemberId): Promise<ErasedMember> {
  const { members } = db.tables;
  const [row] = await db
    .select({ username: members.username, displayName: members.displayName })
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .limit(1);
  return erasedMember(guildId, memberId, row ? [row.username, row.displayName] : []);
}

/** One sentence for moderators and members alike: what happens to a member's data when they leave. */
export function privacyPolicyLine(core: { forgetOnLeave: boolean; sentRetentionDays: number }): string {
  const leave = core.forgetOnLeave
    ? 'Members who leave are forgotten: their data is erased as with /privacy delete.'
    : 'Members who leave keep their data here until they run /privacy delete (moderators can turn on forget-on-leave).';
  const sent =
    core.sentRetentionDays === 0
      ? 'Messages Convene sends keep no text once sent.'
      : `Messages Convene sends keep their text for ${plural(core.sentRetentionDays, 'day')}.`;
  return `${leave} ${sent}`;
}
