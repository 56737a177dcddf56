import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { renderTrack } from '../src/features/journey/compose.js';
import { trackView } from '../src/features/journey/service.js';

export default defineCommand({
  name: 'convene journey show',
  description: 'The journey track: stages, what reaches each, roles, and how many members are at each',
  access: 'moderator',
  options: {},
  async run(ctx) {
    return reply.ephemeral(renderTrack(await trackView(databaseOf(ctx.deps), ctx.guild.id)));
  },
});
