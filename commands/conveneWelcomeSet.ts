import { databaseOf, defineCommand, reply, UserFacingError } from '../src/commands.js';
import { welcomeWorstCase } from '../src/features/journey/compose.js';
import { setWelcome, type WelcomeChange } from '../src/features/journey/service.js';
import type { JourneySettings } from '../src/features/journey/settings.js';
import { DISCOURSE_LIMITS, LIMITS } from '../src/text/fit.js';
import { formatCount, plural } from '../src/text/plural.js';

/**
 * Refuse a text that could not be sent whole to some newcomer: the check uses the longest names the
 * platform allows, so what passes here is never cut later.
 */
export function checkWelcomeText(text: string, limit: number): void {
  const worst = welcomeWorstCase(text);
  if (worst.length <= limit) return;
  const uses = Object.entries(worst.uses).map(([key, n]) => `{${key}}${n > 1 ? ` ×${n}` : ''}`);
  const filled = uses.length > 0 ? ` once ${uses.join(', ')} ${uses.length > 1 ? 'are' : 'is'} filled in` : '';
  throw new UserFacingError(
    `Nothing changed: with the longest names allowed, your welcome can reach ${plural(worst.length, 'character')}${filled}, and a message holds ${formatCount(limit)}. Shorten it by about ${plural(worst.length - limit, 'character')}${uses.length > 0 ? ' or use fewer placeholders' : ''}.`,
  );
}

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
  async run(ctx) {
    const o = ctx.options;
    const change: WelcomeChange = {};
    if (o.channel !== undefined) change.channelId = o.channel;
    if (o.clear_channel) change.channelId = null;
    if (o.dm !== undefined) change.dm = o.dm;
    if (o.both !== undefined) change.alsoInChannel = o.both;
    if (o.text !== undefined) change.text = o.text.trim().toLowerCase() === 'default' ? '' : o.text;
    const limit = ctx.platform === 'discord' ? LIMITS.content : DISCOURSE_LIMITS.post;
    if (change.text) checkWelcomeText(change.text, limit);
    const welcome = await setWelcome(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      { ...change, enabled: true },
      ctx.now,
    );
    // A text kept from before templates were checked may not fit: do not say all is well.
    const long =
      welcome.text && welcomeWorstCase(welcome.text).length > limit
        ? ' Your text can be longer than a message holds, and newcomers would get it cut: `/convene welcome test` shows what is cut.'
        : ' Try it on yourself with `/convene welcome test`.';
    return reply.ephemeral(`${describeWelcome(welcome)}${long}`);
  },
});
