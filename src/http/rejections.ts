/**
 * Refused HTTP requests, logged so that a flood cannot flood the log: the first refusal for each
 * reason is logged at once with its details (a wrong webhook secret shows up while the operator is
 * still looking), later ones are counted and summarised in one line per period with counts by reason.
 */
import type { Logger } from '../log.js';
import { plural } from '../text/plural.js';

export class Rejections {
  private readonly seen = new Set<string>();
  private counts = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    private readonly everyMs: number,
  ) {}

  /** Count one refused request (or dropped connection) under `reason`. */
  count(reason: string, detail: Record<string, unknown> = {}): void {
    if (!this.seen.has(reason)) {
      this.seen.add(reason);
      this.log.warn(
        { reason, ...detail },
        `http: refused a request (${reason}); further refusals are summarised every ${Math.round(this.everyMs / 1000)} s`,
      );
      return;
    }
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    // One timer per period with something to say: an idle server keeps no timer running.
    this.timer ??= setTimeout(() => this.flush(), this.everyMs).unref();
  }

  /** Log the summary of what was counted since the last one (nothing when nothing was). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.counts.size === 0) return;
    const byReason = Object.fromEntries(this.counts);
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    this.counts = new Map();
    this.log.warn(
      { refused: byReason, total },
      `http: refused ${plural(total, 'more request')} since the last summary`,
    );
  }
}
