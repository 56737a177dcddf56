import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { setNudges } from '../src/features/questions/service.js';

export default defineCommand({
  name: 'nudges on',
  description: 'Let Convene ask you, now and then, about questions you could answer',
  access: 'member',
  options: {},
  async run(ctx) {
    const wasOff = await setNudges(databaseOf(ctx.deps), ctx.guild.id, ctx.member, false, ctx.now);
    return reply.ephemeral(
      wasOff
        ? 'Nudges are on: now and then (at most twice a day, in your daytime) Convene may ask you about a question you could answer. /nudges off stops them.'
        : 'Nudges were already on. /nudges off stops them any time.',
    );
  },
});
