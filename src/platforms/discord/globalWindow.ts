/**
 * The bot token's global limit as the REST proxy keeps it: at most `limit` requests counted by
 * Discord in any window of `windowMs`, however late or bunched they reach it.
 *
 * A pace set at the sending end (a token bucket) cannot promise that: requests that leave evenly
 * arrive bunched when the network or either side stalls, and Discord counts them when it handles
 * them. So a request is let go only while the requests still in flight plus those answered within the
 * last window stay under the limit. Discord handles a request after it was let go and before its
 * answer arrives, so any window of Discord's holds only requests that were, when the last of them was
 * let go, either in flight or answered less than a window before: fewer than `limit`, plus that one.
 */
export class GlobalWindow {
  private inFlight = 0;
  /** When answers arrived (ascending), for the last window. */
  private readonly answered: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Wait for a turn (first come, first served); call the returned function when the answer arrived. */
  async acquire(): Promise<() => void> {
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.pump();
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.answered.push(this.clock());
      this.pump();
    };
  }

  /** Requests counted now: in flight, and answered within the last window. */
  get used(): number {
    this.expire();
    return this.inFlight + this.answered.length;
  }

  private expire(): void {
    const since = this.clock() - this.windowMs;
    while (this.answered.length > 0 && this.answered[0]! <= since) this.answered.shift();
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.used < this.limit) {
      this.inFlight++;
      this.waiting.shift()!();
    }
    // Blocked only by answers that will leave the window: look again when the oldest one does.
    if (this.waiting.length > 0 && this.answered.length > 0 && this.timer === null) {
      const wait = Math.max(1, Math.ceil(this.answered[0]! + this.windowMs - this.clock()));
      this.timer = setTimeout(() => {
        this.timer = null;
        this.pump();
      }, wait);
    }
  }
}
