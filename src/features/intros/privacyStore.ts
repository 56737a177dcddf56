/** What intros keeps about a member: /privacy export and erasure. */
import { and, eq, inArray } from 'drizzle-orm';
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { chunk } from './chunk.js';
import { membership } from './consentStore.js';
import { readProfileRow } from './profileStore.js';

export async function exportIntros(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
): Promise<Record<string, unknown>> {
  const { intros, introsTerms, introsFeedback } = db.tables;
  const mine = (await db.select().from(intros).where(eq(intros.guildId, guildId))).filter((r) =>
    r.memberIds.includes(memberId),
  );
  return {
    membership: await membership(db, guildId, memberId),
    profile: await readProfileRow(db, guildId, memberId),
    indexedTerms: await db
      .select({ term: introsTerms.term, weight: introsTerms.weight })
      .from(introsTerms)
      .where(and(eq(introsTerms.guildId, guildId), eq(introsTerms.memberId, memberId))),
    intros: mine.map((r) => ({
      introId: r.introId,
      kind: r.kind,
      with: r.memberIds.filter((m) => m !== memberId),
      status: r.status,
      reasons: r.reasons,
      createdAt: r.createdAt,
    })),
    feedback: await db
      .select({ introId: introsFeedback.introId, answer: introsFeedback.answer, at: introsFeedback.at })
      .from(introsFeedback)
      .where(and(eq(introsFeedback.guildId, guildId), eq(introsFeedback.memberId, memberId))),
  };
}

/**
 * Erase everything intros keeps about a member (their intros go too: a pair is about both). `tx`
 * is the erasure's transaction (a savepoint here, so a direct call is one transaction too).
 */
export async function eraseIntros(db: Database, guildId: GuildId, memberId: MemberId): Promise<void> {
  await transaction(db, async (tx) => {
    const { intros, introsAccepted, introsFeedback, introsMembers, introsProfiles, introsTerms } = tx.tables;
    // The member's own rows, table by table (as eraseRows.ts lists them for the synchronous API).
    await tx.delete(introsMembers).where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId)));
    await tx
      .delete(introsProfiles)
      .where(and(eq(introsProfiles.guildId, guildId), eq(introsProfiles.memberId, memberId)));
    await tx.delete(introsTerms).where(and(eq(introsTerms.guildId, guildId), eq(introsTerms.memberId, memberId)));
    await tx
      .delete(introsFeedback)
      .where(and(eq(introsFeedback.guildId, guildId), eq(introsFeedback.memberId, memberId)));
    await tx
      .update(introsAccepted)
      .set({ authorId: null })
      .where(and(eq(introsAccepted.guildId, guildId), eq(introsAccepted.authorId, memberId)));
    const theirs = (
      await tx
        .select({ introId: intros.introId, memberIds: intros.memberIds })
        .from(intros)
        .where(eq(intros.guildId, guildId))
    )
      .filter((r) => r.memberIds.includes(memberId))
      .map((r) => r.introId);
    for (const part of chunk(theirs, 500)) {
      await tx.delete(intros).where(and(eq(intros.guildId, guildId), inArray(intros.introId, part)));
      await tx
        .delete(introsFeedback)
        .where(and(eq(introsFeedback.guildId, guildId), inArray(introsFeedback.introId, part)));
    }
  });
}
