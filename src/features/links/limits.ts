/**
 * How often a link code may be asked for and guessed (pure). A code PM lands in the inbox of someone
 * who may not have asked for it, and a code is six digits: so requests are limited per requester and
 * per forum account, and wrong codes are counted per forum account across requests (a new request
 * does not start the count again). Windows are the last 24 hours, so a limit lifts bit by bit.
 */

export const DAY_MS = 86_400_000;
/** Code PMs a member may ask for, and a forum account may receive, per day. */
export const REQUESTS_PER_DAY = 3;
/** Wrong codes per forum account per day; then linking to it is locked for the rest of the window. */
export const WRONG_CODES_PER_DAY = 5;

/** When each counted thing happened within the last day (epoch ms). */
export interface LinkTally {
  requestsByRequester: readonly number[];
  requestsForTarget: readonly number[];
  wrongCodesForTarget: readonly number[];
}

export type LinkLimit =
  | { kind: 'requester'; retryAt: number }
  | { kind: 'target'; retryAt: number }
  | { kind: 'locked'; retryAt: number };

/** When a limit of `max` per day over `times` lifts again: when the oldest counted one leaves the window. */
function liftsAt(times: readonly number[], max: number, now: number): number | null {
  const recent = times.filter((t) => t > now - DAY_MS).sort((a, b) => a - b);
  if (recent.length < max) return null;
  return recent[recent.length - max]! + DAY_MS;
}

/** Why a new code may not be sent now, or null when it may. */
export function requestLimit(tally: LinkTally, now: number): LinkLimit | null {
  const locked = liftsAt(tally.wrongCodesForTarget, WRONG_CODES_PER_DAY, now);
  if (locked !== null) return { kind: 'locked', retryAt: locked };
  const mine = liftsAt(tally.requestsByRequester, REQUESTS_PER_DAY, now);
  if (mine !== null) return { kind: 'requester', retryAt: mine };
  const theirs = liftsAt(tally.requestsForTarget, REQUESTS_PER_DAY, now);
  if (theirs !== null) return { kind: 'target', retryAt: theirs };
  return null;
}

/** Wrong codes left for the forum account today (before counting the one being checked). */
export function wrongCodesLeft(tally: Pick<LinkTally, 'wrongCodesForTarget'>, now: number): number {
  return Math.max(0, WRONG_CODES_PER_DAY - tally.wrongCodesForTarget.filter((t) => t > now - DAY_MS).length);
}

/** "about 5 hours", "about 40 minutes": how long until `at`, rounded up, for a member-facing reply. */
export function waitWords(at: number, now: number): string {
  const minutes = Math.max(1, Math.ceil((at - now) / 60_000));
  if (minutes < 60) return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.ceil(minutes / 60);
  return `about ${hours} hour${hours === 1 ? '' : 's'}`;
}
