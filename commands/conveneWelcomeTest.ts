import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { neutralize } from '../src/features/journey/compose.js';
import { sendWelcomePreview } from '../src/features/journey/service.js';
import { DISCOURSE_LIMITS, fitText, LIMITS } from '../src/text/fit.js';
import { formatCount, nounFor, plural } from '../src/text/plural.js';

export default defineCommand({
  name: 'convene welcome test',
  description: 'Send yourself the welcome a newcomer would get',
  access: 'moderator',
  options: {},
  async run(ctx) {
    const body = await sendWelcomePreview(databaseOf(ctx.deps), ctx.guild.id, ctx.member.id, ctx.now);
    ctx.deps.wakeOutbox();
    const limit = ctx.platform === 'discord' ? LIMITS.content : DISCOURSE_LIMITS.post;
    const sent = fitText(body.content, limit);
    // No mentions on the reply: the preview names the moderator, who needs no ping for their own command.
    if (sent === body.content) return reply.ephemeral(`Sent you the welcome by DM. Here it is too:\n\n${body.content}`);
    // A text set before templates were checked can be too long: say what newcomers do not get.
    const kept = sent.replace(/…[*_~`|\n]*$/, '').length;
    const cut = body.content.length - kept;
    // The last few words newcomers still get, as plain words (the moderator's own text and our tokens).
    const lastWords = neutralize(
      body.content
        .slice(0, kept)
        .split(/\s+/)
        .slice(-6)
        .join(' ')
        .replace(/[*_~`|\\]/g, ''),
    );
    return reply.ephemeral({
      content: [
        `⚠️ This welcome is ${plural(body.content.length, 'character')} and a message holds ${formatCount(limit)}: newcomers get it cut after “…${lastWords}”, and the last ${plural(cut, 'character')} ${nounFor(cut, 'is', 'are')} not sent.`,
        'Shorten it with `/convene welcome set text:`. Sent you the welcome by DM as a newcomer gets it; here it is too:',
      ].join('\n'),
      embeds: [{ description: sent }],
    });
  },
});
