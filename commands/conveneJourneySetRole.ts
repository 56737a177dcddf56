import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { setStageRole } from '../src/features/journey/service.js';

export default defineCommand({
  name: 'convene journey set-role',
  description: 'Give a journey stage a role (leave role empty to remove it)',
  access: 'moderator',
  options: {
    stage: {
      type: 'string',
      description: 'Stage id, as shown by /convene journey show',
      required: true,
      maxLength: 32,
    },
    role: { type: 'role', description: 'Role given on reaching the stage' },
  },
  async run(ctx) {
    const role = ctx.options.role ?? null;
    const { stage, backfilled } = await setStageRole(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      ctx.options.stage.trim(),
      role,
      ctx.now,
    );
    if (backfilled > 0) ctx.deps.wakeOutbox();
    if (!role) return reply.ephemeral(`**${stage.name}** no longer gives a role. Roles already given stay.`);
    const already =
      backfilled > 0 ? ` The ${backfilled} ${backfilled === 1 ? 'member' : 'members'} already there get it now.` : '';
    return reply.ephemeral(`Members who reach **${stage.name}** now get <@&${role}>.${already}`);
  },
});
