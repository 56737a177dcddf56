import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { turnOff } from '../src/features/intros/service.js';

export default defineCommand({
  name: 'convene intros off',
  description: 'Stop scheduled intro rounds (/meet keeps working)',
  access: 'moderator',
  options: {},
  async run(ctx) {
    const was = await turnOff(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now);
    return reply.ephemeral(
      was ? 'Intro rounds are off. /convene intros set turns them on again.' : 'Intro rounds were already off.',
    );
  },
});
