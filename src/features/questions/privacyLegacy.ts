/** Interim (until Feature.privacy is async on main): the synchronous export and erase. */
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { questionNudges, questionResponses, questions } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';

export function exportQuestionsSync(db: Db, guildId: GuildId, memberId: MemberId): Record<string, unknown> {
  const asked = db
    .select({
      questionId: questions.questionId,
      askedAt: questions.askedAt,
      title: questions.title,
      terms: questions.terms,
    })
    .from(questions)
    .where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)))
    .all();
  const answered = db
    .select({ questionId: questionResponses.questionId, at: questionResponses.firstAt })
    .from(questionResponses)
    .where(and(eq(questionResponses.guildId, guildId), eq(questionResponses.memberId, memberId)))
    .all();
  const nudged = db
    .select({
      questionId: questionNudges.questionId,
      at: questionNudges.at,
      reasons: questionNudges.reasons,
      // What they did after the nudge is kept about them too (the router learns from it).
      answeredAt: questionNudges.answeredAt,
    })
    .from(questionNudges)
    .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.targetId, memberId)))
    .all();
  return { questionsAsked: asked, questionsAnswered: answered, nudgesReceived: nudged };
}

export function eraseQuestionsSync(db: Db, guildId: GuildId, memberId: MemberId): void {
  db.transaction((tx) => {
    const asked = tx
      .select({ id: questions.questionId })
      .from(questions)
      .where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)))
      .all()
      .map((r) => r.id);
    for (let i = 0; i < asked.length; i += 500) {
      const chunk = asked.slice(i, i + 500);
      tx.delete(questionResponses)
        .where(and(eq(questionResponses.guildId, guildId), inArray(questionResponses.questionId, chunk)))
        .run();
      tx.delete(questionNudges)
        .where(and(eq(questionNudges.guildId, guildId), inArray(questionNudges.questionId, chunk)))
        .run();
    }
    tx.delete(questions)
      .where(and(eq(questions.guildId, guildId), eq(questions.askerId, memberId)))
      .run();
    tx.delete(questionResponses)
      .where(and(eq(questionResponses.guildId, guildId), eq(questionResponses.memberId, memberId)))
      .run();
    tx.delete(questionNudges)
      .where(and(eq(questionNudges.guildId, guildId), eq(questionNudges.targetId, memberId)))
      .run();
    // Keep the questions they answered, but no longer as theirs.
    tx.update(questions)
      .set({ firstResponderId: null })
      .where(and(eq(questions.guildId, guildId), eq(questions.firstResponderId, memberId)))
      .run();
    tx.update(questions)
      .set({ acceptedAnswererId: null })
      .where(and(eq(questions.guildId, guildId), eq(questions.acceptedAnswererId, memberId)))
      .run();
  });
}
