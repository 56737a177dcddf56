/** When two members are around (pure): overlap of their posting hours, or of their declared timezones. */

/** Smoothed hour distributions, computed once per hours array (profiles are read-only). */
const hourShares = new WeakMap<readonly number[], Float64Array | null>();

function sharesOf(hours: readonly number[]): Float64Array | null {
  let shares = hourShares.get(hours);
  if (shares !== undefined) return shares;
  const sum = hours.reduce((x, y) => x + y, 0);
  if (sum < 5) shares = null;
  else {
    // Smooth over ±1 h: posting at 21:00 and 22:00 is the same evening.
    shares = new Float64Array(24);
    for (let h = 0; h < 24; h++) shares[h] = (hours[(h + 23) % 24]! + 2 * hours[h]! + hours[(h + 1) % 24]!) / (4 * sum);
  }
  hourShares.set(hours, shares);
  return shares;
}

/** Local-hours histogram → overlap in [0, 1] (1 = the same hours); null with too little data. */
export function hoursOverlap(a: readonly number[], b: readonly number[]): number | null {
  const pa = sharesOf(a);
  const pb = sharesOf(b);
  if (!pa || !pb) return null;
  let overlap = 0;
  for (let h = 0; h < 24; h++) overlap += Math.min(pa[h]!, pb[h]!);
  return overlap;
}

const offsets = new Map<string, number | null>();

/** UTC offset in hours of an IANA zone at `now` (null when unknown); cached per zone and day. */
export function utcOffsetHours(timezone: string, now: number): number | null {
  const key = `${timezone}@${Math.floor(now / 86_400_000)}`;
  if (offsets.has(key)) return offsets.get(key)!;
  const offset = computeOffset(timezone, now);
  if (offsets.size > 10_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

function computeOffset(timezone: string, now: number): number | null {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hour12: false,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).formatToParts(new Date(now));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'));
    return Math.round((local - now) / 900_000) / 4;
  } catch {
    // An unknown zone (validated on input, but old rows may hold anything): no timezone signal.
    return null;
  }
}

/** Waking-hours overlap of two declared offsets: 1 when equal, 0 when 12 h apart. */
export function offsetOverlap(a: number, b: number): number {
  const d = Math.abs(a - b) % 24;
  return 1 - Math.min(d, 24 - d) / 12;
}
