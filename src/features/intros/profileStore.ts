/** Intros profiles: what members declared, the built profiles and graph facts, the /meet term index. */
import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { introsBuilds, introsMembers, introsProfiles, introsTerms, members, messages } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import { chunk } from './chunk.js';
import { consenting } from './consentStore.js';
import type { DeclaredProfile, Profile } from './profile.js';
import { loadProfile, type StoredProfile } from './storedProfile.js';

/** Terms per member in the /meet index (the profile keeps more for scoring). */
export const INDEXED_TERMS = 16;

/**
 * A member's declared timezone (null: none declared). It is the member's, not only intros': quiet
 * hours for nudges read it, so /profile set writes it here too.
 */
export function memberTimezone(db: Db, guildId: string, memberId: string): string | null {
  return (
    db
      .select({ timezone: members.timezone })
      .from(members)
      .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
      .get()?.timezone ?? null
  );
}

export function setMemberTimezone(db: Db, guildId: string, memberId: string, zone: string | null, now: number) {
  db.update(members)
    .set({ timezone: zone, updatedAt: now })
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .run();
}

export function setDeclared(
  db: Db,
  guildId: GuildId,
  memberId: MemberId,
  declared: DeclaredProfile,
  now: number,
): void {
  db.insert(introsProfiles)
    .values({
      guildId,
      memberId,
      interests: [...declared.interests],
      about: declared.about,
      timezone: declared.timezone,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [introsProfiles.guildId, introsProfiles.memberId],
      set: { interests: [...declared.interests], about: declared.about, timezone: declared.timezone, updatedAt: now },
    })
    .run();
}

export interface ProfileRow {
  memberId: string;
  declared: DeclaredProfile | null;
  derived: StoredProfile | null;
  degree: number;
  community: number | null;
  builtAt: number | null;
}

const profileColumns = {
  memberId: introsProfiles.memberId,
  interests: introsProfiles.interests,
  about: introsProfiles.about,
  timezone: introsProfiles.timezone,
  derived: introsProfiles.derived,
  degree: introsProfiles.degree,
  community: introsProfiles.community,
  builtAt: introsProfiles.builtAt,
};

type RawProfile = {
  memberId: string;
  interests: string[];
  about: string;
  timezone: string | null;
  derived: Record<string, unknown> | null;
  degree: number;
  community: number | null;
  builtAt: number | null;
};

const toRow = (r: RawProfile): ProfileRow => ({
  memberId: r.memberId,
  declared:
    r.interests.length > 0 || r.about !== '' || r.timezone !== null
      ? { interests: r.interests, about: r.about, timezone: r.timezone }
      : null,
  derived: (r.derived as StoredProfile | null) ?? null,
  degree: r.degree,
  community: r.community,
  builtAt: r.builtAt,
});

export function profileRow(db: Db, guildId: GuildId, memberId: string): ProfileRow | null {
  const r = db
    .select(profileColumns)
    .from(introsProfiles)
    .where(and(eq(introsProfiles.guildId, guildId), eq(introsProfiles.memberId, memberId)))
    .get();
  return r ? toRow(r) : null;
}

/**
 * Profiles of consenting members among `ids` (all consenting members when omitted), as stored
 * (rowToProfile reads one at a given time). A consenting member without a profile row gets an
 * empty one (they joined, they can be matched).
 */
export function consentingProfiles(db: Db, guildId: GuildId, ids?: readonly string[]): Map<string, ProfileRow> {
  const out = new Map<string, ProfileRow>();
  const parts = ids ? chunk(ids, 500) : [null];
  for (const part of parts) {
    const rows = db
      .select({ ...profileColumns, memberId: introsMembers.memberId })
      .from(introsMembers)
      .leftJoin(
        introsProfiles,
        and(eq(introsProfiles.guildId, introsMembers.guildId), eq(introsProfiles.memberId, introsMembers.memberId)),
      )
      .where(part ? and(consenting(db, guildId), inArray(introsMembers.memberId, part)) : consenting(db, guildId))
      .all();
    for (const r of rows) {
      out.set(
        r.memberId,
        toRow({
          memberId: r.memberId,
          interests: r.interests ?? [],
          about: r.about ?? '',
          timezone: r.timezone ?? null,
          derived: r.derived ?? null,
          degree: r.degree ?? 0,
          community: r.community ?? null,
          builtAt: r.builtAt ?? null,
        }),
      );
    }
  }
  return out;
}

export const rowToProfile = (row: ProfileRow, now: number): Profile =>
  loadProfile(row.memberId, row.derived, row.declared, row.builtAt, now);

/** Degree and partition of members (any, consenting or not: a neighbour's degree is a count). */
export function graphFacts(
  db: Db,
  guildId: GuildId,
  ids: readonly string[],
): Map<string, { degree: number; community: number | null }> {
  const out = new Map<string, { degree: number; community: number | null }>();
  for (const part of chunk(ids, 500)) {
    const rows = db
      .select({ id: introsProfiles.memberId, degree: introsProfiles.degree, community: introsProfiles.community })
      .from(introsProfiles)
      .where(and(eq(introsProfiles.guildId, guildId), inArray(introsProfiles.memberId, part)))
      .all();
    for (const r of rows) out.set(r.id, { degree: r.degree, community: r.community });
  }
  return out;
}

export function lastBuild(
  db: Db,
  guildId: GuildId,
): { builtAt: number; memberCount: number; hubDegree: number } | null {
  return db.select().from(introsBuilds).where(eq(introsBuilds.guildId, guildId)).get() ?? null;
}

/** The next daily scan rebuilds the guild's profiles (someone joined in a guild too big to build now). */
export function markBuildStale(db: Db, guildId: GuildId): void {
  db.update(introsBuilds).set({ builtAt: 0 }).where(eq(introsBuilds.guildId, guildId)).run();
}

/** Whether the guild has more than `limit` messages since `since` (without counting them all). */
export function hasMessagesBeyond(db: Db, guildId: GuildId, since: number, limit: number): boolean {
  return (
    db
      .select({ one: sql`1` })
      .from(messages)
      .where(and(eq(messages.guildId, guildId), gte(messages.createdAt, since)))
      .limit(1)
      .offset(limit)
      .get() !== undefined
  );
}

/**
 * Candidates for `/meet` from the term index: consenting members who share the asker's strongest
 * terms, each term contributing its strongest `perTerm` members. Returns member → summed weight.
 */
export function candidatesByTerms(
  db: Db,
  guildId: GuildId,
  terms: readonly [string, number][],
  exclude: string,
  perTerm: number,
): Map<string, number> {
  const votes = new Map<string, number>();
  const stmt = db
    .select({ id: introsTerms.memberId, weight: introsTerms.weight })
    .from(introsTerms)
    .innerJoin(
      introsMembers,
      and(eq(introsMembers.guildId, introsTerms.guildId), eq(introsMembers.memberId, introsTerms.memberId)),
    )
    .where(
      and(eq(introsTerms.guildId, guildId), eq(introsTerms.term, sql.placeholder('term')), consenting(db, guildId)),
    )
    .orderBy(desc(introsTerms.weight))
    .limit(perTerm)
    .prepare();
  for (const [term, w] of terms) {
    for (const r of stmt.all({ term })) {
      if (r.id !== exclude) votes.set(r.id, (votes.get(r.id) ?? 0) + w * r.weight);
    }
  }
  return votes;
}
