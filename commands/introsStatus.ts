import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { status } from '../src/features/intros/service.js';

const when = (at: number) => `<t:${Math.floor(at / 1000)}:F>`;

export default defineCommand({
  name: 'intros status',
  description: 'Are you in intros, and when is the next round?',
  access: 'member',
  options: {},
  async run(ctx) {
    const s = await status(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now);
    const next = s.nextRoundAt === null ? 'No rounds are scheduled right now.' : `Next round: ${when(s.nextRoundAt)}.`;
    if (!s.in) return reply.ephemeral(`You are not in intros. ${next} /intros join to take part.`);
    const skipping = s.skipping ? ' You asked to sit out the next round.' : '';
    return reply.ephemeral(`You are in intros.${skipping} ${next} /meet shows people to meet now.`);
  },
});
