import { buttonId, defineButton, defineCommand, reply } from '../src/commands.js';
import { eraseMember } from '../src/features/core/privacy.js';
import { features } from '../src/features/index.js';

export const privacyDeleteConfirm = defineButton({
  id: 'privacy-delete',
  access: 'member',
  run(ctx) {
    // The button carries the member it was shown to: nobody else can press it for them.
    if (ctx.arg !== ctx.member.id) return reply.ephemeral('This button was meant for someone else.');
    eraseMember(ctx.deps.db, features, ctx.guild.id, ctx.member.id, ctx.now);
    return reply.update(
      'Done: your profile, keywords, opt-ins and reactions are deleted. Convene will not build a new profile of you; run /intros join or /nudges on if you ever want back in.',
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
        'This deletes your Convene profile, the keywords derived from your messages, your opt-ins and reactions, in this server. Your messages on Discord stay as they are. Convene keeps only a note not to profile you again.',
      buttons: [{ id: buttonId(privacyDeleteConfirm, ctx.member.id), label: 'Delete my data', style: 'danger' }],
    });
  },
});
