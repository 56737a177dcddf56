/**
 * Discord snowflakes made FROM A GIVEN TIME, so a test can create a message "5 hours ago" and the
 * bot (which reads the creation time from the id, as discord.js does) sees exactly that age.
 *
 * Layout (Discord): 42 bits of ms since 2015-01-01, 5 bits worker, 5 bits process, 12 bits increment.
 */

/** Discord: the first second of 2015, the epoch of every snowflake. */
export const DISCORD_EPOCH = 1_420_070_400_000;

export class SnowflakeFactory {
  /** Ids already handed out per millisecond, so two things made "at the same time" still differ. */
  private readonly issuedPerMs = new Map<number, number>();

  /** A fresh snowflake whose timestamp is `at` (epoch ms). */
  at(at: number): string {
    const ms = Math.max(DISCORD_EPOCH, Math.floor(at));
    const n = this.issuedPerMs.get(ms) ?? 0;
    this.issuedPerMs.set(ms, n + 1);
    // 12 bits of increment, then spill over into the 10 worker/process bits: 4M ids per millisecond.
    const increment = BigInt(n % 4096);
    const worker = BigInt(Math.floor(n / 4096) % 1024);
    return ((BigInt(ms - DISCORD_EPOCH) << 22n) | (worker << 12n) | increment).toString();
  }
}

/** The creation time (epoch ms) encoded in a snowflake. */
export function timestampOf(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}

/** Orders snowflakes numerically (they do not sort as strings when their lengths differ). */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,20}$/.test(value);
}
