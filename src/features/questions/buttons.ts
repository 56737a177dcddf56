/** The buttons of /solved's "whose reply solved it?": each marks the question solved by that reply. */
import { databaseOf, defineButton, reply } from '../../commands.js';
import { parsePick, SOLVED_BUTTON, solvedText, solveWith } from './solve.js';

export const solvedByButton = defineButton({
  id: SOLVED_BUTTON,
  access: 'member',
  async run(ctx) {
    const pick = parsePick(ctx.arg);
    if (!pick) return reply.ephemeral('This button is from an old version of /solved: run /solved again.');
    const done = await solveWith(
      databaseOf(ctx.deps),
      ctx.guild.id,
      pick.questionId,
      pick.messageId,
      ctx.member,
      ctx.now,
    );
    ctx.deps.wakeOutbox();
    // Replaces the list of candidates: the choice is made.
    return reply.update(solvedText(done));
  },
});

export const questionButtons = [solvedByButton];
