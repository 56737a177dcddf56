import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { renderJourney } from '../src/features/journey/compose.js';
import { journeyView } from '../src/features/journey/service.js';

export const NOT_YOUR_JOURNEY =
  "Only moderators can look at someone else's journey — `/journey` on its own shows yours.";

export default defineCommand({
  name: 'journey',
  description: 'Where you are on this community’s journey, and your next step',
  access: 'member',
  options: {
    member: { type: 'member', description: 'Moderators: see where a member is' },
  },
  async run(ctx) {
    const target = ctx.options.member;
    const self = target === undefined || target === ctx.member.id;
    // Checked here, on the server: the option is visible to everyone in the client.
    if (!self && !ctx.member.moderator) return reply.ephemeral(NOT_YOUR_JOURNEY);
    const view = await journeyView(databaseOf(ctx.deps), ctx.guild.id, target ?? ctx.member.id, self, ctx.now);
    return reply.ephemeral(renderJourney(view));
  },
});
