import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { runRound } from '../src/features/intros/service.js';
import { nounFor, plural } from '../src/text/plural.js';

export default defineCommand({
  name: 'convene intros run-now',
  description: 'Run an intro round now',
  access: 'moderator',
  options: {},
  slow: true,
  async run(ctx) {
    // One manual round per minute: pressing twice (or a retry) does not pair anyone twice.
    const roundId = `manual-${new Date(ctx.now).toISOString().slice(0, 16)}`;
    const r = await runRound(databaseOf(ctx.deps), ctx.platform, ctx.guild.id, roundId, ctx.now);
    ctx.deps.wakeOutbox();
    if (r.existing) return reply.ephemeral('That round has just run: nothing new to do.');
    if (r.groups === 0) return reply.ephemeral(noRound(r.pool));
    return reply.ephemeral(
      `Round done: ${plural(r.groups, 'group')} from the ${plural(r.pool, 'member')} in the pool. ${nounFor(r.groups, 'Its thread is', 'Their threads are')} on the way.`,
    );
  },
});

/** Why a round made no group: too few in the pool, or no pair among them may be grouped now. */
export function noRound(pool: number): string {
  if (pool === 0)
    return 'No round: nobody is in the intros pool yet. At least two members are needed (they join with /intros join).';
  if (pool === 1) return 'No round: 1 member is in the intros pool, and at least two are needed.';
  return `No round: ${plural(pool, 'member')} in the pool, but no pair of them could be grouped this time (each pair met or declined before, was grouped recently, or has nothing in common yet).`;
}
