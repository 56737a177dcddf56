import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { leave } from '../src/features/intros/service.js';

export default defineCommand({
  name: 'intros leave',
  description: 'Leave intros: no more suggestions to or about you',
  access: 'member',
  options: {},
  async run(ctx) {
    const left = await leave(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now);
    return reply.ephemeral(
      left
        ? 'Done: you are out of intros. Nobody will be suggested to you, nor you to anyone. /intros join brings you back.'
        : 'You were not in intros. /intros join if you would like to be.',
    );
  },
});
