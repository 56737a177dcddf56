/**
 * Intros tables: consent, profiles, the term index, rounds, intros and feedback. Reads and writes
 * only; the deciding is in the pure files and service.ts joins them.
 *
 * Consent lives in the queries: every read that can lead to a suggestion or a message joins
 * intros_members on "joined and not left" (and members.left_at: someone who left the server is out
 * too). The pure scorer checks the same set again (score.ts).
 */
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, notExists, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../db/connection.js';
import {
  channels,
  guilds,
  intros,
  introsAccepted,
  introsBuilds,
  introsFeedback,
  introsMembers,
  introsProfiles,
  introsRounds,
  introsTerms,
  journeyMembers,
  members,
  messages,
} from '../../db/schema.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import { formsOf, splitTerms } from '../../text/tokenize.js';
import { deleteMemberRows } from '../eraseRows.js';
import {
  type DeclaredProfile,
  loadProfile,
  type Profile,
  type ProfileMessage,
  type ProfileSource,
  type StoredProfile,
  storeProfile,
  type ThreadInfo,
  titleForms,
  titleTerms,
} from './profile.js';
import type { IntroHistory, PairOutcome, Reason } from './score.js';
import { pairKey } from './score.js';

const DAY_MS = 86_400_000;

/** Terms per member in the /meet index (the profile keeps more for scoring). */
export const INDEXED_TERMS = 16;

// ---------------------------------------------------------------------------------------------
// Consent

/** "Joined intros and not left them", and not gone from the server (nor a bot). */
const consenting = (db: Db, guildId: string) =>
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

// ---------------------------------------------------------------------------------------------
// Profiles

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

/** Everything a profile build needs, read from the core tables (terms, never text). */
export function profileSource(db: Db, guildId: GuildId, since: number, now: number): ProfileSource {
  const pool = db
    .select({ id: introsMembers.memberId, joinedAt: members.joinedAt, stage: journeyMembers.stage })
    .from(introsMembers)
    .leftJoin(members, and(eq(members.guildId, introsMembers.guildId), eq(members.memberId, introsMembers.memberId)))
    // The journey's stage, read-only, when that feature tracks the member: an optional input.
    .leftJoin(
      journeyMembers,
      and(eq(journeyMembers.guildId, introsMembers.guildId), eq(journeyMembers.memberId, introsMembers.memberId)),
    )
    .where(and(consenting(db, guildId), or(isNull(members.profilingOff), eq(members.profilingOff, false))))
    .all();
  const declared = new Map<string, DeclaredProfile>();
  for (const row of consentingProfiles(db, guildId).values())
    if (row.declared) declared.set(row.memberId, row.declared);

  const threads = new Map<string, ThreadInfo>();
  const threadRows = db
    .select({ id: channels.channelId, name: channels.name, tags: channels.tags, ownerId: channels.ownerId })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), eq(channels.kind, 'thread')))
    .all();
  const wanted = new Set(pool.map((m) => m.id));
  for (const t of threadRows) {
    threads.set(t.id, {
      titleTerms: titleTerms(t.name),
      // The title's words are the opener's: kept only where they may be shown as theirs.
      ...(t.ownerId && wanted.has(t.ownerId) ? { titleForms: titleForms(t.name) } : {}),
      tags: t.tags,
      openerId: t.ownerId,
    });
  }

  const accepted = new Set(
    db
      .select({ id: introsAccepted.messageId })
      .from(introsAccepted)
      .where(and(eq(introsAccepted.guildId, guildId), isNotNull(introsAccepted.messageId)))
      .all()
      .map((r) => r.id!),
  );

  return {
    members: pool.map((m) => ({
      memberId: m.id,
      declared: declared.get(m.id) ?? null,
      stage: m.stage ?? null,
      joinedAt: m.joinedAt ?? null,
    })),
    messages: readMessages(db, guildId, since, now, threads, accepted, wanted),
    threads,
    names: memberNameList(db, guildId),
  };
}

