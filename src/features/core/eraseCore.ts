/**
 * The core tables' part of an erasure (src/features/core/privacy.ts runs it in the erasure's one
 * transaction, after every feature's hook), on either engine: the member's own rows, their question titles, their
 * name in other members' keywords and mentions, the outbox's rendered messages that name them, and
 * their id in the audit log.
 */
import { and, eq, ne, or } from 'drizzle-orm';
import { contains } from '../../db/contains.js';
import type { Database } from '../../db/database.js';
import { dropUnsentOn, redactRowsOn, rowsContainingOn } from '../../outbox/redaction.js';
import { type ErasedMember, namesMember, withoutId, withoutName } from './erasure.js';

/** Why a queued message was not sent (shown in /convene status; names nobody). */
export const DROPPED_FOR_ERASURE = 'not sent: it named a member who erased their data';

export async function eraseCore(tx: Database, who: ErasedMember, now: number): Promise<void> {
  const { guildId, memberId } = who;
  const { channels, discourseUsers, members, messages, reactions } = tx.tables;
  await tx
    .update(messages)
    .set({ terms: '', content: null, mentionIds: [] })
    .where(and(eq(messages.guildId, guildId), eq(messages.authorId, memberId)));
  await tx.delete(reactions).where(and(eq(reactions.guildId, guildId), eq(reactions.memberId, memberId)));
  // The row stays as the note "do not profile again" (ingest reads it), without anything that names them.
  await tx
    .update(members)
    .set({
      username: '',
      displayName: '',
      roles: [],
      timezone: null,
      profilingOff: true,
      nudgesOff: true,
      updatedAt: now,
    })
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)));
  // A thread's name is the title of what they asked: their text.
  await tx
    .update(channels)
    .set({ name: '', topic: null, updatedAt: now })
    .where(and(eq(channels.guildId, guildId), eq(channels.ownerId, memberId), eq(channels.kind, 'thread')));
  // A forum's username index (mentions, PMs): the erased member is no longer found by name.
  await tx.delete(discourseUsers).where(and(eq(discourseUsers.guildId, guildId), eq(discourseUsers.userId, memberId)));
  await scrubOthersMessages(tx, who);
  await scrubOutbox(tx, who, now);
  await scrubAudit(tx, who);
}

/** Others' keywords that are the member's name, and their id in others' mentions. */
async function scrubOthersMessages(tx: Database, who: ErasedMember): Promise<void> {
  const { guildId, memberId } = who;
  const { messages } = tx.tables;
  const byName = who.nameTerms.size > 0 ? or(...[...who.nameTerms].map((t) => contains(messages.terms, t))) : undefined;
  const byMention = contains(messages.mentionIds, JSON.stringify(memberId));
  const rows = await tx
    .select({ messageId: messages.messageId, terms: messages.terms, mentionIds: messages.mentionIds })
    .from(messages)
    .where(
      and(eq(messages.guildId, guildId), ne(messages.authorId, memberId), byName ? or(byName, byMention) : byMention),
    );
  for (const row of rows) {
    const terms = withoutName(row.terms, who);
    const mentionIds = row.mentionIds.filter((id) => id !== memberId);
    if (terms === row.terms && mentionIds.length === row.mentionIds.length) continue;
    await tx
      .update(messages)
      .set({ terms, mentionIds })
      .where(and(eq(messages.guildId, guildId), eq(messages.messageId, row.messageId)));
  }
}

/** Queued messages that name the member are not sent; sent ones keep no text that names them. */
async function scrubOutbox(tx: Database, who: ErasedMember, now: number): Promise<void> {
  const rows = (await rowsContainingOn(tx, who.guildId, [...who.names, who.memberId])).filter((r) =>
    namesMember(JSON.stringify(r.action), who),
  );
  await dropUnsentOn(
    tx,
    rows.filter((r) => r.status === 'pending'),
    DROPPED_FOR_ERASURE,
    now,
  );
  await redactRowsOn(
    tx,
    rows.filter((r) => r.status !== 'pending'),
  );
}

/**
 * The audit log keeps what a moderator changed and when, not who once they erased their data: their
 * rows' actor becomes '' and their id leaves the before/after of anyone's rows (a pair records who
 * made it, and the next moderator's change records that pair as its "before").
 */
async function scrubAudit(tx: Database, who: ErasedMember): Promise<void> {
  const { guildId, memberId } = who;
  const { auditLog } = tx.tables;
  await tx
    .update(auditLog)
    .set({ actorId: '' })
    .where(and(eq(auditLog.guildId, guildId), eq(auditLog.actorId, memberId)));
  const rows = await tx
    .select({ id: auditLog.id, before: auditLog.before, after: auditLog.after })
    .from(auditLog)
    .where(
      and(eq(auditLog.guildId, guildId), or(contains(auditLog.before, memberId), contains(auditLog.after, memberId))),
    );
  for (const row of rows) {
    await tx
      .update(auditLog)
      .set({ before: withoutId(row.before, memberId), after: withoutId(row.after, memberId) })
      .where(eq(auditLog.id, row.id));
  }
}
