import { defineCommand, reply, UserFacingError } from '../src/commands.js';
import { requestLink } from '../src/features/links/service.js';

export default defineCommand({
  name: 'link discourse',
  description: 'Link your Discord account with your account on the forum',
  access: 'member',
  options: {
    username: { type: 'string', description: 'Your username on the forum', required: true, maxLength: 60 },
  },
  async run(ctx) {
    if (ctx.platform !== 'discord') throw new UserFacingError('Run /link discourse on Discord.');
    const username = await requestLink(
      ctx.deps,
      {
        guildId: ctx.guild.id,
        memberId: ctx.member.id,
        displayName: ctx.member.displayName,
        username: ctx.options.username,
      },
      ctx.now,
    );
    return reply.ephemeral(
      `I sent a code to @${username} by private message on the forum. Run /link confirm code: with it within 15 minutes.`,
    );
  },
});
