/** Intros, rounds and feedback: the rows, the no-repeat window, the history the scorer reads. */
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { chunk } from './chunk.js';
import type { IntroHistory, PairOutcome, Reason } from './score.js';
import { pairKey } from './score.js';

const DAY_MS = 86_400_000;

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

const asRow = (r: Omit<IntroRow, 'reasons'> & { reasons: unknown }) =>
  ({ ...r, reasons: r.reasons as Reason[] }) as IntroRow;

export async function getIntro(db: Database, guildId: string, introId: string): Promise<IntroRow | null> {
  const { intros } = db.tables;
  const [r] = await db
    .select()
    .from(intros)
    .where(and(eq(intros.guildId, guildId), eq(intros.introId, introId)))
    .limit(1);
  return r ? asRow(r) : null;
}

export async function insertIntro(db: Database, row: IntroRow): Promise<void> {
  await insertIntros(db, [row]);
}

/** Several intros in one statement (a round's). */
export async function insertIntros(db: Database, rows: readonly IntroRow[]): Promise<void> {
  const { intros } = db.tables;
  for (const part of chunk(rows, 200)) await db.insert(intros).values([...part]);
}

export async function updateIntro(
  db: Database,
  guildId: string,
  introId: string,
  set: Partial<Pick<IntroRow, 'status' | 'threadKey' | 'decidedAt' | 'followUpAt' | 'followedUpAt'>>,
): Promise<void> {
  const { intros } = db.tables;
  await db
    .update(intros)
    .set(set)
    .where(and(eq(intros.guildId, guildId), eq(intros.introId, introId)));
}

/**
 * An open /meet request between the two (either direction), if any; `status` 'made' finds a /meet
 * intro made at once (someone on the other platform is told directly, no Accept to wait for).
 */
export async function openRequest(
  db: Database,
  guildId: GuildId,
  a: string,
  b: string,
  since: number,
  status: 'asked' | 'made' = 'asked',
): Promise<IntroRow | null> {
  const { intros } = db.tables;
  const rows = await db
    .select()
    .from(intros)
    .where(
      and(
        eq(intros.guildId, guildId),
        eq(intros.kind, 'meet'),
        eq(intros.status, status),
        gte(intros.createdAt, since),
      ),
    );
  const hit = rows.find((r) => r.memberIds.includes(a) && r.memberIds.includes(b));
  return hit ? asRow(hit) : null;
}

/**
 * Inside a transaction: hold the intros rows of `ids` until it ends, so that two requests between
 * the same people (a double press, on one process or two) decide one after the other. SQLite's
 * transactions hold the write lock from their start already.
 */
export async function lockMembers(tx: Database, guildId: string, ids: readonly string[]): Promise<void> {
  if (tx.engine !== 'postgres') return;
  const { introsMembers } = tx.tables;
  // Always in the same order: two transactions locking the same pair never wait on each other.
  const sorted = [...new Set(ids)].sort();
  // In parts (a profile build locks a whole guild), each part after the one before: still one order.
  for (const part of chunk(sorted, 500))
    await tx.run(
      sql`SELECT 1 FROM ${introsMembers} WHERE ${and(eq(introsMembers.guildId, guildId), inArray(introsMembers.memberId, part))} ORDER BY ${introsMembers.memberId} FOR UPDATE`,
    );
}

export async function roundById(db: Database, guildId: GuildId, roundId: string) {
  const { introsRounds } = db.tables;
  const [r] = await db
    .select()
    .from(introsRounds)
    .where(and(eq(introsRounds.guildId, guildId), eq(introsRounds.roundId, roundId)))
    .limit(1);
  return r ?? null;
}

export async function lastRoundSeq(db: Database, guildId: GuildId): Promise<number> {
  const { introsRounds } = db.tables;
  const [r] = await db
    .select({ seq: introsRounds.seq })
    .from(introsRounds)
    .where(eq(introsRounds.guildId, guildId))
    .orderBy(desc(introsRounds.seq))
    .limit(1);
  return r?.seq ?? 0;
}

