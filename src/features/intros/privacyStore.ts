/** What intros keeps about a member: /privacy export and erasure. */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { intros, introsAccepted, introsFeedback, introsMembers, introsProfiles, introsTerms } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import { deleteMemberRows } from '../eraseRows.js';
import { chunk } from './chunk.js';
import { membership } from './consentStore.js';
import { profileRow } from './profileStore.js';

export function exportIntros(db: Db, guildId: GuildId, memberId: MemberId): Record<string, unknown> {
  const mine = db
    .select()
    .from(intros)
    .where(eq(intros.guildId, guildId))
    .all()
    .filter((r) => r.memberIds.includes(memberId));
  return {
    membership: membership(db, guildId, memberId),
    profile: profileRow(db, guildId, memberId),
    indexedTerms: db
      .select({ term: introsTerms.term, weight: introsTerms.weight })
      .from(introsTerms)
      .where(and(eq(introsTerms.guildId, guildId), eq(introsTerms.memberId, memberId)))
      .all(),
    intros: mine.map((r) => ({
      introId: r.introId,
      kind: r.kind,
      with: r.memberIds.filter((m) => m !== memberId),
      status: r.status,
      reasons: r.reasons,
      createdAt: r.createdAt,
    })),
    feedback: db
      .select({ introId: introsFeedback.introId, answer: introsFeedback.answer, at: introsFeedback.at })
      .from(introsFeedback)
      .where(and(eq(introsFeedback.guildId, guildId), eq(introsFeedback.memberId, memberId)))
      .all(),
  };
}

/** Erase everything intros keeps about a member (their intros go too: a pair is about both). */
export function eraseIntros(db: Db, guildId: GuildId, memberId: MemberId): void {
  db.transaction((tx) => {
    deleteMemberRows(tx as unknown as Db, guildId, memberId, [
      [introsMembers, introsMembers.memberId],
      [introsProfiles, introsProfiles.memberId],
      [introsTerms, introsTerms.memberId],
      [introsFeedback, introsFeedback.memberId],
    ]);
    tx.update(introsAccepted)
      .set({ authorId: null })
      .where(and(eq(introsAccepted.guildId, guildId), eq(introsAccepted.authorId, memberId)))
      .run();
    const theirs = tx
      .select({ introId: intros.introId, memberIds: intros.memberIds })
      .from(intros)
      .where(eq(intros.guildId, guildId))
      .all()
      .filter((r) => r.memberIds.includes(memberId))
      .map((r) => r.introId);
    for (const part of chunk(theirs, 500)) {
      tx.delete(intros)
        .where(and(eq(intros.guildId, guildId), inArray(intros.introId, part)))
        .run();
      tx.delete(introsFeedback)
        .where(and(eq(introsFeedback.guildId, guildId), inArray(introsFeedback.introId, part)))
        .run();
    }
  });
}
