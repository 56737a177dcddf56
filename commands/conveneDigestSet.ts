import { databaseOf, defineCommand, reply, UserFacingError } from '../src/commands.js';
import { WEEKDAYS } from '../src/features/digest/calendar.js';
import { describeSchedule } from '../src/features/digest/service.js';
import { DIGEST_TIME } from '../src/features/digest/settings.js';
import { changeSettings, isTimezone } from '../src/guildSettings.js';
import { safeText } from '../src/text/fit.js';

export default defineCommand({
  name: 'convene digest set',
  description: 'Where and when the weekly digest is posted (default Monday 09:00)',
  access: 'moderator',
  options: {
    channel: { type: 'channel', description: 'The channel to post the digest in' },
    day: { type: 'string', description: 'Day of the week', choices: WEEKDAYS },
    time: { type: 'string', description: 'Local time, 24 h, e.g. 09:00', minLength: 4, maxLength: 5 },
    timezone: {
      type: 'string',
      description: 'IANA timezone, e.g. Europe/Berlin (default: the server timezone)',
      maxLength: 64,
    },
  },
  async run(ctx) {
    const { channel, day, timezone } = ctx.options;
    const time = ctx.options.time?.trim().padStart(5, '0');
    if (time !== undefined && !DIGEST_TIME.test(time)) {
      throw new UserFacingError('Write the time as HH:MM on a 24-hour clock, for example 09:00 or 17:30.');
    }
    if (timezone !== undefined && !isTimezone(timezone.trim())) {
      throw new UserFacingError(
        `"${safeText(timezone, 64)}" is not a timezone I know. Use an IANA name such as Europe/Berlin or America/New_York.`,
      );
    }
    const settings = await changeSettings(
      databaseOf(ctx.deps),
      ctx.guild.id,
      ctx.member.id,
      'digest.set',
      (s) => {
        if (!channel && !s.digest.channelId) {
          throw new UserFacingError('Choose a channel for the digest: /convene digest set channel:');
        }
        const next = {
          ...s.digest,
          ...(channel ? { channelId: channel } : {}),
          ...(day ? { day } : {}),
          ...(time ? { time } : {}),
          ...(timezone ? { timezone: timezone.trim() } : {}),
        };
        const changed =
          next.channelId !== s.digest.channelId ||
          next.day !== s.digest.day ||
          next.time !== s.digest.time ||
          next.timezone !== s.digest.timezone;
        // A new schedule starts now: a time that already passed this week is not "caught up".
        return { ...s, digest: { ...next, scheduledSince: changed ? ctx.now : s.digest.scheduledSince } };
      },
      ctx.now,
    );
    const where = ctx.platform === 'discord' ? `<#${settings.digest.channelId}>` : 'the chosen channel';
    return reply.ephemeral(
      `The weekly digest goes to ${where} ${describeSchedule(settings, ctx.now)}. See it first with /convene digest preview.`,
    );
  },
});