export async function insertRound(
  db: Database,
  row: {
    guildId: string;
    roundId: string;
    seq: number;
    startedAt: number;
    pool: number;
    groups: number;
    totalScore: number;
  },
): Promise<void> {
  await db.insert(db.tables.introsRounds).values(row);
}

export async function roundIntros(db: Database, guildId: GuildId, roundId: string): Promise<IntroRow[]> {
  const { intros } = db.tables;
  const rows = await db
    .select()
    .from(intros)
    .where(and(eq(intros.guildId, guildId), eq(intros.roundId, roundId)))
    .orderBy(asc(intros.groupIndex));
  return rows.map(asRow);
}

/** Pairs grouped together in rounds with seq > `afterSeq` (the no-repeat window). */
export async function recentRoundPairs(db: Database, guildId: GuildId, afterSeq: number): Promise<Set<string>> {
  const { intros } = db.tables;
  const rows = await db
    .select({ memberIds: intros.memberIds })
    .from(intros)
    .where(and(eq(intros.guildId, guildId), eq(intros.kind, 'round'), gt(intros.roundSeq, afterSeq)));
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
export async function introHistory(
  db: Database,
  guildId: GuildId,
  now: number,
  windowDays = 365,
): Promise<IntroHistory> {
  const { intros, introsFeedback } = db.tables;
  const rows = await db
    .select({
      introId: intros.introId,
      memberIds: intros.memberIds,
      status: intros.status,
      createdAt: intros.createdAt,
    })
    .from(intros)
    .where(and(eq(intros.guildId, guildId), gte(intros.createdAt, now - windowDays * DAY_MS)))
    // Oldest first (SQLite's index order): the latest intro of a pair decides its outcome below.
    .orderBy(asc(intros.createdAt));
  const feedbackRows = await db
    .select({ introId: introsFeedback.introId, memberId: introsFeedback.memberId, answer: introsFeedback.answer })
    .from(introsFeedback)
    .where(eq(introsFeedback.guildId, guildId));
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

export async function dueFollowUps(db: Database, guildId: GuildId, now: number, limit = 200): Promise<IntroRow[]> {
  const { intros } = db.tables;
  const rows = await db
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
    // Ties (a round's intros) in the order they were made, on both engines: PostgreSQL has no rowid
    // order to fall back on as SQLite does.
    .orderBy(asc(intros.followUpAt), asc(intros.createdAt), asc(intros.groupIndex), asc(intros.introId))
    .limit(limit);
  return rows.map(asRow);
}

export type FeedbackAnswer = 'met' | 'not_yet' | 'skip';

export async function recordFeedback(
  db: Database,
  guildId: GuildId,
  introId: string,
  memberId: string,
  answer: FeedbackAnswer,
  now: number,
): Promise<void> {
  const { introsFeedback } = db.tables;
  await db
    .insert(introsFeedback)
    .values({ guildId, introId, memberId, answer, at: now })
    .onConflictDoUpdate({
      target: [introsFeedback.guildId, introsFeedback.introId, introsFeedback.memberId],
      set: { answer, at: now },
    });
}

/** Intros made and met in [start, end) for the digest (indexed by guild and time). */
export async function introCounts(
  db: Database,
  guildId: GuildId,
  start: number,
  end: number,
): Promise<{ made: number; met: number }> {
  const { intros, introsFeedback } = db.tables;
  // count() is a string on PostgreSQL (bigint): Number() on both engines.
  const [made] = await db
    .select({ n: sql<number | string>`count(*)` })
    .from(intros)
    .where(
      and(
        eq(intros.guildId, guildId),
        eq(intros.status, 'made'),
        gte(intros.createdAt, start),
        lt(intros.createdAt, end),
      ),
    );
  const [met] = await db
    .select({ n: sql<number | string>`count(distinct ${introsFeedback.introId})` })
    .from(introsFeedback)
    .where(
      and(
        eq(introsFeedback.guildId, guildId),
        eq(introsFeedback.answer, 'met'),
        gte(introsFeedback.at, start),
        lt(introsFeedback.at, end),
      ),
    );
  return { made: Number(made!.n), met: Number(met!.n) };
}
