/**
 * Intros consent: who joined and has not left (nor left the server, nor is a bot), who skips the
 * next round. Consent lives in the queries: every read that can lead to a suggestion or a message
 * joins intros_members on "joined and not left" (consenting), and the pure scorer checks the same
 * set again (score.ts).
 */
import { and, eq, inArray, isNotNull, isNull, lte, notExists, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { chunk } from './chunk.js';

/** "Joined intros and not left them", and not gone from the server (nor a bot). */
export const consenting = (db: Database, guildId: string) => {
  const { introsMembers, members } = db.tables;
  return and(
    eq(introsMembers.guildId, guildId),
    isNull(introsMembers.leftAt),
    notExists(
      db
        .select({ one: sql`1` })
        .from(members)
        .where(
          and(
            eq(members.guildId, introsMembers.guildId),
            eq(members.memberId, introsMembers.memberId),
            or(isNotNull(members.leftAt), eq(members.bot, true)),
          ),
        ),
    ),
  );
};

/** Code point order (SQLite's BINARY collation): the same on both engines. */
export const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export type JoinResult = 'joined' | 'already';

export async function joinIntros(db: Database, guildId: GuildId, memberId: MemberId, now: number): Promise<JoinResult> {
  const { introsMembers } = db.tables;
  const [row] = await db
    .select({ leftAt: introsMembers.leftAt })
    .from(introsMembers)
    .where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId)))
    .limit(1);
  if (row && row.leftAt === null) return 'already';
  await db
    .insert(introsMembers)
    .values({ guildId, memberId, joinedAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [introsMembers.guildId, introsMembers.memberId],
      set: { joinedAt: now, leftAt: null, skipUntil: null, updatedAt: now },
    });
  return 'joined';
}

export async function leaveIntros(db: Database, guildId: GuildId, memberId: MemberId, now: number): Promise<boolean> {
  const { introsMembers } = db.tables;
  const changed = await db
    .update(introsMembers)
    .set({ leftAt: now, updatedAt: now })
    .where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId), isNull(introsMembers.leftAt)))
    .returning({ id: introsMembers.memberId });
  return changed.length > 0;
}

export interface Membership {
  joinedAt: number;
  leftAt: number | null;
  skipUntil: number | null;
}

export async function membership(db: Database, guildId: GuildId, memberId: MemberId): Promise<Membership | null> {
  const { introsMembers } = db.tables;
  const [row] = await db
    .select({ joinedAt: introsMembers.joinedAt, leftAt: introsMembers.leftAt, skipUntil: introsMembers.skipUntil })
    .from(introsMembers)
    .where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId)))
    .limit(1);
  return row ?? null;
}

/** Which of `ids` (all when omitted) consent to intros right now. */
export async function consentingIds(db: Database, guildId: GuildId, ids?: readonly string[]): Promise<Set<string>> {
  const { introsMembers } = db.tables;
  const out = new Set<string>();
  const chunks = ids ? chunk(ids, 500) : [null];
  for (const part of chunks) {
    const rows = await db
      .select({ id: introsMembers.memberId })
      .from(introsMembers)
      .where(part ? and(consenting(db, guildId), inArray(introsMembers.memberId, part)) : consenting(db, guildId));
    for (const r of rows) out.add(r.id);
  }
  return out;
}

/** The pool of a round: consenting and not skipping this one. */
export async function roundPool(db: Database, guildId: GuildId, now: number): Promise<string[]> {
  const { introsMembers } = db.tables;
  const rows = await db
    .select({ id: introsMembers.memberId })
    .from(introsMembers)
    .where(and(consenting(db, guildId), or(isNull(introsMembers.skipUntil), lte(introsMembers.skipUntil, now))));
  // Sorted here, not by ORDER BY: PostgreSQL orders text by the database's collation, SQLite by
  // code point, and the round's pairing must not depend on the engine.
  return rows.map((r) => r.id).sort(byCodePoint);
}

export async function setSkipUntil(
  db: Database,
  guildId: GuildId,
  memberId: string,
  until: number,
  now: number,
): Promise<void> {
  const { introsMembers } = db.tables;
  await db
    .update(introsMembers)
    .set({ skipUntil: until, updatedAt: now })
    .where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId)));
}

/** intros_members rows of `ids` (joined, left or not): a linked person's decisions on this platform. */
export async function memberships(
  db: Database,
  guildId: string,
  ids: readonly string[],
): Promise<Map<string, Membership>> {
  const { introsMembers } = db.tables;
  const out = new Map<string, Membership>();
  for (const part of chunk(ids, 500)) {
    const rows = await db
      .select({
        id: introsMembers.memberId,
        joinedAt: introsMembers.joinedAt,
        leftAt: introsMembers.leftAt,
        skipUntil: introsMembers.skipUntil,
      })
      .from(introsMembers)
      .where(and(eq(introsMembers.guildId, guildId), inArray(introsMembers.memberId, part)));
    for (const { id, ...m } of rows) out.set(id, m);
  }
  return out;
}
