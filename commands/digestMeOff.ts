import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { setSubscribed } from '../src/features/digest/pulseStore.js';

export default defineCommand({
  name: 'digest me off',
  description: 'Stop your personal weekly digest DM',
  access: 'member',
  options: {},
  async run(ctx) {
    const was = await setSubscribed(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, false, ctx.now);
    return reply.ephemeral(
      was
        ? 'Done: no more personal digests. /digest me on brings them back.'
        : 'You were not getting the personal digest. /digest me on starts it.',
    );
  },
});
