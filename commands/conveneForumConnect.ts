import { defineCommand, reply } from '../src/commands.js';
import { connectForum } from '../src/features/links/service.js';
import { forumHost } from '../src/platforms/discourse/ids.js';

export default defineCommand({
  name: 'convene forum connect',
  description: 'Treat this server and the Discourse forum as one community',
  access: 'moderator',
  options: {},
  run(ctx) {
    const forum = connectForum(ctx.deps, ctx.guild.id, ctx.member.id, ctx.now);
    return reply.ephemeral(
      [
        `This server and the forum (${forumHost(forum)}) are one community now.`,
        'Members can link their accounts with `/link discourse username:`; linked members share one journey and one expertise record, intros and the digest span both platforms.',
        '`/convene forum disconnect` undoes it.',
      ].join('\n'),
    );
  },
});
