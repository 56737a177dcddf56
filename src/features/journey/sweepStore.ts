/** The periodic sweep's and the views' queries over all of a guild's journeys. Reads only. */
import { and, asc, count, eq, gt, gte, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { journeyMembers, journeyMilestones, members } from '../../db/schema.js';
import type { GuildId } from '../../events.js';
import type { Counters } from './evaluate.js';

export interface SweepRow {
  memberId: string;
  stage: string;
  joinedAt: number | null;
  counters: Counters;
}

/** Members not at the last stage, `limit` at a time in member id order after `afterMemberId`. */
export function journeysPage(
  db: Db,
  guildId: GuildId,
  lastStageId: string,
  afterMemberId: string,
  limit: number,
): SweepRow[] {
  return db
    .select({
      memberId: journeyMembers.memberId,
      stage: journeyMembers.stage,
      joinedAt: journeyMembers.joinedAt,
      counters: journeyMembers.counters,
    })
    .from(journeyMembers)
    .where(
      and(
        eq(journeyMembers.guildId, guildId),
        gt(journeyMembers.memberId, afterMemberId),
        ne(journeyMembers.stage, lastStageId),
      ),
    )
    .orderBy(asc(journeyMembers.memberId))
    .limit(limit)
    .all() as SweepRow[];
}

/** Members who joined since `since`, are still here, are not bots and were never welcomed. */
export function unwelcomedJoins(db: Db, guildId: GuildId, since: number): { memberId: string; joinedAt: number }[] {
  return db
    .select({ memberId: members.memberId, joinedAt: sql<number>`${members.joinedAt}` })
    .from(members)
    .leftJoin(
      journeyMembers,
      and(eq(journeyMembers.guildId, members.guildId), eq(journeyMembers.memberId, members.memberId)),
    )
    .where(
      and(
        eq(members.guildId, guildId),
        gte(members.joinedAt, since),
        isNull(members.leftAt),
        eq(members.bot, false),
        isNull(journeyMembers.welcomedAt),
      ),
    )
    .all();
}

/** Congratulations whose hour has passed. */
export function dueCongratulations(db: Db, guildId: GuildId, now: number): string[] {
  return db
    .select({ memberId: journeyMembers.memberId })
    .from(journeyMembers)
    .where(
      and(
        eq(journeyMembers.guildId, guildId),
        isNotNull(journeyMembers.pendingDueAt),
        lte(journeyMembers.pendingDueAt, now),
      ),
    )
    .all()
    .map((r) => r.memberId);
}

/**
 * Members who joined in [joinedFrom, joinedTo], are still here, are not bots, have not turned nudges
 * off, have written nothing, and were not nudged at their current stage.
 */
export function silentNewcomers(db: Db, guildId: GuildId, joinedFrom: number, joinedTo: number): string[] {
  return db
    .select({ memberId: members.memberId })
    .from(members)
    .leftJoin(
      journeyMembers,
      and(eq(journeyMembers.guildId, members.guildId), eq(journeyMembers.memberId, members.memberId)),
    )
    .where(
      and(
        eq(members.guildId, guildId),
        gte(members.joinedAt, joinedFrom),
        lte(members.joinedAt, joinedTo),
        isNull(members.leftAt),
        eq(members.bot, false),
        eq(members.nudgesOff, false),
        or(
          isNull(journeyMembers.memberId),
          and(
            eq(journeyMembers.messageCount, 0),
            or(isNull(journeyMembers.nudgedStage), ne(journeyMembers.nudgedStage, journeyMembers.stage)),
          ),
        ),
      ),
    )
    .all()
    .map((r) => r.memberId);
}

export const membersAtStage = (db: Db, guildId: GuildId, stage: string): string[] =>
  db
    .select({ memberId: journeyMembers.memberId })
    .from(journeyMembers)
    .where(and(eq(journeyMembers.guildId, guildId), eq(journeyMembers.stage, stage)))
    .all()
    .map((r) => r.memberId);

export function stageCounts(db: Db, guildId: GuildId): Map<string, number> {
  const rows = db
    .select({ stage: journeyMembers.stage, n: count() })
    .from(journeyMembers)
    .where(eq(journeyMembers.guildId, guildId))
    .groupBy(journeyMembers.stage)
    .all();
  return new Map(rows.map((r) => [r.stage, r.n]));
}

/** Milestones reached in [from, to), with the member's first join (for time-to-reach). */
export function milestonesBetween(
  db: Db,
  guildId: GuildId,
  from: number,
  to: number,
): { stage: string; reachedAt: number; joinedAt: number | null }[] {
  return db
    .select({
      stage: journeyMilestones.stage,
      reachedAt: journeyMilestones.reachedAt,
      joinedAt: journeyMembers.joinedAt,
    })
    .from(journeyMilestones)
    .leftJoin(
      journeyMembers,
      and(
        eq(journeyMembers.guildId, journeyMilestones.guildId),
        eq(journeyMembers.memberId, journeyMilestones.memberId),
      ),
    )
    .where(
      and(
        eq(journeyMilestones.guildId, guildId),
        gte(journeyMilestones.reachedAt, from),
        lt(journeyMilestones.reachedAt, to),
      ),
    )
    .all();
}
