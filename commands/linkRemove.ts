import { defineCommand, reply } from '../src/commands.js';
import { removeLink } from '../src/features/links/service.js';

export default defineCommand({
  name: 'link remove',
  description: 'Unlink your Discord and forum accounts',
  access: 'member',
  options: {},
  async run(ctx) {
    return reply.ephemeral(
      (await removeLink(ctx.deps, ctx.guild.id, ctx.member.id))
        ? 'Unlinked: your Discord and forum accounts are separate again.'
        : 'Your account is not linked to the forum.',
    );
  },
});
