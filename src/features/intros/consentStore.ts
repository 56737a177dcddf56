/**
 * Intros consent: who joined and has not left (nor left the server, nor is a bot), who skips the
 * next round. Consent lives in the queries: every read that can lead to a suggestion or a message
 * joins intros_members on "joined and not left" (consenting), and the pure scorer checks the same
 * set again (score.ts).
 */
import { and, asc, eq, inArray, isNotNull, isNull, lte, notExists, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { introsMembers, members } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import { chunk } from './chunk.js';

/** "Joined intros and not left them", and not gone from the server (nor a bot). */
export const consenting = (db: Db, guildId: string) =>
  and(
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

export type JoinResult = 'joined' | 'already';

export function joinIntros(db: Db, guildId: GuildId, memberId: MemberId, now: number): JoinResult {
  const row = db
    .select()
    .from(introsMembers)
    .where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId)))
    .get();
  if (row && row.leftAt === null) return 'already';
  db.insert(introsMembers)
    .values({ guildId, memberId, joinedAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: [introsMembers.guildId, introsMembers.memberId],
      set: { joinedAt: now, leftAt: null, skipUntil: null, updatedAt: now },
    })
    .run();
  return 'joined';
}

export function leaveIntros(db: Db, guildId: GuildId, memberId: MemberId, now: number): boolean {
  const r = db
    .update(introsMembers)
    .set({ leftAt: now, updatedAt: now })
    .where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId), isNull(introsMembers.leftAt)))
    .run();
  return r.changes > 0;
}

export interface Membership {
  joinedAt: number;
  leftAt: number | null;
  skipUntil: number | null;
}

export function membership(db: Db, guildId: GuildId, memberId: MemberId): Membership | null {
  return (
    db
      .select({ joinedAt: introsMembers.joinedAt, leftAt: introsMembers.leftAt, skipUntil: introsMembers.skipUntil })
      .from(introsMembers)
      .where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId)))
      .get() ?? null
  );
}

/** Which of `ids` (all when omitted) consent to intros right now. */
export function consentingIds(db: Db, guildId: GuildId, ids?: readonly string[]): Set<string> {
  const out = new Set<string>();
  const chunks = ids ? chunk(ids, 500) : [null];
  for (const part of chunks) {
    const rows = db
      .select({ id: introsMembers.memberId })
      .from(introsMembers)
      .where(part ? and(consenting(db, guildId), inArray(introsMembers.memberId, part)) : consenting(db, guildId))
      .all();
    for (const r of rows) out.add(r.id);
  }
  return out;
}

/** The pool of a round: consenting and not skipping this one. */
export function roundPool(db: Db, guildId: GuildId, now: number): string[] {
  return db
    .select({ id: introsMembers.memberId })
    .from(introsMembers)
    .where(and(consenting(db, guildId), or(isNull(introsMembers.skipUntil), lte(introsMembers.skipUntil, now))))
    .orderBy(asc(introsMembers.memberId))
    .all()
    .map((r) => r.id);
}

export function setSkipUntil(db: Db, guildId: GuildId, memberId: string, until: number, now: number): void {
  db.update(introsMembers)
    .set({ skipUntil: until, updatedAt: now })
    .where(and(eq(introsMembers.guildId, guildId), eq(introsMembers.memberId, memberId)))
    .run();
}

/** intros_members rows of `ids` (joined, left or not): a linked person's decisions on this platform. */
export function memberships(db: Db, guildId: string, ids: readonly string[]): Map<string, Membership> {
  const out = new Map<string, Membership>();
  for (const part of chunk(ids, 500)) {
    const rows = db
      .select({
        id: introsMembers.memberId,
        joinedAt: introsMembers.joinedAt,
        leftAt: introsMembers.leftAt,
        skipUntil: introsMembers.skipUntil,
      })
      .from(introsMembers)
      .where(and(eq(introsMembers.guildId, guildId), inArray(introsMembers.memberId, part)))
      .all();
    for (const { id, ...m } of rows) out.set(id, m);
  }
  return out;
}
