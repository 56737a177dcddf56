import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { digestNotes, digestPulse, digestSubscribers } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import { voterOf } from './pulseStore.js';

/** Pulse and note rows of a member: found by recomputing their voter hash for every digest period. */
function memberVoters(db: Db, guildId: GuildId, memberId: MemberId): { period: string; voter: string }[] {
  const periods = new Set([
    ...db
      .selectDistinct({ period: digestPulse.period })
      .from(digestPulse)
      .where(eq(digestPulse.guildId, guildId))
      .all()
      .map((r) => r.period),
    ...db
      .selectDistinct({ period: digestNotes.period })
      .from(digestNotes)
      .where(eq(digestNotes.guildId, guildId))
      .all()
      .map((r) => r.period),
  ]);
  return [...periods].map((period) => ({ period, voter: voterOf(guildId, period, memberId) }));
}

export function exportMemberDigest(db: Db, guildId: GuildId, memberId: MemberId): Record<string, unknown> {
  const sub = db
    .select({ since: digestSubscribers.since })
    .from(digestSubscribers)
    .where(and(eq(digestSubscribers.guildId, guildId), eq(digestSubscribers.memberId, memberId)))
    .get();
  const pulse: { period: string; answer: string; at: number }[] = [];
  const notes: { period: string; text: string; at: number }[] = [];
  for (const { period, voter } of memberVoters(db, guildId, memberId)) {
    const where = (t: typeof digestPulse | typeof digestNotes) =>
      and(eq(t.guildId, guildId), eq(t.period, period), eq(t.voter, voter));
    const p = db
      .select({ answer: digestPulse.answer, at: digestPulse.at })
      .from(digestPulse)
      .where(where(digestPulse))
      .get();
    if (p) pulse.push({ period, ...p });
    const note = db
      .select({ text: digestNotes.text, at: digestNotes.at })
      .from(digestNotes)
      .where(where(digestNotes))
      .get();
    if (note) notes.push({ period, ...note });
  }
  return {
    about:
      'Your personal weekly digest subscription, and your answers to the digest pulse (stored under a one-way hash, shown to moderators only as counts and anonymous notes).',
    personalDigest: sub ? { on: true, since: sub.since } : { on: false },
    pulse,
    notes,
  };
}

export function eraseMemberDigest(db: Db, guildId: GuildId, memberId: MemberId): void {
  db.transaction((tx) => {
    tx.delete(digestSubscribers)
      .where(and(eq(digestSubscribers.guildId, guildId), eq(digestSubscribers.memberId, memberId)))
      .run();
    for (const { period, voter } of memberVoters(db, guildId, memberId)) {
      tx.delete(digestPulse)
        .where(and(eq(digestPulse.guildId, guildId), eq(digestPulse.period, period), eq(digestPulse.voter, voter)))
        .run();
      tx.delete(digestNotes)
        .where(and(eq(digestNotes.guildId, guildId), eq(digestNotes.period, period), eq(digestNotes.voter, voter)))
        .run();
    }
  });
}
