import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { setSubscribed } from '../src/features/digest/pulseStore.js';
import { describeSchedule } from '../src/features/digest/service.js';
import { readSettings } from '../src/guildSettings.js';

export default defineCommand({
  name: 'digest me on',
  description: 'Get a personal weekly DM: questions you could answer, people to meet, your progress',
  access: 'member',
  options: {},
  async run(ctx) {
    await setSubscribed(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, true, ctx.now);
    const settings = await readSettings(databaseOf(ctx.deps), ctx.guild.id);
    return reply.ephemeral(
      settings.digest.channelId
        ? `Done: your personal digest comes by DM ${describeSchedule(settings, ctx.now)}. Stop it any time with /digest me off.`
        : 'Done. The weekly digest is off in this server right now: your personal one starts when the moderators turn it on. Stop it any time with /digest me off.',
    );
  },
});
