import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { changeSettings } from '../src/guildSettings.js';

export default defineCommand({
  name: 'convene digest off',
  description: 'Stop posting the weekly digest',
  access: 'moderator',
  options: {},
  async run(ctx) {
    await changeSettings(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      'digest.off',
      (s) => ({ ...s, digest: { ...s.digest, channelId: null } }),
      ctx.now,
    );
    return reply.ephemeral('The weekly digest is off. Turn it back on with /convene digest set channel:');
  },
});
