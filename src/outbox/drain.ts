/**
 * Drains the outbox for one platform: claims due rows with a lease, sends each through the
 * platform's sender at a paced rate, marks each done exactly once, retries transient failures with
 * exponential backoff (or the platform's retry-after), and gives up on permanent ones.
 * A crash leaves leased rows that become due again when the lease expires; senders make the resend
 * harmless (Discord message nonces, checkpoints for multi-step actions). Several processes may
 * drain one database: each claims under its own owner token, renews the leases of the batch it is
 * sending, and finishes only rows it still holds. The claims (./claims.ts) run on SQLite and PostgreSQL.
 */
import type { Database } from '../db/database.js';
import type { GuildId } from '../events.js';
import { LeaseLostError, PROCESS_OWNER } from '../lease.js';
import type { Logger } from '../log.js';
import {
  checkpoint,
  claimDue,
  markDone,
  markFailed,
  type OutboxRow,
  progressOf,
  renewLeases,
  retryLater,
} from './claims.js';
import { PermanentSendError, type PlatformSender, RetryableSendError, UnreachableError } from './platformSender.js';
import { TokenBucket } from './rateLimiter.js';

export interface DrainOptions {
  /** Requests per second to pace at (Discord's global limit is 50/s: stay a little under). */
  ratePerSecond: number;
  /** Actions in flight at once. */
  concurrency: number;
  /** How long a claimed row is ours before another sender may take it over. */
  leaseMs: number;
  /** Give up after this many attempts of a transient failure. */
  maxAttempts: number;
  /** Poll interval when idle (wake() cuts it short). */
  idleMs: number;
  now: () => number;
  /** Who this drain claims as (src/lease.ts); one token per process. */
  owner: string;
}

export const DEFAULT_DRAIN: DrainOptions = {
  ratePerSecond: 47,
  concurrency: 8,
  leaseMs: 30_000,
  maxAttempts: 8,
  idleMs: 1_000,
  now: Date.now,
  owner: PROCESS_OWNER,
};

/** Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(300_000, 1_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

export class OutboxDrain {
  private readonly options: DrainOptions;
  private readonly bucket: TokenBucket;
  private running = false;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /** Counters for status and benchmarks. */
  readonly stats = { sent: 0, retried: 0, failed: 0, rateLimited: 0, leaseLost: 0 };

  constructor(
    private readonly db: Database,
    private readonly sender: PlatformSender,
    private readonly log: Logger,
    options: Partial<DrainOptions> = {},
  ) {
    this.options = { ...DEFAULT_DRAIN, ...options };
    this.bucket = new TokenBucket(this.options.ratePerSecond, Math.max(1, Math.floor(this.options.ratePerSecond / 5)));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** Send everything due now and return when the outbox has nothing due (tests, benchmarks). */
  async drainAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const sent = await this.batch();
      if (sent === 0) return total;
      total += sent;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.batch();
      } catch (error) {
        this.log.error({ err: error, platform: this.sender.platform }, 'outbox drain failed; retrying');
      }
      if (handled === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.idleMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeUp = null;
      }
    }
  }

  /** Claim a batch and send it with bounded concurrency; returns how many rows were handled. */
  private async batch(): Promise<number> {
    const { concurrency, leaseMs, owner } = this.options;
    const rows = await claimDue(this.db, this.sender.platform, this.options.now(), concurrency * 4, leaseMs, owner);
    if (rows.length === 0) return 0;
    // The rows not sent yet keep their lease while the batch is alive (a slow, rate-limited batch is
    // not taken over by another process); a killed process stops renewing and its rows pass on.
    const inFlight = new Set(rows.map((r) => r.id));
    const heartbeat = setInterval(
      () =>
        void renewLeases(this.db, [...inFlight], owner, this.options.now() + leaseMs).catch((error) => {
          // A busy database at one beat: the next beat (a third of the lease later) tries again.
          this.log.warn({ err: error }, 'outbox: could not renew leases');
        }),
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        await this.bucket.take();
        await this.sendOne(row);
        inFlight.delete(row.id);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
    } finally {
      clearInterval(heartbeat);
    }
    return rows.length;
  }

  private async sendOne(row: OutboxRow): Promise<void> {
    const { now, owner } = this.options;
    const progress = await progressOf(this.db, row.id);
    let lost = false;
    try {
      const result = await this.sender.send(row.action, {
        guildId: row.guildId as GuildId,
        key: row.key,
        id: row.id,
        attempt: row.attempts,
        progress,
        checkpoint: async (next) => {
          // Noting a step of a row another process holds now would overwrite its notes: stop instead.
          if (!(await checkpoint(this.db, row.id, owner, next))) {
            lost = true;
            throw new LeaseLostError(`outbox row ${row.id}`);
          }
        },
      });
      if (await markDone(this.db, row.id, owner, now(), result ?? null)) this.stats.sent++;
      else this.leaseLost(row, 'sent, but the row was taken over before it was marked done');
    } catch (error) {
      if (lost) return this.leaseLost(row, 'stopped before the next step');
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof UnreachableError) {
        // Nothing reached the platform: wait (every row of the batch will say the same) and keep the row.
        this.bucket.pause(error.retryAfterMs ?? 0);
        if (!(await retryLater(this.db, row.id, owner, now() + (error.retryAfterMs ?? 0), message, true))) {
          return this.leaseLost(row, message);
        }
        this.stats.retried++;
        this.log.debug({ key: row.key, error: message }, 'outbox: platform unreachable; will retry');
        return;
      }
      // Anything not known to be permanent (network errors, bugs fixed by a restart) is retried.
      if (!(error instanceof PermanentSendError) && row.attempts < this.options.maxAttempts) {
        const retryAfterMs = error instanceof RetryableSendError ? error.retryAfterMs : undefined;
        if (retryAfterMs !== undefined) {
          this.stats.rateLimited++;
          this.bucket.pause(retryAfterMs);
        }
        const wait = retryAfterMs ?? backoffMs(row.attempts);
        if (!(await retryLater(this.db, row.id, owner, now() + wait, message))) return this.leaseLost(row, message);
        this.stats.retried++;
        this.log.warn({ key: row.key, attempt: row.attempts, waitMs: wait, error: message }, 'outbox: will retry');
        return;
      }
      if (!(await markFailed(this.db, row.id, owner, now(), message))) return this.leaseLost(row, message);
      this.stats.failed++;
      const level = error instanceof PermanentSendError ? 'warn' : 'error';
      this.log[level]({ key: row.key, attempt: row.attempts, error: message }, 'outbox: gave up on action');
    }
  }

  /** Another process holds the row now (this one stalled past its lease): it finishes the row, not us. */
  private leaseLost(row: OutboxRow, what: string): void {
    this.stats.leaseLost++;
    this.log.warn(
      { key: row.key, id: row.id, attempt: row.attempts, what },
      'outbox: lease lost; the new holder finishes the row',
    );
  }
}
