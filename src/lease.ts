/**
 * Who holds a lease. Outbox rows and scheduled runs are claimed by one process at a time across
 * every process on the database; the claim records this token so a process only finishes, renews
 * or checkpoints what it still holds. A process that lost a lease (it stalled past the lease and
 * another took the row over) is told so instead of overwriting the new holder's work.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** host:pid:random. The random part tells apart two processes that reuse a pid (containers, restarts). */
export function newOwnerToken(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** This process's token, made once at start-up. */
export const PROCESS_OWNER = newOwnerToken();

/** The caller no longer holds the lease it worked under: another process owns the row now. */
export class LeaseLostError extends Error {
  constructor(what: string) {
    super(`lease lost: ${what} is held by another process now`);
    this.name = 'LeaseLostError';
  }
}
