import { defineCommand, reply } from '../src/commands.js';
import { digestSources } from '../src/features/digest/registry.js';
import { previewDigest } from '../src/features/digest/service.js';

export default defineCommand({
  name: 'convene digest preview',
  description: 'The weekly digest as it would look now, with what members said in the last pulse (only you see it)',
  access: 'moderator',
  options: {},
  slow: true,
  async run(ctx) {
    const body = await previewDigest(ctx.deps, ctx.guild.id, ctx.now, await digestSources());
    return reply.ephemeral({ ...body, content: `Preview: only you can see this.\n${body.content}` });
  },
});
