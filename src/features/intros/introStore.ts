/** Intros, rounds and feedback: the rows, the no-repeat window, the history the scorer reads. */
import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { intros, introsFeedback, introsRounds } from '../../db/schema.js';
import type { GuildId } from '../../events.js';
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
