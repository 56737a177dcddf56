import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { offerSolve, pickBody, solvedText } from '../src/features/questions/solve.js';

export default defineCommand({
  name: 'solved',
  description: 'Mark this question solved and credit who helped (in its thread; the asker or a moderator)',
  access: 'member',
  options: {
    helper: {
      type: 'member',
      description: 'Whose reply solved it (leave empty to pick from the likeliest replies)',
    },
  },
  async run(ctx) {
    const done = await offerSolve(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.channelId,
      ctx.member,
      ctx.now,
      ctx.options.helper,
    );
    if (done.kind === 'pick') return reply.ephemeral(pickBody(done));
    ctx.deps.wakeOutbox();
    return reply.ephemeral(solvedText(done));
  },
});
