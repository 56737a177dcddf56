/**
 * What a platform adapter implements so the outbox can drain its actions. The drain loop
 * (./drain.ts) owns leases, retries and backoff; a sender only performs one action and classifies
 * failures.
 */
import type { Action } from '../actions.js';
import type { GuildId, Platform } from '../events.js';

export interface SendContext {
  guildId: GuildId;
  /** The outbox key: stable across retries and restarts (use it as a nonce where the platform has one). */
  key: string;
  /** The outbox row id (small, unique). */
  id: number;
  attempt: number;
  /** What an earlier attempt saved with `checkpoint` (e.g. the id of a thread already created). */
  progress: unknown;
  /**
   * Save partial progress durably now, so a retry after a crash does not redo a non-idempotent step.
   * Rejects with LeaseLostError when another process holds the row now: the sender must stop.
   */
  checkpoint(progress: unknown): Promise<void>;
}

export interface PlatformSender {
  readonly platform: Platform;
  /** Perform one action; return what the platform returned that later actions may need (ids). */
  send(action: Action, ctx: SendContext): Promise<unknown>;
}

/** Try again later: rate limits (429), 5xx, network errors. `retryAfterMs` when the platform said. */
export class RetryableSendError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableSendError';
  }
}

/**
 * The platform, or the proxy in front of it, could not be reached at all: not the action's fault, so
 * the try does not count towards giving up; the row waits `retryAfterMs` and is tried again, however
 * long the outage lasts.
 */
export class UnreachableError extends RetryableSendError {
  constructor(message: string, retryAfterMs: number) {
    super(message, retryAfterMs);
    this.name = 'UnreachableError';
  }
}

/** Never try again: 4xx validation, missing permissions, unknown channel. Recorded, shown in status. */
export class PermanentSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentSendError';
  }
}
