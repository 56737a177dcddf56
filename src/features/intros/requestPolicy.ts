/**
 * /meet's "Introduce us", Accept and Decline (pure): who may ask whom, when a request is already
 * open or was declined too recently, what an answer changes. Plain data in; refusals are
 * UserFacingErrors (the asker can do something about them), everything else a decision as data.
 */
import { UserFacingError } from '../../commands.js';
import type { GuildId } from '../../events.js';
import { type Handle, nameFor } from './across.js';
import { quiet } from './reasons.js';
import { type IntroHistory, type PairScore, pairKey } from './score.js';
import type { IntroRow } from './store.js';

const DAY_MS = 86_400_000;

/** An open /meet request is answered "already asked" for this long. */
export const OPEN_REQUEST_MS = 30 * DAY_MS;
/** A declined /meet request is not asked again for this long. */
export const DECLINE_QUIET_MS = 180 * DAY_MS;

const notPossible = () => new UserFacingError('That introduction is not possible right now. /meet has others.');

/** The id of a /meet intro: its time and a short hash of the pair (two asks in one millisecond differ). */
export const introIdFor = (a: string, b: string, now: number) =>
  `m${now.toString(36)}${(hashOf(`${a}|${b}`) % 46656).toString(36)}`;

function hashOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** What a refusal or an "already asked" needs: read before anything about the pair is scored. */
export interface GateFacts {
  consent: ReadonlySet<string>;
  /** An open request between the two from the last 30 days, if any. */
  open: { introId: string } | null;
  history: IntroHistory;
}

export interface RequestFacts extends GateFacts {
  /** Their pair's score (null: nothing to say about them). */
  score: PairScore | null;
  /** Paired and the other person is only on the other platform (no buttons there). */
  otherAway: boolean;
  /** Paired: how the two are reached. */
  handles: ReadonlyMap<string, Handle> | null;
}

export type RequestDecision =
  | { kind: 'already'; introId: string; where?: string }
  | { kind: 'ask'; introId: string; score: PairScore }
  | { kind: 'askAcross'; introId: string; score: PairScore; asker: Handle; other: Handle };

/**
 * Whether `askerId` may ask `otherId` at all ('go'), or is answered with the open request; the
 * refusals are thrown. The pair's score is read only after 'go'.
 */
export function gateRequest(
  f: GateFacts,
  askerId: string,
  otherId: string,
  now: number,
): { kind: 'already'; introId: string } | { kind: 'go' } {
  if (askerId === otherId) throw new UserFacingError('That is you! Try /meet for other people.');
  if (!f.consent.has(askerId)) throw new UserFacingError('You have not joined intros yet — try /intros join');
  // Someone who left intros is never contacted: the asker hears only that it is not possible now.
  if (!f.consent.has(otherId)) throw notPossible();
  if (f.open) return { kind: 'already', introId: f.open.introId };
  const past = f.history.pairs.get(pairKey(askerId, otherId));
  if (past?.outcome === 'declined' && now - past.at < DECLINE_QUIET_MS) {
    throw new UserFacingError('Not this time. /meet has more people for you.');
  }
  return { kind: 'go' };
}

/** Whether and how `askerId` may ask `otherId` for an introduction now. */
export function decideRequest(f: RequestFacts, askerId: string, otherId: string, now: number): RequestDecision {
  const gate = gateRequest(f, askerId, otherId, now);
  if (gate.kind === 'already') return gate;
  const past = f.history.pairs.get(pairKey(askerId, otherId));
  const score = f.score ?? { a: askerId, b: otherId, score: 0, reasons: [] };
  const introId = introIdFor(askerId, otherId, now);
  if (!f.otherAway) return { kind: 'ask', introId, score };
  // Someone only on the other platform cannot press Accept or Decline (Discourse has no buttons):
  // they get a private message there with the asker's handle, and the intro counts as made.
  const me = f.handles?.get(askerId);
  const them = f.handles?.get(otherId);
  if (past && past.outcome !== 'declined' && now - past.at < OPEN_REQUEST_MS) {
    return { kind: 'already', introId, where: me && them ? nameFor(them, me, quiet).text : 'elsewhere' };
  }
  if (!me || !them) throw notPossible();
  return { kind: 'askAcross', introId, score, asker: me, other: them };
}

/** A /meet intro as first written: asked, not decided, no thread, no follow-up yet. */
export function meetRow(
  guildId: GuildId,
  introId: string,
  memberIds: string[],
  score: PairScore,
  now: number,
): IntroRow {
  return {
    guildId,
    introId,
    kind: 'meet',
    roundId: null,
    roundSeq: null,
    groupIndex: null,
    memberIds,
    reasons: score.reasons,
    score: score.score,
    status: 'asked',
    threadKey: null,
    createdAt: now,
    decidedAt: null,
    followUpAt: null,
    followedUpAt: null,
  };
}

/** The intro `memberId` was invited to (the second member of a /meet intro); else why they cannot answer. */
export function invitationFor(intro: IntroRow | null, memberId: string): IntroRow {
  if (intro?.kind !== 'meet') throw new UserFacingError('This invitation is no longer open.');
  if (intro.memberIds[1] !== memberId) throw new UserFacingError('This invitation is for someone else.');
  return intro;
}

/**
 * What Accept does: nothing twice; an intro with someone who has left intros since is closed
 * ('gone', recorded as declined); else it is made.
 */
export function decideAccept(
  intro: IntroRow | null,
  memberId: string,
  consent: ReadonlySet<string>,
): 'made' | 'already' | 'declined' | 'gone' {
  const invited = invitationFor(intro, memberId);
  if (invited.status === 'made') return 'already';
  if (invited.status === 'declined') return 'declined';
  return invited.memberIds.every((id) => consent.has(id)) ? 'made' : 'gone';
}

/** What Decline does: only an open request is declined; the asker hears of it while still in intros. */
export function decideDecline(
  intro: IntroRow | null,
  memberId: string,
  consent: ReadonlySet<string>,
): { outcome: 'declined' | 'already'; tellAsker: boolean } {
  const invited = invitationFor(intro, memberId);
  if (invited.status !== 'asked') return { outcome: 'already', tellAsker: false };
  return { outcome: 'declined', tellAsker: consent.has(invited.memberIds[0]!) };
}
