import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { voterOf } from './pulseStore.js';

/** Pulse and note rows of a member: found by recomputing their voter hash for every digest period. */
async function memberVoters(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
): Promise<{ period: string; voter: string }[]> {
  const { digestNotes, digestPulse } = db.tables;
  const pulsePeriods = await db
    .selectDistinct({ period: digestPulse.period })
    .from(digestPulse)
    .where(eq(digestPulse.guildId, guildId));
  const notePeriods = await db
    .selectDistinct({ period: digestNotes.period })
    .from(digestNotes)
    .where(eq(digestNotes.guildId, guildId));
  const periods = new Set([...pulsePeriods.map((r) => r.period), ...notePeriods.map((r) => r.period)]);
  return [...periods].map((period) => ({ period, voter: voterOf(guildId, period, memberId) }));
}

export async function exportMemberDigest(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
): Promise<Record<string, unknown>> {
  const { digestNotes, digestPulse, digestSubscribers } = db.tables;
  const [sub] = await db
    .select({ since: digestSubscribers.since })
    .from(digestSubscribers)
    .where(and(eq(digestSubscribers.guildId, guildId), eq(digestSubscribers.memberId, memberId)))
    .limit(1);
  const voters = await memberVoters(db, guildId, memberId);
  // A voter hash names one member and period: one read per table for all of them, in period order.
  const periodOf = new Map(voters.map((v) => [v.voter, v.period]));
  const mine = [...periodOf.keys()];
  const pulseRows = mine.length
    ? await db
        .select({ voter: digestPulse.voter, answer: digestPulse.answer, at: digestPulse.at })
        .from(digestPulse)
        .where(and(eq(digestPulse.guildId, guildId), inArray(digestPulse.voter, mine)))
    : [];
  const noteRows = mine.length
    ? await db
        .select({ voter: digestNotes.voter, text: digestNotes.text, at: digestNotes.at })
        .from(digestNotes)
        .where(and(eq(digestNotes.guildId, guildId), inArray(digestNotes.voter, mine)))
    : [];
  const order = new Map(voters.map((v, i) => [v.voter, i]));
  const byPeriod = <T extends { voter: string }>(rows: T[]) =>
    rows
      .filter((r) => periodOf.has(r.voter))
      .sort((a, b) => order.get(a.voter)! - order.get(b.voter)!)
      .map(({ voter, ...rest }) => ({ period: periodOf.get(voter)!, ...rest }));
  return {
    about:
      'Your personal weekly digest subscription, and your answers to the digest pulse (stored under a one-way hash, shown to moderators only as counts and anonymous notes).',
    personalDigest: sub ? { on: true, since: sub.since } : { on: false },
    pulse: byPeriod(pulseRows),
    notes: byPeriod(noteRows),
  };
}

/** Erase a member's digest rows; `tx` is the erasure's transaction. */
export async function eraseMemberDigest(tx: Database, guildId: GuildId, memberId: MemberId): Promise<void> {
  const { digestNotes, digestPulse, digestSubscribers } = tx.tables;
  await tx
    .delete(digestSubscribers)
    .where(and(eq(digestSubscribers.guildId, guildId), eq(digestSubscribers.memberId, memberId)));
  const voters = (await memberVoters(tx, guildId, memberId)).map((v) => v.voter);
  if (voters.length === 0) return;
  // The voter hash includes the period: matching the hash alone is matching (period, voter).
  await tx.delete(digestPulse).where(and(eq(digestPulse.guildId, guildId), inArray(digestPulse.voter, voters)));
  await tx.delete(digestNotes).where(and(eq(digestNotes.guildId, guildId), inArray(digestNotes.voter, voters)));
}
