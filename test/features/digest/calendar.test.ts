import { describe, expect, it } from 'vitest';
import {
  dateInIsoWeek,
  isoWeek,
  isoWeekOfDate,
  localMidnight,
  previousWindows,
  weekEndingAt,
  windowLabel,
  zonedTime,
} from '../../../src/features/digest/calendar.js';

const HOUR = 3_600_000;

describe('ISO weeks', () => {
  it.each([
    [{ year: 2026, month: 11, day: 23 }, '2026-W48'],
    [{ year: 2026, month: 11, day: 29 }, '2026-W48'],
    [{ year: 2026, month: 1, day: 1 }, '2026-W01'],
    [{ year: 2027, month: 1, day: 1 }, '2026-W53'],
    [{ year: 2021, month: 1, day: 3 }, '2020-W53'],
    [{ year: 2024, month: 12, day: 30 }, '2025-W01'],
  ])('GIVEN %o THEN the ISO week is %s', (date, week) => {
    expect(isoWeekOfDate(date)).toBe(week);
  });

  it('GIVEN a Sunday-night instant in UTC THEN Berlin already sees the next ISO week', () => {
    const at = Date.UTC(2026, 10, 22, 23, 30);
    expect(isoWeek(at, 'UTC')).toBe('2026-W47');
    expect(isoWeek(at, 'Europe/Berlin')).toBe('2026-W48');
  });

  it.each([
    ['2026-W48', 1, { year: 2026, month: 11, day: 23 }],
    ['2026-W53', 5, { year: 2027, month: 1, day: 1 }],
    ['2025-W01', 1, { year: 2024, month: 12, day: 30 }],
  ])('GIVEN %s weekday %i THEN the date is %o', (label, weekday, date) => {
    expect(dateInIsoWeek(label, weekday)).toEqual(date);
  });

  it.each(['2025-W53', 'W48', '2026-48', '2026-W00'])(
    'GIVEN the malformed or missing week %s THEN there is no date',
    (label) => {
      expect(dateInIsoWeek(label, 1)).toBeNull();
    },
  );
});

describe('local time', () => {
  it('GIVEN Berlin in winter and in summer THEN 09:00 local is 08:00 and 07:00 UTC', () => {
    expect(zonedTime({ year: 2026, month: 1, day: 12 }, 9, 0, 'Europe/Berlin')).toBe(Date.UTC(2026, 0, 12, 8));
    expect(zonedTime({ year: 2026, month: 7, day: 13 }, 9, 0, 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 13, 7));
  });

  it('GIVEN a week that contains the spring DST change THEN it is 167 hours and its Sunday 23', () => {
    const w = weekEndingAt({ year: 2026, month: 3, day: 30 }, 'Europe/Berlin');
    expect(w.end - w.start).toBe(167 * HOUR);
    expect(w.days).toHaveLength(8);
    expect(w.days[7]! - w.days[6]!).toBe(23 * HOUR);
    expect(w.start).toBe(localMidnight({ year: 2026, month: 3, day: 23 }, 'Europe/Berlin'));
  });

  it('GIVEN eight windows THEN they are consecutive, oldest first, ending with the last', () => {
    const last = weekEndingAt({ year: 2026, month: 11, day: 23 }, 'America/New_York');
    const windows = previousWindows(last, 8, 'America/New_York');
    expect(windows).toHaveLength(8);
    expect(windows.at(-1)).toEqual(last);
    for (let i = 1; i < 8; i++) expect(windows[i]!.start).toBe(windows[i - 1]!.end);
  });

  it.each([
    [{ year: 2026, month: 3, day: 9 }, '2–8 Mar 2026'],
    [{ year: 2026, month: 12, day: 3 }, '26 Nov – 2 Dec 2026'],
    [{ year: 2027, month: 1, day: 4 }, '28 Dec 2026 – 3 Jan 2027'],
  ])('GIVEN a window ending %o THEN its label is %s', (end, label) => {
    expect(windowLabel(weekEndingAt(end, 'UTC'))).toBe(label);
  });
});
