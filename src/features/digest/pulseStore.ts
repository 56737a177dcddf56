/** The way back from a digest: pulse answers and notes (anonymous), and who asked for the personal DM. */
import { createHash } from 'node:crypto';
import { and, asc, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { digestNotes, digestPulse, digestSubscribers, members } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';

/** Anonymous yet stable within one digest: the same member clicking twice is counted once. */
export const voterOf = (guildId: GuildId, period: string, memberId: MemberId): string =>
  createHash('sha256').update(`convene-pulse\u0000${guildId}\u0000${period}\u0000${memberId}`).digest('hex');

/** Record a pulse answer; a later answer of the same member for the same digest replaces the first. */
export function recordPulse(
  db: Db,
  guildId: GuildId,
  period: string,
  memberId: MemberId,
  answer: 'yes' | 'no',
  now: number,
): 'new' | 'changed' | 'same' {
  const voter = voterOf(guildId, period, memberId);
  const key = and(eq(digestPulse.guildId, guildId), eq(digestPulse.period, period), eq(digestPulse.voter, voter));
  return db.transaction((tx) => {
    const before = tx.select({ answer: digestPulse.answer }).from(digestPulse).where(key).get();
    if (before?.answer === answer) return 'same';
    tx.insert(digestPulse)
      .values({ guildId, period, voter, answer, at: now })
      .onConflictDoUpdate({
        target: [digestPulse.guildId, digestPulse.period, digestPulse.voter],
        set: { answer, at: now },
      })
      .run();
    return before ? 'changed' : 'new';
  });
}

export const NOTE_MAX = 1000;

export function recordNote(db: Db, guildId: GuildId, period: string, memberId: MemberId, text: string, now: number) {
  const voter = voterOf(guildId, period, memberId);
  const body = text.trim().slice(0, NOTE_MAX);
  db.insert(digestNotes)
    .values({ guildId, period, voter, text: body, at: now })
    .onConflictDoUpdate({
      target: [digestNotes.guildId, digestNotes.period, digestNotes.voter],
      set: { text: body, at: now },
    })
    .run();
}

export interface PulseSummary {
  period: string;
  helped: number;
  notReally: number;
  notes: { text: string; at: number }[];
}

/** The pulse of one digest: counts and the anonymous notes, newest first. */
export function pulseOf(db: Db, guildId: GuildId, period: string): PulseSummary {
  const counts = db
    .select({ answer: digestPulse.answer, n: count() })
    .from(digestPulse)
    .where(and(eq(digestPulse.guildId, guildId), eq(digestPulse.period, period)))
    .groupBy(digestPulse.answer)
    .all();
  const notes = db
    .select({ text: digestNotes.text, at: digestNotes.at })
    .from(digestNotes)
    .where(and(eq(digestNotes.guildId, guildId), eq(digestNotes.period, period)))
    .orderBy(desc(digestNotes.at))
    .all();
  return {
    period,
    helped: counts.find((c) => c.answer === 'yes')?.n ?? 0,
    notReally: counts.find((c) => c.answer === 'no')?.n ?? 0,
    notes,
  };
}

/** The most recent digest period that has any pulse answer or note. */
export function latestPulsePeriod(db: Db, guildId: GuildId): string | null {
  const a = db
    .select({ period: digestPulse.period })
    .from(digestPulse)
    .where(eq(digestPulse.guildId, guildId))
    .orderBy(desc(digestPulse.at))
    .limit(1)
    .get();
  const b = db
    .select({ period: digestNotes.period })
    .from(digestNotes)
    .where(eq(digestNotes.guildId, guildId))
    .orderBy(desc(digestNotes.at))
    .limit(1)
    .get();
  const periods = [a?.period, b?.period].filter((p): p is string => p !== undefined);
  // ISO week labels sort as text.
  return periods.sort().at(-1) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Personal digest subscribers

export function setSubscribed(db: Db, guildId: GuildId, memberId: MemberId, on: boolean, now: number): boolean {
  if (on) {
    return (
      db.insert(digestSubscribers).values({ guildId, memberId, since: now }).onConflictDoNothing().run().changes > 0
    );
  }
  return (
    db
      .delete(digestSubscribers)
      .where(and(eq(digestSubscribers.guildId, guildId), eq(digestSubscribers.memberId, memberId)))
      .run().changes > 0
  );
}

/** Subscribers who are still members of the guild. */
export function subscribers(db: Db, guildId: GuildId): MemberId[] {
  return db
    .select({ memberId: digestSubscribers.memberId })
    .from(digestSubscribers)
    .innerJoin(
      members,
      and(eq(members.guildId, digestSubscribers.guildId), eq(members.memberId, digestSubscribers.memberId)),
    )
    .where(and(eq(digestSubscribers.guildId, guildId), sql`${members.leftAt} IS NULL`))
    .orderBy(asc(digestSubscribers.memberId))
    .all()
    .map((r) => r.memberId as MemberId);
}