/** Every username and display name of the guild's members (bots too: never a topic either). */
function memberNameList(db: Db, guildId: GuildId): string[] {
  const out: string[] = [];
  for (const r of db
    .select({ username: members.username, displayName: members.displayName })
    .from(members)
    .where(eq(members.guildId, guildId))
    .all()) {
    out.push(r.username);
    if (r.displayName !== r.username) out.push(r.displayName);
  }
  return out;
}

/** Messages in pages (keyset on time, id) so a large guild never sits in memory twice. */
function* readMessages(
  db: Db,
  guildId: GuildId,
  since: number,
  now: number,
  threads: Map<string, ThreadInfo>,
  accepted: Set<string>,
  /** Members whose words may be shown (the forms of their messages are read). */
  wanted: ReadonlySet<string>,
): Generator<ProfileMessage> {
  const replied = alias(messages, 'replied');
  const PAGE = 20_000;
  let after = { at: since - 1, id: '' };
  const seenThread = new Set<string>();
  for (;;) {
    const rows = db
      .select({
        id: messages.messageId,
        channelId: messages.channelId,
        parentChannelId: messages.parentChannelId,
        authorId: messages.authorId,
        mentionIds: messages.mentionIds,
        createdAt: messages.createdAt,
        terms: messages.terms,
        repliedAuthor: replied.authorId,
        bot: members.bot,
        profilingOff: members.profilingOff,
      })
      .from(messages)
      .leftJoin(replied, and(eq(replied.guildId, messages.guildId), eq(replied.messageId, messages.replyToId)))
      .leftJoin(members, and(eq(members.guildId, messages.guildId), eq(members.memberId, messages.authorId)))
      .where(
        and(
          eq(messages.guildId, guildId),
          isNull(messages.deletedAt),
          lt(messages.createdAt, now),
          or(gt(messages.createdAt, after.at), and(eq(messages.createdAt, after.at), gt(messages.messageId, after.id))),
        ),
      )
      .orderBy(asc(messages.createdAt), asc(messages.messageId))
      .limit(PAGE)
      .all();
    for (const r of rows) {
      if (r.bot) continue;
      const thread = threads.get(r.channelId);
      const opensThread = thread !== undefined && !seenThread.has(r.channelId) && thread.openerId === r.authorId;
      if (thread) seenThread.add(r.channelId);
      const repliesTo = r.repliedAuthor ?? (thread && !opensThread ? thread.openerId : null);
      yield {
        authorId: r.authorId,
        channelId: r.parentChannelId,
        threadId: thread ? r.channelId : null,
        createdAt: r.createdAt,
        // Members who asked to be left out of profiling keep their graph ties but no topics.
        terms: r.profilingOff ? [] : splitTerms(r.terms),
        ...(r.profilingOff || !wanted.has(r.authorId) ? {} : { forms: formsOf(r.terms) }),
        repliesToId: repliesTo && repliesTo !== r.authorId ? repliesTo : null,
        mentionIds: r.mentionIds.filter((m) => m !== r.authorId),
        opensThread,
        accepted: accepted.has(r.id),
      };
    }
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { at: last.createdAt, id: last.id };
  }
}

