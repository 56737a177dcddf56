import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { join } from '../src/features/intros/service.js';

export default defineCommand({
  name: 'intros join',
  description: 'Join intros: get introduced to people you would enjoy talking to',
  access: 'member',
  options: {},
  async run(ctx) {
    const outcome = await join(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now);
    return reply.ephemeral(
      outcome === 'joined'
        ? 'You are in! /profile set tells me what you are into; /meet shows people to meet now; /intros leave takes you out any time.'
        : 'You are already in intros. /intros status shows when the next round is.',
    );
  },
});
