/** Intros profiles: what members declared, the built profiles and graph facts, the /meet term index. */
import { and, eq, gte, inArray, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { chunk } from './chunk.js';
import { byCodePoint, consenting } from './consentStore.js';
import type { DeclaredProfile, Profile } from './profile.js';
import { loadProfile, type StoredProfile } from './storedProfile.js';

/** Terms per member in the /meet index (the profile keeps more for scoring). */
export const INDEXED_TERMS = 16;

/**
 * A member's declared timezone (null: none declared). It is the member's, not only intros': quiet
 * hours for nudges read it, so /profile set writes it here too.
 */
export async function readMemberTimezone(db: Database, guildId: string, memberId: string): Promise<string | null> {
  const { members } = db.tables;
  const [row] = await db
    .select({ timezone: members.timezone })
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .limit(1);
  return row?.timezone ?? null;
}

export async function writeMemberTimezone(
  db: Database,
  guildId: string,
  memberId: string,
  zone: string | null,
  now: number,
): Promise<void> {
  const { members } = db.tables;
  await db
    .update(members)
    .set({ timezone: zone, updatedAt: now })
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)));
}

export async function setDeclared(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
  declared: DeclaredProfile,
  now: number,
): Promise<void> {
  const { introsProfiles } = db.tables;
  await db
    .insert(introsProfiles)
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
    });
}

export interface ProfileRow {
  memberId: string;
  declared: DeclaredProfile | null;
  derived: StoredProfile | null;
  degree: number;
  community: number | null;
  builtAt: number | null;
}

const profileColumns = (introsProfiles: Database['tables']['introsProfiles']) => ({
  memberId: introsProfiles.memberId,
  interests: introsProfiles.interests,
  about: introsProfiles.about,
  timezone: introsProfiles.timezone,
  derived: introsProfiles.derived,
  degree: introsProfiles.degree,
  community: introsProfiles.community,
  builtAt: introsProfiles.builtAt,
});

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

export const toRow = (r: RawProfile): ProfileRow => ({
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

export async function readProfileRow(db: Database, guildId: GuildId, memberId: string): Promise<ProfileRow | null> {
  const { introsProfiles } = db.tables;
  const [r] = await db
    .select(profileColumns(introsProfiles))
    .from(introsProfiles)
    .where(and(eq(introsProfiles.guildId, guildId), eq(introsProfiles.memberId, memberId)))
    .limit(1);
  return r ? toRow(r) : null;
}

/**
 * Profiles of consenting members among `ids` (all consenting members when omitted), as stored
 * (rowToProfile reads one at a given time). A consenting member without a profile row gets an
 * empty one (they joined, they can be matched).
 */
export async function consentingProfiles(
  db: Database,
  guildId: GuildId,
  ids?: readonly string[],
): Promise<Map<string, ProfileRow>> {
  const { introsMembers, introsProfiles } = db.tables;
  const out = new Map<string, ProfileRow>();
  const parts = ids ? chunk(ids, 500) : [null];
  for (const part of parts) {
    const rows = await db
      .select({ ...profileColumns(introsProfiles), memberId: introsMembers.memberId })
      .from(introsMembers)
      .leftJoin(
        introsProfiles,
        and(eq(introsProfiles.guildId, introsMembers.guildId), eq(introsProfiles.memberId, introsMembers.memberId)),
      )
      .where(part ? and(consenting(db, guildId), inArray(introsMembers.memberId, part)) : consenting(db, guildId));
    // In member order, as SQLite's key walk returns them: a round and a build see the profiles in
    // the same order on both engines.
    rows.sort((x, y) => byCodePoint(x.memberId, y.memberId));
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
export async function graphFacts(
  db: Database,
  guildId: GuildId,
  ids: readonly string[],
): Promise<Map<string, { degree: number; community: number | null }>> {
  const { introsProfiles } = db.tables;
  const out = new Map<string, { degree: number; community: number | null }>();
  for (const part of chunk(ids, 500)) {
    const rows = await db
      .select({ id: introsProfiles.memberId, degree: introsProfiles.degree, community: introsProfiles.community })
      .from(introsProfiles)
      .where(and(eq(introsProfiles.guildId, guildId), inArray(introsProfiles.memberId, part)));
    for (const r of rows) out.set(r.id, { degree: r.degree, community: r.community });
  }
  return out;
}

export async function lastBuild(
  db: Database,
  guildId: GuildId,
): Promise<{ builtAt: number; memberCount: number; hubDegree: number } | null> {
  const { introsBuilds } = db.tables;
  const [row] = await db
    .select({ builtAt: introsBuilds.builtAt, memberCount: introsBuilds.memberCount, hubDegree: introsBuilds.hubDegree })
    .from(introsBuilds)
    .where(eq(introsBuilds.guildId, guildId))
    .limit(1);
  return row ?? null;
}

/** The next daily scan rebuilds the guild's profiles (someone joined in a guild too big to build now). */
export async function markBuildStale(db: Database, guildId: GuildId): Promise<void> {
  const { introsBuilds } = db.tables;
  await db.update(introsBuilds).set({ builtAt: 0 }).where(eq(introsBuilds.guildId, guildId));
}

/** Whether the guild has more than `limit` messages since `since` (without counting them all). */
export async function hasMessagesBeyond(
  db: Database,
  guildId: GuildId,
  since: number,
  limit: number,
): Promise<boolean> {
  const { messages } = db.tables;
  const rows = await db
    .select({ one: sql`1` })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), gte(messages.createdAt, since)))
    .limit(1)
    .offset(limit);
  return rows.length > 0;
}

/**
 * Candidates for `/meet` from the term index: consenting members who share the asker's strongest
 * terms, each term contributing its strongest `perTerm` members. Returns member → summed weight.
 * One statement for all terms (a UNION ALL of one ranked index walk per term): /meet is a hot path,
 * and a round trip per term would cost more than the reads on PostgreSQL.
 */
export async function candidatesByTerms(
  db: Database,
  guildId: GuildId,
  terms: readonly [string, number][],
  exclude: string,
  perTerm: number,
): Promise<Map<string, number>> {
  const votes = new Map<string, number>();
  if (terms.length === 0) return votes;
  const { introsMembers, introsTerms } = db.tables;
  const arms: SQL[] = terms.map(
    ([term], i) =>
      sql`SELECT * FROM (SELECT ${sql.raw(String(i))} AS arm, ${introsTerms.memberId} AS id, ${introsTerms.weight} AS weight FROM ${introsTerms} INNER JOIN ${introsMembers} ON ${and(eq(introsMembers.guildId, introsTerms.guildId), eq(introsMembers.memberId, introsTerms.memberId))} WHERE ${and(eq(introsTerms.guildId, guildId), eq(introsTerms.term, term), consenting(db, guildId))} ORDER BY ${introsTerms.weight} DESC LIMIT ${perTerm}) AS ${sql.identifier(`t${i}`)}`,
  );
  const rows = await db.all<{ arm: number | string; id: string; weight: number | string }>(
    sql.join(arms, sql` UNION ALL `),
  );
  // Summed term by term, each term's members strongest first, as the per-term queries did (a stable
  // sort: the engine need not return the arms in order).
  rows.sort((x, y) => Number(x.arm) - Number(y.arm));
  for (const r of rows) {
    if (r.id === exclude) continue;
    const w = terms[Number(r.arm)]![1];
    votes.set(r.id, (votes.get(r.id) ?? 0) + w * Number(r.weight));
  }
  return votes;
}