/** Replace the derived profiles and the term index of a guild (one transaction). */
export function saveProfiles(
  db: Db,
  guildId: GuildId,
  profiles: ReadonlyMap<string, Profile>,
  facts: { degree: ReadonlyMap<string, number>; community: ReadonlyMap<string, number>; hubDegree: number },
  now: number,
): void {
  db.transaction((tx) => {
    tx.delete(introsTerms).where(eq(introsTerms.guildId, guildId)).run();
    const upsert = tx
      .insert(introsProfiles)
      .values({
        guildId,
        memberId: sql.placeholder('memberId'),
        derived: sql.placeholder('derived'),
        degree: sql.placeholder('degree'),
        community: sql.placeholder('community'),
        builtAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [introsProfiles.guildId, introsProfiles.memberId],
        set: {
          derived: sql`excluded.derived`,
          degree: sql`excluded.degree`,
          community: sql`excluded.community`,
          builtAt: now,
        },
      })
      .prepare();
    const term = tx
      .insert(introsTerms)
      .values({
        guildId,
        term: sql.placeholder('term'),
        memberId: sql.placeholder('memberId'),
        weight: sql.placeholder('weight'),
      })
      .prepare();
    for (const p of profiles.values()) {
      upsert.run({
        memberId: p.memberId,
        derived: storeProfile(p),
        degree: facts.degree.get(p.memberId) ?? 0,
        community: facts.community.get(p.memberId) ?? null,
      });
      const top = [...p.terms].sort((x, y) => y[1] - x[1]).slice(0, INDEXED_TERMS);
      for (const [t, w] of top) term.run({ term: t, memberId: p.memberId, weight: w });
    }
    tx.insert(introsBuilds)
      .values({ guildId, builtAt: now, memberCount: profiles.size, hubDegree: facts.hubDegree })
      .onConflictDoUpdate({
        target: introsBuilds.guildId,
        set: { builtAt: now, memberCount: profiles.size, hubDegree: facts.hubDegree },
      })
      .run();
  });
}

// ---------------------------------------------------------------------------------------------
// Accepted answers (helpfulness)

export function recordAccepted(
  db: Db,
  guildId: GuildId,
  threadId: string,
  messageId: string | null,
  accepted: boolean,
  at: number,
): void {
  if (!accepted) {
    db.delete(introsAccepted)
      .where(and(eq(introsAccepted.guildId, guildId), eq(introsAccepted.threadId, threadId)))
      .run();
    return;
  }
  const author = messageId
    ? (db
        .select({ id: messages.authorId })
        .from(messages)
        .where(and(eq(messages.guildId, guildId), eq(messages.messageId, messageId)))
        .get()?.id ?? null)
    : null;
  db.insert(introsAccepted)
    .values({ guildId, threadId, messageId, authorId: author, at })
    .onConflictDoUpdate({
      target: [introsAccepted.guildId, introsAccepted.threadId],
      set: { messageId, authorId: author, at },
    })
    .run();
}

// ---------------------------------------------------------------------------------------------
// Intros, rounds, feedback

export interface IntroRow {
  guildId: string;
  introId: string;
  kind: 'round' | 'meet';
  roundId: string | null;
  roundSeq: number | null;
  groupIndex: number | null;
  memberIds: string[];
  reasons: Reason[];
  score: number;
  status: 'asked' | 'declined' | 'made';
  threadKey: string | null;
  createdAt: number;
  decidedAt: number | null;
  followUpAt: number | null;
  followedUpAt: number | null;
}

export function getIntro(db: Db, guildId: string, introId: string): IntroRow | null {
  const r = db
    .select()
    .from(intros)
    .where(and(eq(intros.guildId, guildId), eq(intros.introId, introId)))
    .get();
  return r ? ({ ...r, reasons: r.reasons as Reason[] } as IntroRow) : null;
}

export function insertIntro(db: Db, row: IntroRow): void {
  db.insert(intros).values(row).run();
}

export function updateIntro(
  db: Db,
  guildId: string,
  introId: string,
  set: Partial<Pick<IntroRow, 'status' | 'threadKey' | 'decidedAt' | 'followUpAt' | 'followedUpAt'>>,
): void {
  db.update(intros)
    .set(set)
    .where(and(eq(intros.guildId, guildId), eq(intros.introId, introId)))
    .run();
}

/** An open /meet request between the two (either direction), if any. */
export function openRequest(db: Db, guildId: GuildId, a: string, b: string, since: number): IntroRow | null {
  const rows = db
    .select()
    .from(intros)
    .where(
      and(
        eq(intros.guildId, guildId),
        eq(intros.kind, 'meet'),
        eq(intros.status, 'asked'),
        gte(intros.createdAt, since),
      ),
    )
    .all();
  const hit = rows.find((r) => r.memberIds.includes(a) && r.memberIds.includes(b));
  return hit ? ({ ...hit, reasons: hit.reasons as Reason[] } as IntroRow) : null;
}

