/** When the digest goes out, which week it covers, and its outbox keys (pure). */
import { Cron } from 'croner';
import type { GuildId, MemberId } from '../../events.js';
import type { GuildSettings } from '../../guildSettings.js';
import type { GuildSchedule } from '../../scheduler/job.js';
import { dateInIsoWeek, dateOf, isoWeek, type LocalDate, shortDate, WEEKDAYS } from './calendar.js';

/** Which seven days a digest covers, and the period (ISO week) it counts as. */
export interface DigestTarget {
  /** The window is the seven local days before this date. */
  endDate: LocalDate;
  period: string;
}

export const digestKey = (guildId: GuildId, period: string) => `digest:${guildId}:${period}`;
export const personalKey = (guildId: GuildId, period: string, memberId: MemberId) =>
  `digest-me:${guildId}:${period}:${memberId}`;

export const digestTimezone = (settings: GuildSettings): string => settings.digest.timezone ?? settings.core.timezone;

/** Croner's day-of-week numbers (0 = Sunday). */
const CRON_DAY: Record<(typeof WEEKDAYS)[number], number> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 0,
};

/** The guild's digest schedule, or null while the digest is off (no channel). */
export function scheduleOf(settings: GuildSettings): GuildSchedule | null {
  const d = settings.digest;
  if (!d.channelId) return null;
  const [hour, minute] = d.time.split(':').map(Number);
  return {
    cron: `${minute} ${hour} * * ${CRON_DAY[d.day]}`,
    timezone: digestTimezone(settings),
    ...(d.scheduledSince !== null ? { since: d.scheduledSince } : {}),
  };
}

/** The scheduled digest of ISO week `period` covers the seven days before its due day. */
export function scheduledTarget(settings: GuildSettings, period: string): DigestTarget | null {
  const endDate = dateInIsoWeek(period, WEEKDAYS.indexOf(settings.digest.day) + 1);
  return endDate ? { endDate, period } : null;
}

/** A digest made now (preview, post-now) covers the seven whole days before today. */
export function currentTarget(settings: GuildSettings, now: number): DigestTarget {
  const tz = digestTimezone(settings);
  return { endDate: dateOf(now, tz), period: isoWeek(now, tz) };
}

/** When the next scheduled digest is due, or null while it is off. */
export function nextDigestAt(settings: GuildSettings, now: number): number | null {
  const schedule = scheduleOf(settings);
  if (!schedule) return null;
  const next = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(new Date(now));
  return next ? next.getTime() : null;
}

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "every Monday at 09:00 (Europe/Berlin); next on Mon 30 Nov" */
export function describeSchedule(settings: GuildSettings, now: number): string {
  const d = settings.digest;
  const tz = digestTimezone(settings);
  const day = DAY_NAMES[WEEKDAYS.indexOf(d.day)]!;
  const next = nextDigestAt(settings, now);
  const nextText = next === null ? '' : `; next on ${day.slice(0, 3)} ${shortDate(dateOf(next, tz))}`;
  return `every ${day} at ${d.time} (${tz})${nextText}`;
}
