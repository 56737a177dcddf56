import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { setSilent } from '../src/features/journey/service.js';

export default defineCommand({
  name: 'convene journey silent',
  description: 'Silent journey: roles only, no congratulations or nudges',
  access: 'moderator',
  options: {
    mode: {
      type: 'string',
      description: 'on: roles only; off: congratulate and nudge',
      required: true,
      choices: ['on', 'off'] as const,
    },
  },
  async run(ctx) {
    const silent = ctx.options.mode === 'on';
    await setSilent(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, silent, ctx.now);
    return reply.ephemeral(
      silent
        ? 'The journey is silent now: stages still give their roles, but nobody gets congratulations or nudges. Welcomes follow `/convene welcome set`.'
        : 'The journey speaks again: members get a short congratulation at each stage and one nudge if they stay silent.',
    );
  },
});
