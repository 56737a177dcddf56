/** What the journey keeps about a member, shown (export) and erased on request. */
import { and, asc, eq, or } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { journeyMembers, journeyMilestones, journeySolved } from '../../db/schema.js';
import type { GuildId, MemberId } from '../../events.js';
import { deleteMemberRows } from '../eraseRows.js';
import { getJourney } from './store.js';

export function exportJourney(db: Db, guildId: GuildId, memberId: MemberId): Record<string, unknown> {
  const row = getJourney(db, guildId, memberId);
  const milestones = db
    .select({ stage: journeyMilestones.stage, reachedAt: journeyMilestones.reachedAt })
    .from(journeyMilestones)
    .where(and(eq(journeyMilestones.guildId, guildId), eq(journeyMilestones.memberId, memberId)))
    .orderBy(asc(journeyMilestones.reachedAt))
    .all();
  const solved = db
    .select({ messageId: journeySolved.messageId, via: journeySolved.via, at: journeySolved.at })
    .from(journeySolved)
    .where(and(eq(journeySolved.guildId, guildId), eq(journeySolved.memberId, memberId)))
    .all();
  return { state: row ?? null, milestones, answersCreditedAsHelpful: solved };
}

const ERASED = '(erased)';

export function eraseJourney(db: Db, guildId: GuildId, memberId: MemberId): void {
  db.transaction((tx) => {
    deleteMemberRows(tx as unknown as Db, guildId, memberId, [
      [journeyMembers, journeyMembers.memberId],
      [journeyMilestones, journeyMilestones.memberId],
    ]);
    tx.delete(journeySolved)
      .where(
        and(
          eq(journeySolved.guildId, guildId),
          or(eq(journeySolved.memberId, memberId), eq(journeySolved.byMemberId, memberId)),
        ),
      )
      .run();
    // Other members' first posts that this member answered first stay answered (or someone else
    // would be credited as first later), but no longer say by whom.
    tx.update(journeyMembers)
      .set({ firstReplyBy: ERASED })
      .where(and(eq(journeyMembers.guildId, guildId), eq(journeyMembers.firstReplyBy, memberId)))
      .run();
  });
}
