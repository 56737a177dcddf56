/**
 * The nudges read back: who was asked lately (the daily cap, the load share, the server's budget) and
 * what came of them (the router's refit, the week's figures).
 */
import { and, eq, gte, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { NUDGE_ANSWER_WINDOW_MS } from './store.js';

/**
 * Peer nudges sent in [from, to) whose 24 h have passed by `now` or that were answered, and how many
 * of them the nudged member answered within 24 h.
 */
export async function nudgeOutcomes(db: Database, guildId: string, from: number, to: number, now: number) {
  const { questionNudges } = db.tables;
  const [row] = await db
    .select({
      settled: sql<number>`count(*)`.mapWith(Number),
      answered:
        sql<number>`coalesce(sum(case when ${questionNudges.answeredAt} is not null then 1 else 0 end), 0)`.mapWith(
          Number,
        ),
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
    );
  return { settled: row?.settled ?? 0, answered: row?.answered ?? 0 };
}

/** Peer nudges sent since `since` (member targets): for the daily cap and the load share. */
export function peerNudgesSince(
  db: Database,
  guildId: string,
  since: number,
): Promise<{ targetId: string; at: number }[]> {
  const { questionNudges } = db.tables;
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
    );
}

/** Peer nudges sent in [from, to) with what happened to their question afterwards. */
export function nudgesBetween(
  db: Database,
  guildId: string,
  from: number,
  to: number,
): Promise<
  {
    questionId: string;
    targetId: string;
    at: number;
    firstResponseAt: number | null;
    firstResponderId: string | null;
  }[]
> {
  const { questionNudges, questions } = db.tables;
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
    );
}

/** How many questions got a nudge of `stage` since `since` (a question counts once, whoever was asked). */
export async function questionsNudgedSince(
  db: Database,
  guildId: string,
  stage: 'peer' | 'escalation',
  since: number,
): Promise<number> {
  const { questionNudges } = db.tables;
  const [row] = await db
    .select({ n: sql<number>`count(DISTINCT ${questionNudges.questionId})`.mapWith(Number) })
    .from(questionNudges)
    .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.stage, stage), gte(questionNudges.at, since)));
  return row?.n ?? 0;
}
