import { defineCommand, reply } from '../src/commands.js';
import { sendWelcomePreview } from '../src/features/journey/service.js';

export default defineCommand({
  name: 'convene welcome test',
  description: 'Send yourself the welcome a newcomer would get',
  access: 'moderator',
  options: {},
  run(ctx) {
    const body = sendWelcomePreview(ctx.deps.db, ctx.guild.id, ctx.member.id, ctx.now);
    ctx.deps.wakeOutbox();
    // No mentions on the reply: the preview names the moderator, who needs no ping for their own command.
    return reply.ephemeral(`Sent you the welcome by DM. Here it is too:\n\n${body.content}`);
  },
});
