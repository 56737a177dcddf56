import { defineCommand, reply } from '../src/commands.js';
import { confirmLink } from '../src/features/links/service.js';

export default defineCommand({
  name: 'link confirm',
  description: 'Finish linking with the code the bot sent you on the forum',
  access: 'member',
  options: {
    code: { type: 'string', description: 'The six-digit code', required: true, minLength: 6, maxLength: 6 },
  },
  async run(ctx) {
    await confirmLink(ctx.deps, ctx.guild.id, ctx.member.id, ctx.options.code, ctx.now);
    return reply.ephemeral(
      'Linked. Convene now knows your Discord and forum accounts are one person; /link remove undoes it.',
    );
  },
});
