import { defineCommand, reply } from '../src/commands.js';
import { digestSources } from '../src/features/digest/registry.js';
import { postDigestNow } from '../src/features/digest/service.js';

export default defineCommand({
  name: 'convene digest post-now',
  description: 'Post the weekly digest of the last seven days now',
  access: 'moderator',
  options: {},
  slow: true,
  async run(ctx) {
    const { channelId, replacesScheduled } = await postDigestNow(
      ctx.deps,
      ctx.guild.id,
      ctx.now,
      await digestSources(),
    );
    const where = ctx.platform === 'discord' ? `<#${channelId}>` : 'the digest channel';
    return reply.ephemeral(
      replacesScheduled
        ? `Posting the digest in ${where} now. It counts as this week's: the scheduled one will not repeat it.`
        : `Posting an extra digest in ${where} now (this week's scheduled digest already went out).`,
    );
  },
});
