import { defineCommand, reply } from '../src/commands.js';
import { goalsReport } from '../src/features/digest/service.js';

export default defineCommand({
  name: 'convene goals show',
  description: "The community's goals: this week's value, the 8-week trend, on track or not",
  access: 'moderator',
  options: {},
  async run(ctx) {
    return reply.ephemeral(await goalsReport(ctx.deps, ctx.guild.id, ctx.now));
  },
});
