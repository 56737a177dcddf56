import { defineCommand, reply } from '../src/commands.js';
import { setWelcome, type WelcomeChange } from '../src/features/journey/service.js';
import type { JourneySettings } from '../src/features/journey/settings.js';

export function describeWelcome(w: JourneySettings['welcome']): string {
  if (!w.enabled || (!w.dm && !w.channelId)) return 'Newcomers get no welcome.';
  const where = w.dm
    ? w.channelId
      ? w.alsoInChannel
        ? `by DM and in <#${w.channelId}>`
        : `by DM (in <#${w.channelId}> when their DMs are closed)`
      : 'by DM'
    : `in <#${w.channelId}>`;
  return `Newcomers are welcomed ${where}, with ${w.text ? 'your text' : 'the default text'}.`;
}

export default defineCommand({
  name: 'convene welcome set',
  description: 'How newcomers are welcomed: DM, a welcome channel, your own text',
  access: 'moderator',
  options: {
    channel: {
      type: 'channel',
      description: 'Welcome channel (the DM fallback, or where welcomes go when DMs are off)',
    },
    dm: { type: 'boolean', description: 'Welcome by DM' },
    both: { type: 'boolean', description: 'Post in the welcome channel as well as the DM' },
    text: {
      type: 'string',
      description: 'Your text: {member}, {server}, {channels}, {first_step}; "default" to go back',
      maxLength: 1500,
    },
    clear_channel: { type: 'boolean', description: 'Stop using a welcome channel' },
  },
  run(ctx) {
    const o = ctx.options;
    const change: WelcomeChange = {};
    if (o.channel !== undefined) change.channelId = o.channel;
    if (o.clear_channel) change.channelId = null;
    if (o.dm !== undefined) change.dm = o.dm;
    if (o.both !== undefined) change.alsoInChannel = o.both;
    if (o.text !== undefined) change.text = o.text.trim().toLowerCase() === 'default' ? '' : o.text;
    const welcome = setWelcome(ctx.deps.db, ctx.guild.id, ctx.member.id, { ...change, enabled: true }, ctx.now);
    return reply.ephemeral(`${describeWelcome(welcome)} Try it on yourself with \`/convene welcome test\`.`);
  },
});