export function roundById(db: Db, guildId: GuildId, roundId: string) {
  return (
    db
      .select()
      .from(introsRounds)
      .where(and(eq(introsRounds.guildId, guildId), eq(introsRounds.roundId, roundId)))
      .get() ?? null
  );
}

export function lastRoundSeq(db: Db, guildId: GuildId): number {
  const r = db
    .select({ seq: introsRounds.seq })
    .from(introsRounds)
    .where(eq(introsRounds.guildId, guildId))
    .orderBy(desc(introsRounds.seq))
    .limit(1)
    .get();
  return r?.seq ?? 0;
}

export function insertRound(
  db: Db,
  row: {
    guildId: string;
    roundId: string;
    seq: number;
    startedAt: number;
    pool: number;
    groups: number;
    totalScore: number;
  },
): void {
  db.insert(introsRounds).values(row).run();
}

export function roundIntros(db: Db, guildId: GuildId, roundId: string): IntroRow[] {
  return db
    .select()
    .from(intros)
    .where(and(eq(intros.guildId, guildId), eq(intros.roundId, roundId)))
    .orderBy(asc(intros.groupIndex))
    .all()
    .map((r) => ({ ...r, reasons: r.reasons as Reason[] }) as IntroRow);
}

/** Pairs grouped together in rounds with seq > `afterSeq` (the no-repeat window). */
export function recentRoundPairs(db: Db, guildId: GuildId, afterSeq: number): Set<string> {
  const rows = db
    .select({ memberIds: intros.memberIds })
    .from(intros)
    .where(and(eq(intros.guildId, guildId), eq(intros.kind, 'round'), gt(intros.roundSeq, afterSeq)))
    .all();
  const out = new Set<string>();
  for (const { memberIds } of rows)
    for (let i = 0; i < memberIds.length; i++)
      for (let j = i + 1; j < memberIds.length; j++) out.add(pairKey(memberIds[i]!, memberIds[j]!));
  return out;
}

/**
 * What past intros say, for fatigue and feedback: intros of the last `windowDays` (or involving
 * `ids` when given), their outcomes and each member's follow-through.
 */
export function introHistory(db: Db, guildId: GuildId, now: number, windowDays = 365): IntroHistory {
  const rows = db
    .select({
      introId: intros.introId,
      memberIds: intros.memberIds,
      status: intros.status,
      createdAt: intros.createdAt,
    })
    .from(intros)
    .where(and(eq(intros.guildId, guildId), gte(intros.createdAt, now - windowDays * DAY_MS)))
    .all();
  const feedbackRows = db
    .select({ introId: introsFeedback.introId, memberId: introsFeedback.memberId, answer: introsFeedback.answer })
    .from(introsFeedback)
    .where(eq(introsFeedback.guildId, guildId))
    .all();
  const answers = new Map<string, string[]>();
  const feedback = new Map<string, { met: number; notYet: number }>();
  for (const f of feedbackRows) {
    answers.set(f.introId, [...(answers.get(f.introId) ?? []), f.answer]);
    const t = feedback.get(f.memberId) ?? { met: 0, notYet: 0 };
    if (f.answer === 'met') t.met++;
    else if (f.answer === 'not_yet') t.notYet++;
    feedback.set(f.memberId, t);
  }
  const recentIntros = new Map<string, number[]>();
  const pairs = new Map<string, PairOutcome>();
  for (const r of rows) {
    if (r.status !== 'declined')
      for (const m of r.memberIds) recentIntros.set(m, [...(recentIntros.get(m) ?? []), r.createdAt]);
    const got = answers.get(r.introId) ?? [];
    const outcome: PairOutcome['outcome'] =
      r.status === 'declined'
        ? 'declined'
        : got.includes('met')
          ? 'met'
          : got.includes('not_yet')
            ? 'not_yet'
            : r.status === 'asked'
              ? 'pending'
              : 'none';
    for (let i = 0; i < r.memberIds.length; i++) {
      for (let j = i + 1; j < r.memberIds.length; j++) {
        const key = pairKey(r.memberIds[i]!, r.memberIds[j]!);
        const prev = pairs.get(key);
        if (!prev || prev.at <= r.createdAt) pairs.set(key, { at: r.createdAt, outcome });
      }
    }
  }
  return { recentIntros, pairs, feedback };
}

