/** The questions figures of a period: the questions asked and who solved them. */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { questions } from '../../db/schema.js';
import type { QuestionRow, Tx } from './store.js';

export function questionsAskedBetween(
  db: Tx,
  guildId: string,
  from: number,
  to: number,
): Pick<QuestionRow, 'questionId' | 'askedAt' | 'firstResponseAt' | 'firstResponderId' | 'solvedAt' | 'channelId'>[] {
  return db
    .select({
      questionId: questions.questionId,
      askedAt: questions.askedAt,
      firstResponseAt: questions.firstResponseAt,
      firstResponderId: questions.firstResponderId,
      solvedAt: questions.solvedAt,
      channelId: questions.channelId,
    })
    .from(questions)
    .where(and(eq(questions.guildId, guildId), gte(questions.askedAt, from), lt(questions.askedAt, to)))
    .all();
}

/** Solved questions in [from, to) by accepted answerer (the digest's top helpers). */
export function solvedBy(db: Tx, guildId: string, from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of db
    .select({ answerer: questions.acceptedAnswererId, n: sql<number>`count(*)` })
    .from(questions)
    .where(
      and(
        eq(questions.guildId, guildId),
        gte(questions.solvedAt, from),
        lt(questions.solvedAt, to),
        sql`${questions.acceptedAnswererId} IS NOT NULL`,
      ),
    )
    .groupBy(questions.acceptedAnswererId)
    .all())
    if (r.answerer) out.set(r.answerer, Number(r.n));
  return out;
}
