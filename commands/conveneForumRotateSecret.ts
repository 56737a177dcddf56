import { defineCommand, reply, UserFacingError } from '../src/commands.js';
import { rotateForumSecret } from '../src/features/links/forums.js';
import { isForumGuild } from '../src/platforms/discourse/ids.js';

export default defineCommand({
  name: 'convene forum rotate-secret',
  description: 'Make a new webhook secret for this server’s forum (the old one stops working)',
  access: 'moderator',
  options: {},
  async run(ctx) {
    // A secret is shown only where nobody else reads it: an ephemeral Discord reply, never a forum post.
    if (isForumGuild(ctx.guild.id)) throw new UserFacingError('Run /convene forum rotate-secret on Discord.');
    const rotated = await rotateForumSecret(ctx.deps, ctx.guild.id, ctx.member.id, ctx.now);
    return reply.ephemeral(
      [
        `New webhook secret for the forum ${rotated.host}: \`${rotated.secret}\``,
        `Paste it now in the forum’s admin (Admin → API → Webhooks → the webhook to \`${rotated.webhookUrl}\` → Secret): the old secret is refused from this moment, and Discourse retries what fails meanwhile.`,
        'This secret is shown only this once.',
      ].join('\n'),
    );
  },
});
