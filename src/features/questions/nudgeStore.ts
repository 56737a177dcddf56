/**
 * The nudges read back: who was asked lately (the daily cap, the load share, the server's budget) and
 * what came of them (the router's refit, the week's figures).
 */
import { and, eq, gte, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import { questionNudges, questions } from '../../db/schema.js';
import { NUDGE_ANSWER_WINDOW_MS, type Tx } from './store.js';

/**
 * Peer nudges sent in [from, to) whose 24 h have passed by `now` or that were answered, and how many
 * of them the nudged member answered within 24 h.
 */
export function nudgeOutcomes(db: Tx, guildId: string, from: number, to: number, now: number) {
  const row = db
    .select({
      settled: sql<number>`count(*)`,
      answered: sql<number>`coalesce(sum(case when ${questionNudges.answeredAt} is not null then 1 else 0 end), 0)`,
    })
    .from(questionNudges)
    .where(
      and(
        eq(questionNudges.guildId, guildId),
        eq(questionNudges.stage, 'peer'),
        eq(questionNudges.targetKind, 'member'),
        gte(questionNudges.at, from),
        lt(questionNudges.at, to),
        or(isNotNull(questionNudges.answeredAt), lte(questionNudges.at, now - NUDGE_ANSWER_WINDOW_MS)),
      ),
    )
    .get();
  return { settled: row?.settled ?? 0, answered: row?.answered ?? 0 };
}

/** Peer nudges sent since `since` (member targets): for the daily cap and the load share. */
export function peerNudgesSince(db: Tx, guildId: string, since: number): { targetId: string; at: number }[] {
  return db
    .select({ targetId: questionNudges.targetId, at: questionNudges.at })
    .from(questionNudges)
    .where(
      and(
        eq(questionNudges.guildId, guildId),
        gte(questionNudges.at, since),
        eq(questionNudges.stage, 'peer'),
        eq(questionNudges.targetKind, 'member'),
      ),
    )
    .all();
}

/** Peer nudges sent in [from, to) with what happened to their question afterwards. */
export function nudgesBetween(
  db: Tx,
  guildId: string,
  from: number,
  to: number,
): {
  questionId: string;
  targetId: string;
  at: number;
  firstResponseAt: number | null;
  firstResponderId: string | null;
}[] {
  return db
    .select({
      questionId: questionNudges.questionId,
      targetId: questionNudges.targetId,
      at: questionNudges.at,
      firstResponseAt: questions.firstResponseAt,
      firstResponderId: questions.firstResponderId,
    })
    .from(questionNudges)
    .innerJoin(
      questions,
      and(eq(questions.guildId, questionNudges.guildId), eq(questions.questionId, questionNudges.questionId)),
    )
    .where(
      and(
        eq(questionNudges.guildId, guildId),
        eq(questionNudges.stage, 'peer'),
        gte(questionNudges.at, from),
        lt(questionNudges.at, to),
      ),
    )
    .all();
}

/** How many questions got a nudge of `stage` since `since` (a question counts once, whoever was asked). */
export function questionsNudgedSince(db: Tx, guildId: string, stage: 'peer' | 'escalation', since: number): number {
  const row = db
    .select({ n: sql<number>`count(DISTINCT ${questionNudges.questionId})` })
    .from(questionNudges)
    .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.stage, stage), gte(questionNudges.at, since)))
    .get();
  return row?.n ?? 0;
}
