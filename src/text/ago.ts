/** How long ago, in words a reason can use: "3 hours ago", "yesterday", "9 days ago", "4 months ago". */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function ago(ms: number): string {
  const t = Math.max(0, ms);
  if (t < HOUR_MS) return 'within the hour';
  if (t < DAY_MS) {
    const h = Math.floor(t / HOUR_MS);
    return `${h} hour${h === 1 ? '' : 's'} ago`;
  }
  const days = Math.floor(t / DAY_MS);
  if (days === 1) return 'yesterday';
  if (days < 60) return `${days} days ago`;
  const months = Math.round(days / 30);
  return months < 24 ? `${months} months ago` : `${Math.round(days / 365)} years ago`;
}
