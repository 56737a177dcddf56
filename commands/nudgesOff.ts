import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { setNudges } from '../src/features/questions/service.js';

export default defineCommand({
  name: 'nudges off',
  description: 'Stop Convene asking you about unanswered questions (and newcomer nudges)',
  access: 'member',
  options: {},
  async run(ctx) {
    const was = await setNudges(databaseOf(ctx.deps), ctx.guild.id, ctx.member, true, ctx.now);
    return reply.ephemeral(
      was
        ? 'Nudges were already off for you. /nudges on brings them back.'
        : 'Done: Convene will not ping you about unanswered questions. /unanswered still lists them when you feel like helping, and /nudges on brings the pings back.',
    );
  },
});
