import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { changeSettings } from '../src/guildSettings.js';
import { safeText } from '../src/text/fit.js';

const WHY_MAX = 500;

export default defineCommand({
  name: 'convene why set',
  description: "The community's purpose in a sentence or two: shown in the welcome, /help and the digest",
  access: 'moderator',
  options: {
    text: {
      type: 'string',
      description: 'Why this community exists (write "-" to clear it)',
      required: true,
      maxLength: WHY_MAX,
    },
  },
  async run(ctx) {
    const text = ctx.options.text.trim();
    const why = text === '-' ? '' : text.replace(/\s+/g, ' ').slice(0, WHY_MAX);
    await changeSettings(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      'core.why',
      (s) => ({ ...s, core: { ...s.core, why } }),
      ctx.now,
    );
    return reply.ephemeral(
      why
        ? `Saved. The digest opens with it, and goals can measure it (/convene goals set):\n> ${safeText(why, 500)}`
        : 'Cleared: the digest no longer opens with a purpose.',
    );
  },
});
