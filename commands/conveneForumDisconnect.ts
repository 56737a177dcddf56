import { defineCommand, reply } from '../src/commands.js';
import { disconnectForum } from '../src/features/links/service.js';

export default defineCommand({
  name: 'convene forum disconnect',
  description: 'Stop treating this server and the forum as one community',
  access: 'moderator',
  options: {},
  run(ctx) {
    return reply.ephemeral(
      disconnectForum(ctx.deps, ctx.guild.id, ctx.member.id, ctx.now)
        ? 'This server and the forum are separate again. Account links are kept but merge nobody until you connect again.'
        : 'This server is not connected to a forum.',
    );
  },
});
