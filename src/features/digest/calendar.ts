/**
 * Calendar arithmetic in a guild's timezone (pure): ISO weeks, local midnights, the digest's window.
 * Intl does the timezone work, so DST is handled by the same tz database Node ships with.
 */

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
}

export interface LocalTime extends LocalDate {
  hour: number;
  minute: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timezone, f);
  }
  return f;
}

const WEEKDAY_NUMBER: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The wall-clock time in `timezone` at the instant `ms`. */
export function localTime(ms: number, timezone: string): LocalTime & { second: number } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timezone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAY_NUMBER[parts.weekday!] ?? 1,
  };
}

/** Offset of `timezone` from UTC at the instant `ms`, in ms (Berlin in winter: +3,600,000). */
function offsetAt(ms: number, timezone: string): number {
  const t = localTime(ms, timezone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant when the wall clock in `timezone` shows this date and time. A time skipped by a DST
 * jump resolves to the instant just after the jump; a repeated time to its first occurrence.
 */
export function zonedTime(date: LocalDate, hour: number, minute: number, timezone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const first = wall - offsetAt(wall, timezone);
  const second = wall - offsetAt(first, timezone);
  if (first === second) return first;
  // Around a transition the two guesses differ: take the earlier one that shows the wanted time.
  const candidates = [Math.min(first, second), Math.max(first, second)];
  for (const c of candidates) {
    const t = localTime(c, timezone);
    if (t.hour === hour && t.minute === minute) return c;
  }
  return Math.max(first, second);
}

/** Local midnight (00:00 in `timezone`) at the start of `date`. */
export const localMidnight = (date: LocalDate, timezone: string): number => zonedTime(date, 0, 0, timezone);

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export const dateOf = (ms: number, timezone: string): LocalDate => {
  const t = localTime(ms, timezone);
  return { year: t.year, month: t.month, day: t.day };
};

/** ISO 8601 week of a calendar date: "2026-W48" (the week-year can differ from the calendar year). */
export function isoWeekOfDate(date: LocalDate): string {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day));
  const weekday = d.getUTCDay() || 7;
  // The Thursday of this week decides the week-year.
  d.setUTCDate(d.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** ISO week of the instant `ms` as seen in `timezone`. */
export const isoWeek = (ms: number, timezone: string): string => isoWeekOfDate(dateOf(ms, timezone));

const ISO_WEEK = /^(\d{4})-W(\d{2})$/;

/** The date of ISO weekday `weekday` (1 = Monday) in ISO week "2026-W48"; null for a malformed label. */
export function dateInIsoWeek(label: string, weekday: number): LocalDate | null {
  const m = ISO_WEEK.exec(label);
  if (!m) return null;
  const year = Number(m[1]);
  const week = Number(m[2]);
  // January 4th is always in week 1.
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const mondayOfWeek1 = Date.UTC(year, 0, 4 - ((jan4.getUTCDay() || 7) - 1));
  const d = new Date(mondayOfWeek1 + ((week - 1) * 7 + (weekday - 1)) * DAY_MS);
  const result = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  return isoWeekOfDate(result) === label ? result : null;
}

/**
 * A digest's window: seven whole local days ending at the local midnight that starts `endDate`.
 * `days` holds the eight midnights (start … end), so a day is [days[i], days[i+1]) even across DST.
 */
export interface Window {
  start: number;
  end: number;
  days: number[];
  /** The first local date of the window, for labels. */
  firstDate: LocalDate;
}

export function weekEndingAt(endDate: LocalDate, timezone: string): Window {
  const firstDate = addDays(endDate, -7);
  const days = Array.from({ length: 8 }, (_, i) => localMidnight(addDays(firstDate, i), timezone));
  return { start: days[0]!, end: days[7]!, days, firstDate };
}

/** The `count` windows before and including `last`, oldest first (for the 8-week trend). */
export function previousWindows(last: Window, count: number, timezone: string): Window[] {
  const windows: Window[] = [];
  for (let i = count - 1; i >= 0; i--) {
    windows.push(weekEndingAt(addDays(last.firstDate, 7 - 7 * i), timezone));
  }
  return windows;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "17 Nov" */
export const shortDate = (d: LocalDate): string => `${d.day} ${MONTHS[d.month - 1]}`;

/** "17–23 Nov 2026" or "28 Nov – 4 Dec 2026" for the seven days of a window. */
export function windowLabel(w: Window): string {
  const last = addDays(w.firstDate, 6);
  if (w.firstDate.month === last.month) return `${w.firstDate.day}–${last.day} ${MONTHS[last.month - 1]} ${last.year}`;
  const firstYear = w.firstDate.year === last.year ? '' : ` ${w.firstDate.year}`;
  return `${shortDate(w.firstDate)}${firstYear} – ${shortDate(last)} ${last.year}`;
}
