import { buttonId, databaseOf, defineButton, defineCommand, reply } from '../src/commands.js';
import { eraseMember } from '../src/features/core/privacy.js';
import { features } from '../src/features/index.js';

export const privacyDeleteConfirm = defineButton({
  id: 'privacy-delete',
  access: 'member',
  async run(ctx) {
    // The button carries the member it was shown to: nobody else can press it for them.
    if (ctx.arg !== ctx.member.id) return reply.ephemeral('This button was meant for someone else.');
    const { walTruncated } = await eraseMember(databaseOf(ctx.deps), features, ctx.guild.id, ctx.member.id, ctx.now);
    if (!walTruncated)
      ctx.deps.log.warn(
        { guildId: ctx.guild.id },
        'erasure: the WAL was busy and keeps old pages until the next checkpoint',
      );
    return reply.update(
      'Done: your profile, names, keywords, question titles, opt-ins and reactions are deleted, and so are messages Convene was about to send that named you. Convene will not build a new profile of you; run /intros join or /nudges on if you ever want back in.',
    );
  },
});

export default defineCommand({
  name: 'privacy delete',
  description: 'Delete what Convene derived about you (asks to confirm)',
  access: 'member',
  options: {},
  run(ctx) {
    return reply.ephemeral({
      content:
        'This deletes, in this server, your Convene profile, your names, the keywords derived from your messages, the titles of questions you asked, your opt-ins and reactions, and your name in messages Convene sent or was about to send. Your messages on Discord stay as they are. Convene keeps only a note, under your member id, not to profile you again.',
      buttons: [{ id: buttonId(privacyDeleteConfirm, ctx.member.id), label: 'Delete my data', style: 'danger' }],
    });
  },
});
