import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { GOAL_METRICS, METRICS } from '../src/features/digest/goals.js';
import { changeSettings, readSettings } from '../src/guildSettings.js';

export default defineCommand({
  name: 'convene goals remove',
  description: 'Stop tracking a goal',
  access: 'moderator',
  options: {
    metric: { type: 'string', description: 'The goal to remove', choices: GOAL_METRICS, required: true },
  },
  async run(ctx) {
    const { metric } = ctx.options;
    if (!(await readSettings(databaseOf(ctx.deps), ctx.guild.id)).digest.goals.some((g) => g.metric === metric)) {
      return reply.ephemeral(
        `There is no goal for ${METRICS[metric].label.toLowerCase()}. /convene goals show lists them.`,
      );
    }
    await changeSettings(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      'digest.goals.remove',
      (s) => ({ ...s, digest: { ...s.digest, goals: s.digest.goals.filter((g) => g.metric !== metric) } }),
      ctx.now,
    );
    return reply.ephemeral(`Removed the goal for ${METRICS[metric].label.toLowerCase()}.`);
  },
});
