/**
 * When rounds happen (pure but for nextRoundAt's settings read): the weekly cron of a guild's
 * settings, the local date that names a round, the weeks an every-2-or-4-weeks round runs, and
 * the next round's time.
 */
import { Cron } from 'croner';
import type { Database } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import type { GuildSettings } from '../../guildSettings.js';
import { readSettings } from '../../guildSettings.js';
import type { IntrosSettings } from './settings.js';

const DAY_MS = 86_400_000;

const CRON_DAY = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 } as const;

export function scheduleOf(settings: GuildSettings) {
  const s = settings.intros;
  if (!s.enabled) return null;
  const [hh, mm] = s.time.split(':').map(Number) as [number, number];
  return {
    cron: `${mm} ${hh} * * ${CRON_DAY[s.day]}`,
    timezone: s.timezone ?? settings.core.timezone,
    ...(s.since !== null ? { since: s.since } : {}),
  };
}

/** The local date of a due time: the period of a round (and of its outbox keys). */
export function periodOf(dueAt: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(dueAt));
}

/** Every 2 or 4 weeks: the weekly schedule fires every week and only every k-th week runs. */
export function isRoundWeek(period: string, every: IntrosSettings['every']): boolean {
  const k = every === '1w' ? 1 : every === '2w' ? 2 : 4;
  const days = Math.floor(Date.parse(`${period}T12:00:00Z`) / DAY_MS);
  return Math.floor(days / 7) % k === 0;
}

/** The first round after `now` under `settings` (null: intros off, or none in the next 8 weeks). */
export function nextRoundFrom(settings: GuildSettings, now: number): number | null {
  const schedule = scheduleOf(settings);
  if (!schedule) return null;
  const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  let from = new Date(now);
  for (let i = 0; i < 8; i++) {
    const next = cron.nextRun(from);
    if (!next) return null;
    if (isRoundWeek(periodOf(next.getTime(), schedule.timezone), settings.intros.every)) return next.getTime();
    from = next;
  }
  return null;
}

export async function nextRoundAt(db: Database, guildId: GuildId, now: number): Promise<number | null> {
  return nextRoundFrom(await readSettings(db, guildId), now);
}

/** "Skip me next round": out of the next round only (an hour past it); the one after includes them again. */
export const skipUntilAfter = (nextRound: number | null, now: number) => (nextRound ?? now + 7 * DAY_MS) + 3_600_000;
