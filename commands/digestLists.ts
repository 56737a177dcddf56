import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { digestSources } from '../src/features/digest/registry.js';
import { currentTarget, digestLists } from '../src/features/digest/service.js';
import { readSettings } from '../src/guildSettings.js';

export default defineCommand({
  name: 'digest lists',
  description: "The last week's newcomers, milestones and waiting questions in full (only you see it)",
  access: 'member',
  options: {},
  slow: true,
  async run(ctx) {
    const target = currentTarget(await readSettings(databaseOf(ctx.deps), ctx.guild.id), ctx.now);
    return reply.ephemeral(await digestLists(ctx.deps, ctx.guild.id, target, ctx.now, await digestSources()));
  },
});
