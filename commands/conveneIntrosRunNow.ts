import { defineCommand, reply } from '../src/commands.js';
import { runRound } from '../src/features/intros/service.js';

export default defineCommand({
  name: 'convene intros run-now',
  description: 'Run an intro round now',
  access: 'moderator',
  options: {},
  slow: true,
  run(ctx) {
    // One manual round per minute: pressing twice (or a retry) does not pair anyone twice.
    const roundId = `manual-${new Date(ctx.now).toISOString().slice(0, 16)}`;
    const r = runRound(ctx.deps.db, ctx.platform, ctx.guild.id, roundId, ctx.now);
    ctx.deps.wakeOutbox();
    if (r.existing) return reply.ephemeral('That round has just run: nothing new to do.');
    if (r.groups === 0) return reply.ephemeral(`No round: ${r.pool} member(s) in the pool, at least two are needed.`);
    return reply.ephemeral(`Round done: ${r.pool} members in ${r.groups} group(s). Their threads are on the way.`);
  },
});
