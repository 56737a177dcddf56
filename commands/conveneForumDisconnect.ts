import { defineCommand, reply } from '../src/commands.js';
import { disconnectOwnForum } from '../src/features/links/forums.js';
import { disconnectForum } from '../src/features/links/service.js';

export default defineCommand({
  name: 'convene forum disconnect',
  description: 'Stop treating this server and the forum as one community',
  access: 'moderator',
  options: {},
  async run(ctx) {
    const own = await disconnectOwnForum(ctx.deps, ctx.guild.id, ctx.member.id, ctx.now);
    if (own) {
      return reply.ephemeral(
        [
          `This server and the forum (${own.host}) are separate again. Convene deleted the forum’s API key and webhook secret; delete the webhook in the forum’s admin too (Admin → API → Webhooks).`,
          'Account links are kept but merge nobody until you connect again.',
        ].join('\n'),
      );
    }
    return reply.ephemeral(
      (await disconnectForum(ctx.deps, ctx.guild.id, ctx.member.id, ctx.now))
        ? 'This server and the forum are separate again. Account links are kept but merge nobody until you connect again.'
        : 'This server is not connected to a forum.',
    );
  },
});
