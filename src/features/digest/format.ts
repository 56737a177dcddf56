/** How the digest writes numbers, durations and changes (pure). Counts: src/text/plural.ts. */
import { nounFor } from '../../text/plural.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "< 1 min", "42 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < MINUTE) return '< 1 min';
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < DAY) {
    const h = Math.floor(ms / HOUR);
    const m = Math.round((ms - h * HOUR) / MINUTE);
    if (m === 60) return `${h + 1} h`;
    return m === 0 || h >= 10 ? `${Math.round(ms / HOUR)} h` : `${h} h ${m} min`;
  }
  const d = Math.floor(ms / DAY);
  const h = Math.round((ms - d * DAY) / HOUR);
  if (h === 24) return `${d + 1} d`;
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

/** "64%" */
export const formatShare = (share: number): string => `${Math.round(share * 100)}%`;

/** The week-over-week change of a count: "+12%", "−3%", "new", "no change". */
export function countChange(current: number, previous: number | null | undefined): string | null {
  if (previous === null || previous === undefined) return null;
  if (previous === 0) return current === 0 ? null : 'new';
  const pct = Math.round(((current - previous) / previous) * 100);
  if (pct === 0) return 'no change';
  return pct > 0 ? `▲ ${pct}%` : `▼ ${-pct}%`;
}

/** The change of a share in percentage points: "▲ 5 pts". */
export function shareChange(current: number | null, previous: number | null | undefined): string | null {
  if (current === null || previous === null || previous === undefined) return null;
  const pts = Math.round((current - previous) * 100);
  if (pts === 0) return 'no change';
  return pts > 0 ? `▲ ${pts} ${nounFor(pts, 'pt', 'pts')}` : `▼ ${-pts} ${nounFor(-pts, 'pt', 'pts')}`;
}

/** The change of a response time: shorter is better, so say "faster" / "slower". */
export function durationChange(current: number | null, previous: number | null | undefined): string | null {
  if (current === null || previous === null || previous === undefined) return null;
  const diff = current - previous;
  if (Math.abs(diff) < MINUTE) return 'no change';
  return diff < 0 ? `${formatDuration(-diff)} faster` : `${formatDuration(diff)} slower`;
}

const SPARKS = '▁▂▃▄▅▆▇█';

/** An 8-week trend as block characters; a week without data is "·". */
export function sparkline(values: readonly (number | null)[]): string {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length === 0) return values.map(() => '·').join('');
  const min = Math.min(...known);
  const max = Math.max(...known);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return '·';
      if (max === min) return SPARKS[3];
      return SPARKS[Math.round(((v - min) / (max - min)) * (SPARKS.length - 1))];
    })
    .join('');
}
