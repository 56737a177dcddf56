/**
 * A token bucket: at most `perSecond` takes per second on average, bursts up to `burst`.
 * The outbox paces itself below the platform's limit so it never has to be told "429".
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number = perSecond,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = clock();
  }

  /** Milliseconds to wait before a token is available (0 = take it now). Takes it when 0. */
  tryTake(): number {
    const now = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  async take(): Promise<void> {
    for (;;) {
      const wait = this.tryTake();
      if (wait === 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** The platform told us to pause (429 retry_after): drain the bucket for that long. */
  pause(ms: number): void {
    this.tokens = Math.min(this.tokens, -(ms * this.perSecond) / 1000);
    this.last = this.clock();
  }
}
