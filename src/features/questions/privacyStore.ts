/** A member's questions data: export it, erase it. */
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';

export async function exportQuestions(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
): Promise<Record<string, unknown>> {
  const { questions, questionResponses, questionNudges } = db.tables;
  const asked = await db
    .select({
      questionId: questions.questionId,
      askedAt: questions.askedAt,
      title: questions.title,
      terms: questions.terms,
    })
    .from(questions)
    .where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)));
  const answered = await db
    .select({ questionId: questionResponses.questionId, at: questionResponses.firstAt })
    .from(questionResponses)
    .where(and(eq(questionResponses.guildId, guildId), eq(questionResponses.memberId, memberId)));
  const nudged = await db
    .select({
      questionId: questionNudges.questionId,
      at: questionNudges.at,
      reasons: questionNudges.reasons,
      // What they did after the nudge is kept about them too (the router learns from it).
      answeredAt: questionNudges.answeredAt,
    })
    .from(questionNudges)
    .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.targetId, memberId)));
  return { questionsAsked: asked, questionsAnswered: answered, nudgesReceived: nudged };
}

/** Erase the member's questions data; `tx` is the erasure's one transaction (src/features/core/privacy.ts). */
export async function eraseQuestions(tx: Database, guildId: GuildId, memberId: MemberId): Promise<void> {
  const { questions, questionResponses, questionNudges } = tx.tables;
  const asked = (
    await tx
      .select({ id: questions.questionId })
      .from(questions)
      .where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)))
  ).map((r) => r.id);
  for (let i = 0; i < asked.length; i += 500) {
    const chunk = asked.slice(i, i + 500);
    await tx
      .delete(questionResponses)
      .where(and(eq(questionResponses.guildId, guildId), inArray(questionResponses.questionId, chunk)));
    await tx
      .delete(questionNudges)
      .where(and(eq(questionNudges.guildId, guildId), inArray(questionNudges.questionId, chunk)));
  }
  await tx.delete(questions).where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)));
  await tx
    .delete(questionResponses)
    .where(and(eq(questionResponses.guildId, guildId), eq(questionResponses.memberId, memberId)));
  await tx
    .delete(questionNudges)
    .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.targetId, memberId)));
  // Keep the questions they answered, but no longer as theirs.
  await tx
    .update(questions)
    .set({ firstResponderId: null })
    .where(and(eq(questions.guildId, guildId), eq(questions.firstResponderId, memberId)));
  await tx
    .update(questions)
    .set({ acceptedAnswererId: null })
    .where(and(eq(questions.guildId, guildId), eq(questions.acceptedAnswererId, memberId)));
}
