import { defineCommand, reply } from '../src/commands.js';
import { renderStatus, statusReport } from '../src/features/core/status.js';

export default defineCommand({
  name: 'convene status',
  description: 'What Convene is doing here: configuration, intents, database, outbox, last jobs',
  access: 'moderator',
  options: {},
  async run(ctx) {
    return reply.ephemeral(renderStatus(await statusReport(ctx.deps, ctx.guild.id, ctx.now), ctx.now));
  },
});
