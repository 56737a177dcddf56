/** What the journey keeps about a member, shown (export) and erased on request. */
import { and, asc, eq, or } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { getJourney } from './store.js';

export async function exportJourney(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
): Promise<Record<string, unknown>> {
  const { journeyMilestones, journeySolved } = db.tables;
  const row = await getJourney(db, guildId, memberId);
  const milestones = await db
    .select({ stage: journeyMilestones.stage, reachedAt: journeyMilestones.reachedAt })
    .from(journeyMilestones)
    .where(and(eq(journeyMilestones.guildId, guildId), eq(journeyMilestones.memberId, memberId)))
    .orderBy(asc(journeyMilestones.reachedAt));
  const solved = await db
    .select({ messageId: journeySolved.messageId, via: journeySolved.via, at: journeySolved.at })
    .from(journeySolved)
    .where(and(eq(journeySolved.guildId, guildId), eq(journeySolved.memberId, memberId)));
  return { state: row ?? null, milestones, answersCreditedAsHelpful: solved };
}

const ERASED = '(erased)';

/** Erase what the journey keeps about a member; `tx` is the erasure's transaction. */
export async function eraseJourney(tx: Database, guildId: GuildId, memberId: MemberId): Promise<void> {
  const { journeyMembers, journeyMilestones, journeySolved } = tx.tables;
  await tx
    .delete(journeyMembers)
    .where(and(eq(journeyMembers.guildId, guildId), eq(journeyMembers.memberId, memberId)));
  await tx
    .delete(journeyMilestones)
    .where(and(eq(journeyMilestones.guildId, guildId), eq(journeyMilestones.memberId, memberId)));
  await tx
    .delete(journeySolved)
    .where(
      and(
        eq(journeySolved.guildId, guildId),
        or(eq(journeySolved.memberId, memberId), eq(journeySolved.byMemberId, memberId)),
      ),
    );
  // Other members' first posts that this member answered first stay answered (or someone else
  // would be credited as first later), but no longer say by whom.
  await tx
    .update(journeyMembers)
    .set({ firstReplyBy: ERASED })
    .where(and(eq(journeyMembers.guildId, guildId), eq(journeyMembers.firstReplyBy, memberId)));
}
