/**
 * Introductions, the feature's public face: joining and leaving, and the operations, each in its
 * own file (facts read from the store, decided by the pure files, written in one transaction):
 * meet.ts (/meet), request.ts (Introduce us, Accept, Decline), round.ts (a round), followUp.ts
 * ("Did you meet?" and the answers), configure.ts (/convene intros set and off), schedule.ts.
 *
 * Outbox keys (a restart neither loses nor duplicates anything):
 * - intros:<guild>:<round>:<groupIndex>          a round's thread (or :<member> for DMs)
 * - intros:<guild>:ask:<introId>                 "X would like to meet you" (Accept / Decline)
 * - intros:<guild>:meet:<introId>                the thread after an accept (or :<member> for DMs)
 * - intros:<guild>:declined:<introId>            "not this time" to the asker
 * - intros:<guild>:followup:<introId>:<member>   "Did you meet?"
 * - intros:<guild>:announce:<channel>            the "join intros" post
 *
 * A paired community (a Discord guild and its forum) is one community: its round, /meet and intros
 * span both platforms (community.ts). Its intros are recorded, and keyed, under the guild that runs
 * them, with members of the other platform as `<forum>/<id>` (across.ts); each person is written to
 * on the platform where they are active, under `<key>:<member key>`.
 */
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { ensureProfile } from './build.js';
import { roundGuildOf } from './community.js';
import type { DeclaredProfile } from './profile.js';
import { nextRoundAt } from './schedule.js';
import { consentingIds, joinIntros, leaveIntros, membership, setDeclared } from './store.js';

export { PROFILE_MAX_AGE_MS, refreshProfiles } from './build.js';
export { configure, type IntrosConfig, turnOff } from './configure.js';
export { giveFeedback, sendFollowUps } from './followUp.js';
export { suggestFor } from './meet.js';
export { BUTTONS } from './messages.js';
export type { Suggestion } from './pick.js';
export { acceptIntro, declineIntro, requestIntro } from './request.js';
export { type RoundResult, runRound } from './round.js';
export { planRound } from './roundPlan.js';
export { isRoundWeek, nextRoundAt, periodOf, scheduleOf } from './schedule.js';
export { consentingIds as consentingMembers };

/** Join intros; their profile is built now (not at the next daily build), so /meet finds them at once. */
export async function join(db: Database, guildId: GuildId, memberId: MemberId, now: number) {
  const outcome = await joinIntros(db, guildId, memberId, now);
  if (outcome === 'joined') await ensureProfile(db, guildId, memberId, now);
  return outcome;
}

export function leave(db: Database, guildId: GuildId, memberId: MemberId, now: number) {
  return leaveIntros(db, guildId, memberId, now);
}

export interface IntrosStatus {
  in: boolean;
  skipping: boolean;
  nextRoundAt: number | null;
}

export async function status(db: Database, guildId: GuildId, memberId: MemberId, now: number): Promise<IntrosStatus> {
  const m = await membership(db, guildId, memberId);
  const isIn = !!m && m.leftAt === null && (await consentingIds(db, guildId, [memberId])).has(memberId);
  return {
    in: isIn,
    skipping: isIn && m!.skipUntil !== null && m!.skipUntil > now,
    // A paired forum's members are in the Discord guild's round (roundGuildOf).
    nextRoundAt: await nextRoundAt(db, await roundGuildOf(db, guildId), now),
  };
}

/** A member's declared profile (/profile set, or shared from a linked account). */
export function declareProfile(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
  declared: DeclaredProfile,
  now: number,
): Promise<void> {
  return setDeclared(db, guildId, memberId, declared, now);
}
