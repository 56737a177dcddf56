import { databaseOf, defineCommand, reply, UserFacingError } from '../src/commands.js';
import { formatTarget, GOAL_METRICS, METRICS, parseTarget, TargetError } from '../src/features/digest/goals.js';
import { changeSettings } from '../src/guildSettings.js';

export default defineCommand({
  name: 'convene goals set',
  description: 'Set a measurable goal the digest tracks each week (one per metric)',
  access: 'moderator',
  options: {
    metric: { type: 'string', description: 'What to measure', choices: GOAL_METRICS, required: true },
    target: { type: 'string', description: 'The target, e.g. 70% or 2h or 25', required: true, maxLength: 20 },
  },
  async run(ctx) {
    const { metric } = ctx.options;
    let target: number;
    try {
      target = parseTarget(metric, ctx.options.target);
    } catch (error) {
      if (error instanceof TargetError) throw new UserFacingError(error.message);
      throw error;
    }
    await changeSettings(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      'digest.goals.set',
      (s) => ({
        ...s,
        digest: {
          ...s.digest,
          goals: [...s.digest.goals.filter((g) => g.metric !== metric), { metric, target, setAt: ctx.now }],
        },
      }),
      ctx.now,
    );
    const info = METRICS[metric];
    return reply.ephemeral(
      `Goal set: **${info.label}** ${formatTarget(metric, target)} (${info.meaning}). Each digest shows this week's value, the 8-week trend and whether you are on track.`,
    );
  },
});