export function dueFollowUps(db: Db, guildId: GuildId, now: number, limit = 200): IntroRow[] {
  return db
    .select()
    .from(intros)
    .where(
      and(
        eq(intros.guildId, guildId),
        eq(intros.status, 'made'),
        isNull(intros.followedUpAt),
        isNotNull(intros.followUpAt),
        lte(intros.followUpAt, now),
      ),
    )
    .orderBy(asc(intros.followUpAt))
    .limit(limit)
    .all()
    .map((r) => ({ ...r, reasons: r.reasons as Reason[] }) as IntroRow);
}

export type FeedbackAnswer = 'met' | 'not_yet' | 'skip';

export function recordFeedback(
  db: Db,
  guildId: GuildId,
  introId: string,
  memberId: string,
  answer: FeedbackAnswer,
  now: number,
): void {
  db.insert(introsFeedback)
    .values({ guildId, introId, memberId, answer, at: now })
    .onConflictDoUpdate({
      target: [introsFeedback.guildId, introsFeedback.introId, introsFeedback.memberId],
      set: { answer, at: now },
    })
    .run();
}

/** Intros made and met in [start, end) for the digest (indexed by guild and time). */
export function introCounts(db: Db, guildId: GuildId, start: number, end: number): { made: number; met: number } {
  const made = db
    .select({ n: sql<number>`count(*)` })
    .from(intros)
    .where(
      and(
        eq(intros.guildId, guildId),
        eq(intros.status, 'made'),
        gte(intros.createdAt, start),
        lt(intros.createdAt, end),
      ),
    )
    .get()!.n;
  const met = db
    .select({ n: sql<number>`count(distinct ${introsFeedback.introId})` })
    .from(introsFeedback)
    .where(
      and(
        eq(introsFeedback.guildId, guildId),
        eq(introsFeedback.answer, 'met'),
        gte(introsFeedback.at, start),
        lt(introsFeedback.at, end),
      ),
    )
    .get()!.n;
  return { made, met };
}

// ---------------------------------------------------------------------------------------------
// Names and platform

export function memberNames(db: Db, guildId: GuildId, ids: readonly string[]): Map<string, string> {
  return new Map([...memberHandles(db, guildId, ids)].map(([id, h]) => [id, h.displayName]));
}

/** Display name and username of members (how to name them to someone on another platform). */
export function memberHandles(
  db: Db,
  guildId: string,
  ids: readonly string[],
): Map<string, { displayName: string; username: string }> {
  const out = new Map<string, { displayName: string; username: string }>();
  for (const part of chunk(ids, 500)) {
    const rows = db
      .select({ id: members.memberId, displayName: members.displayName, username: members.username })
      .from(members)
      .where(and(eq(members.guildId, guildId), inArray(members.memberId, part)))
      .all();
    for (const r of rows) out.set(r.id, { displayName: r.displayName, username: r.username });
  }
  return out;
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

export function channelNames(db: Db, guildId: GuildId, ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of chunk(ids, 500)) {
    const rows = db
      .select({ id: channels.channelId, name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, part)))
      .all();
    for (const r of rows) out.set(r.id, r.name);
  }
  return out;
}

export function platformOf(db: Db, guildId: GuildId): Platform {
  return (
    db.select({ platform: guilds.platform }).from(guilds).where(eq(guilds.id, guildId)).get()?.platform ?? 'discord'
  );
}

// ---------------------------------------------------------------------------------------------
// Privacy

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

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
