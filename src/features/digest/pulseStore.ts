/** The way back from a digest: pulse answers and notes (anonymous), and who asked for the personal DM. */
import { createHash } from 'node:crypto';
import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';

/** Anonymous yet stable within one digest: the same member clicking twice is counted once. */
export const voterOf = (guildId: GuildId, period: string, memberId: MemberId): string =>
  createHash('sha256').update(`convene-pulse\u0000${guildId}\u0000${period}\u0000${memberId}`).digest('hex');

/** Record a pulse answer; a later answer of the same member for the same digest replaces the first. */
export function recordPulse(
  db: Database,
  guildId: GuildId,
  period: string,
  memberId: MemberId,
  answer: 'yes' | 'no',
  now: number,
): Promise<'new' | 'changed' | 'same'> {
  const voter = voterOf(guildId, period, memberId);
  return transaction(db, async (tx) => {
    const { digestPulse } = tx.tables;
    const key = and(eq(digestPulse.guildId, guildId), eq(digestPulse.period, period), eq(digestPulse.voter, voter));
    const [before] = await tx.select({ answer: digestPulse.answer }).from(digestPulse).where(key).limit(1);
    if (before?.answer === answer) return 'same';
    await tx
      .insert(digestPulse)
      .values({ guildId, period, voter, answer, at: now })
      .onConflictDoUpdate({
        target: [digestPulse.guildId, digestPulse.period, digestPulse.voter],
        set: { answer, at: now },
      });
    return before ? 'changed' : 'new';
  });
}

export const NOTE_MAX = 1000;

export async function recordNote(
  db: Database,
  guildId: GuildId,
  period: string,
  memberId: MemberId,
  text: string,
  now: number,
): Promise<void> {
  const { digestNotes } = db.tables;
  const voter = voterOf(guildId, period, memberId);
  const body = text.trim().slice(0, NOTE_MAX);
  await db
    .insert(digestNotes)
    .values({ guildId, period, voter, text: body, at: now })
    .onConflictDoUpdate({
      target: [digestNotes.guildId, digestNotes.period, digestNotes.voter],
      set: { text: body, at: now },
    });
}

export interface PulseSummary {
  period: string;
  helped: number;
  notReally: number;
  notes: { text: string; at: number }[];
}

/** The pulse of one digest: counts and the anonymous notes, newest first. */
export async function pulseOf(db: Database, guildId: GuildId, period: string): Promise<PulseSummary> {
  const { digestNotes, digestPulse } = db.tables;
  const counts = await db
    .select({ answer: digestPulse.answer, n: count() })
    .from(digestPulse)
    .where(and(eq(digestPulse.guildId, guildId), eq(digestPulse.period, period)))
    .groupBy(digestPulse.answer);
  const notes = await db
    .select({ text: digestNotes.text, at: digestNotes.at })
    .from(digestNotes)
    .where(and(eq(digestNotes.guildId, guildId), eq(digestNotes.period, period)))
    .orderBy(desc(digestNotes.at));
  return {
    period,
    helped: counts.find((c) => c.answer === 'yes')?.n ?? 0,
    notReally: counts.find((c) => c.answer === 'no')?.n ?? 0,
    notes,
  };
}

/** The most recent digest period that has any pulse answer or note. */
export async function latestPulsePeriod(db: Database, guildId: GuildId): Promise<string | null> {
  const { digestNotes, digestPulse } = db.tables;
  const [a] = await db
    .select({ period: digestPulse.period })
    .from(digestPulse)
    .where(eq(digestPulse.guildId, guildId))
    .orderBy(desc(digestPulse.at))
    .limit(1);
  const [b] = await db
    .select({ period: digestNotes.period })
    .from(digestNotes)
    .where(eq(digestNotes.guildId, guildId))
    .orderBy(desc(digestNotes.at))
    .limit(1);
  const periods = [a?.period, b?.period].filter((p): p is string => p !== undefined);
  // ISO week labels sort as text.
  return periods.sort().at(-1) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Personal digest subscribers

export async function setSubscribed(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
  on: boolean,
  now: number,
): Promise<boolean> {
  const { digestSubscribers } = db.tables;
  if (on) {
    const added = await db
      .insert(digestSubscribers)
      .values({ guildId, memberId, since: now })
      .onConflictDoNothing()
      .returning({ memberId: digestSubscribers.memberId });
    return added.length > 0;
  }
  const removed = await db
    .delete(digestSubscribers)
    .where(and(eq(digestSubscribers.guildId, guildId), eq(digestSubscribers.memberId, memberId)))
    .returning({ memberId: digestSubscribers.memberId });
  return removed.length > 0;
}

/** Subscribers who are still members of the guild. */
export async function subscribers(db: Database, guildId: GuildId): Promise<MemberId[]> {
  const { digestSubscribers, members } = db.tables;
  const rows = await db
    .select({ memberId: digestSubscribers.memberId })
    .from(digestSubscribers)
    .innerJoin(
      members,
      and(eq(members.guildId, digestSubscribers.guildId), eq(members.memberId, digestSubscribers.memberId)),
    )
    .where(and(eq(digestSubscribers.guildId, guildId), sql`${members.leftAt} IS NULL`))
    .orderBy(asc(digestSubscribers.memberId));
  return rows.map((r) => r.memberId as MemberId);
}
