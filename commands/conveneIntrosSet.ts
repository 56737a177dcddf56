import { databaseOf, defineCommand, reply, UserFacingError } from '../src/commands.js';
import { configure, nextRoundAt } from '../src/features/intros/service.js';
import { INTRO_EVERY, INTRO_TIME, INTRO_WEEKDAYS } from '../src/features/intros/settings.js';
import { isTimezone } from '../src/guildSettings.js';
import { safeText } from '../src/text/fit.js';
import { plural } from '../src/text/plural.js';

export default defineCommand({
  name: 'convene intros set',
  description: 'Schedule intro rounds: where, how often, when, group size',
  access: 'moderator',
  options: {
    channel: { type: 'channel', description: 'Where private intro threads are opened', required: true },
    every: { type: 'string', description: 'How often', choices: INTRO_EVERY },
    day: { type: 'string', description: 'Day of the week', choices: INTRO_WEEKDAYS },
    time: { type: 'string', description: 'Local time, e.g. 10:00', maxLength: 5 },
    timezone: { type: 'string', description: 'IANA timezone (default: the server timezone)', maxLength: 64 },
    size: { type: 'integer', description: 'People per group: 2 or 3', min: 2, max: 3 },
  },
  async run(ctx) {
    const o = ctx.options;
    if (o.time !== undefined && !INTRO_TIME.test(o.time)) throw new UserFacingError('time: expected HH:MM, e.g. 10:00');
    if (o.timezone !== undefined && !isTimezone(o.timezone)) {
      throw new UserFacingError(
        `timezone: "${safeText(o.timezone, 64)}" is not an IANA timezone such as Europe/Berlin`,
      );
    }
    if (o.size !== undefined && o.size !== 2 && o.size !== 3) throw new UserFacingError('size: 2 or 3');
    const db = databaseOf(ctx.deps);
    const saved = await configure(
      db,
      ctx.platform,
      ctx.guild.id,
      ctx.member.id,
      {
        channelId: o.channel,
        every: o.every ?? '1w',
        day: o.day ?? 'monday',
        time: o.time ?? '10:00',
        timezone: o.timezone ?? null,
        size: (o.size ?? 2) as 2 | 3,
      },
      ctx.now,
    );
    ctx.deps.wakeOutbox();
    const next = await nextRoundAt(db, ctx.guild.id, ctx.now);
    const when = next === null ? '' : ` Next round: <t:${Math.floor(next / 1000)}:F>.`;
    return reply.ephemeral(
      `Intro rounds are on: every ${everyWords(saved.every)} on ${saved.day} at ${saved.time}, groups of ${saved.size}, threads in <#${saved.channelId}>.${when} I posted a "Join intros" button there.`,
    );
  },
});

/** "1w" → "week", "2w" → "2 weeks": how a moderator reads the setting back. */
export function everyWords(every: string): string {
  const weeks = Number.parseInt(every, 10);
  return weeks === 1 ? 'week' : plural(weeks, 'week');
}
