import { buttonId, databaseOf, defineCommand, reply } from '../src/commands.js';
import { quiet } from '../src/features/intros/reasons.js';
import { BUTTONS, suggestFor } from '../src/features/intros/service.js';

export default defineCommand({
  name: 'meet',
  description: 'People you should meet, and why',
  access: 'member',
  options: {},
  async run(ctx) {
    const picks = await suggestFor(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now, 3);
    if (picks.length === 0) {
      return reply.ephemeral(
        'No one stands out yet. As you and others talk more (or fill in /profile set), suggestions will appear.',
      );
    }
    // `where`: a paired community says on which platform each person is ("on the forum (@mei)").
    const lines = picks.map((p, i) => `**${i + 1}. ${quiet(p.name)}**${p.where ? ` (${p.where})` : ''} — ${p.why}.`);
    return reply.ephemeral({
      content: ['People you might enjoy meeting:', ...lines].join('\n'),
      buttons: picks.map((p) => ({
        id: buttonId(BUTTONS.introduce, p.memberId),
        // Discord: button labels are at most 80 characters.
        label: `Introduce us: ${p.name}`.slice(0, 80),
        style: 'primary' as const,
      })),
    });
  },
});
