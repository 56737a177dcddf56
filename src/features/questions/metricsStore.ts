/** The questions figures of a period: the questions asked and who solved them. */
import { and, eq, gte, isNotNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { QuestionRow } from './store.js';

export function questionsAskedBetween(
  db: Database,
  guildId: string,
  from: number,
  to: number,
): Promise<
  Pick<QuestionRow, 'questionId' | 'askedAt' | 'firstResponseAt' | 'firstResponderId' | 'solvedAt' | 'channelId'>[]
> {
  const { questions } = db.tables;
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
    .where(and(eq(questions.guildId, guildId), gte(questions.askedAt, from), lt(questions.askedAt, to)));
}

/** Solved questions in [from, to) by accepted answerer (the digest's top helpers). */
export async function solvedBy(db: Database, guildId: string, from: number, to: number): Promise<Map<string, number>> {
  const { questions } = db.tables;
  const out = new Map<string, number>();
  for (const r of await db
    .select({ answerer: questions.acceptedAnswererId, n: sql<number>`count(*)`.mapWith(Number) })
    .from(questions)
    .where(
      and(
        eq(questions.guildId, guildId),
        gte(questions.solvedAt, from),
        lt(questions.solvedAt, to),
        isNotNull(questions.acceptedAnswererId),
      ),
    )
    .groupBy(questions.acceptedAnswererId))
    if (r.answerer) out.set(r.answerer, Number(r.n));
  return out;
}
