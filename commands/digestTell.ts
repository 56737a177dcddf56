import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { NOTE_MAX, recordNote } from '../src/features/digest/pulseStore.js';
import { currentTarget } from '../src/features/digest/service.js';
import { readSettings } from '../src/guildSettings.js';

export default defineCommand({
  name: 'digest tell',
  description: 'Tell the moderators something about this week, anonymously',
  access: 'member',
  options: {
    text: {
      type: 'string',
      description: 'What the moderators should know (they see the words, not your name)',
      required: true,
      maxLength: NOTE_MAX,
    },
  },
  async run(ctx) {
    const text = ctx.options.text.trim();
    if (!text) return reply.ephemeral('Nothing to send: the note was empty.');
    const { period } = currentTarget(await readSettings(databaseOf(ctx.deps), ctx.guild.id), ctx.now);
    await recordNote(databaseOf(ctx.deps), ctx.guild.id, period, ctx.member.id, text, ctx.now);
    return reply.ephemeral(
      'Thank you. The moderators will read it in their next digest preview, without your name. Writing again this week replaces this note.',
    );
  },
});
