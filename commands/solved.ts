import { defineCommand, reply } from '../src/commands.js';
import { solveFromCommand } from '../src/features/questions/service.js';

export default defineCommand({
  name: 'solved',
  description: 'Mark this question solved (in its thread; the asker or a moderator)',
  access: 'member',
  options: {},
  run(ctx) {
    const done = solveFromCommand(ctx.deps.db, ctx.guild.id, ctx.channelId, ctx.member, ctx.now);
    return reply.ephemeral(
      done ? 'Marked solved. Thanks for closing the loop!' : 'This question was already marked solved.',
    );
  },
});
