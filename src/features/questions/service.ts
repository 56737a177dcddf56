/**
 * The questions feature's public face: what commands, jobs, the digest and other features call.
 * Each operation lives in its own file:
 * - onEvent.ts `handleEvent`: detect questions, mark them answered and solved, keep the expertise
 *   index current (expertiseCache.ts);
 * - scan.ts `scanAndNudge`: the periodic scan (facts in scanFacts.ts, decisions in nudgePolicy.ts and
 *   scanPlan.ts, one write per chunk);
 * - lists.ts: /unanswered and the digest's lists and figures; solve.ts: /solved.
 */
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { readCounterpart } from '../links/identity.js';
import { setNudgesOff } from './communityStore.js';

export { expertiseOf, forgetExpertise, mergeExpertise, useExpertise } from './expertiseCache.js';
export {
  type HelpWanted,
  responseTimes,
  unansweredAcross,
  unansweredFor,
  waitingForDigest,
  weeklyMetrics,
} from './lists.js';
export { handleEvent, isSolvedMark, solve } from './onEvent.js';
export { type ScanResult, scanAndNudge } from './scan.js';
export { whereToPost } from './scanFacts.js';

/**
 * /nudges off|on: the choice is the person's, so a linked member's other account takes it too.
 * Returns whether nudges were off here before.
 */
export function setNudges(
  db: Database,
  guildId: GuildId,
  member: { id: MemberId; displayName: string },
  off: boolean,
  now: number,
): Promise<boolean> {
  return transaction(db, async (tx) => {
    const was = await setNudgesOff(tx, guildId, member, off, now);
    const twin = await readCounterpart(tx, guildId, member.id);
    if (twin) {
      await setNudgesOff(
        tx,
        twin.guildId as GuildId,
        { id: twin.memberId as MemberId, displayName: member.displayName },
        off,
        now,
      );
    }
    return was;
  });
}
