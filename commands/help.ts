import { databaseOf, defineCommand, reply } from '../src/commands.js';
import { features } from '../src/features/index.js';
import { readSettings } from '../src/guildSettings.js';
import { fitText, LIMITS, safeText } from '../src/text/fit.js';

export default defineCommand({
  name: 'help',
  description: 'What Convene does here and the commands you can use',
  access: 'member',
  options: {
    command: { type: 'string', description: 'Show only commands starting with this word, e.g. intros' },
  },
  async run(ctx) {
    const why = (await readSettings(databaseOf(ctx.deps), ctx.guild.id)).core.why;
    const all = features.flatMap((f) => f.commands);
    const visible = all
      .filter((c) => c.access === 'member' || ctx.member.moderator)
      .filter((c) => !ctx.options.command || c.name.startsWith(ctx.options.command.replace(/^\//, '')))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (visible.length === 0) {
      // Echo only the start of what was typed, as text: 6,000 characters of it made the reply too long to send.
      return reply.ephemeral(`No command starts with "${safeText(ctx.options.command ?? '', 40)}". Try /help.`);
    }
    const line = (c: (typeof all)[number]) =>
      `\`/${c.name}\` — ${c.description}${c.access === 'moderator' ? ' *(moderators)*' : ''}`;
    const text = [
      '**Convene** helps people here meet and help each other: introductions with a reason, a welcome and next steps for newcomers, unanswered questions sent to the people most likely to know, and a weekly digest.',
      why ? `**Why this community exists:** ${safeText(why, 500)}` : '',
      '',
      ...visible.map(line),
      '',
      'Your data: `/privacy show` and `/privacy delete`. Nothing is ever posted that pings @everyone.',
    ]
      .filter((l, i, arr) => l !== '' || arr[i - 1] !== '')
      .join('\n');
    // Discord: 2000 characters per message; a long list is cut at a line break and says how to see the rest.
    const hint = '\n… try /help <word>';
    return reply.ephemeral(
      text.length <= LIMITS.content ? text : `${fitText(text, LIMITS.content - hint.length, '')}${hint}`,
    );
  },
});
