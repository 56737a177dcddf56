/**
 * Discord's identify limit: one IDENTIFY per 5 s per bucket (shard id modulo max_concurrency) for the
 * whole bot; one more is answered with op 9 INVALID_SESSION (gateway.ts), when the emulator enforces it.
 */
export const IDENTIFY_WINDOW_MS = 5_000;

export class IdentifyLimit {
  /** Per bucket, when its last accepted IDENTIFY was made. */
  private readonly last = new Map<number, number>();

  constructor(
    private readonly maxConcurrency: number,
    private readonly enforce: boolean,
  ) {}

  /** Records an accepted IDENTIFY of the shard's bucket, or says it is one too many for the window. */
  tooSoon(shardId: number, now = Date.now()): boolean {
    const bucket = shardId % this.maxConcurrency;
    const last = this.last.get(bucket);
    if (this.enforce && last !== undefined && now - last < IDENTIFY_WINDOW_MS) return true;
    this.last.set(bucket, now);
    return false;
  }
}
