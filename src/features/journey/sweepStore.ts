/** The periodic sweep's and the views' queries over all of a guild's journeys. Reads only. */
import { and, asc, count, eq, gt, gte, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import type { Counters } from './evaluate.js';

export interface SweepRow {
  memberId: string;
  stage: string;
  joinedAt: number | null;
  counters: Counters;
}

/** Members not at the last stage, `limit` at a time in member id order after `afterMemberId`. */
export async function journeysPage(
  db: Database,
  guildId: GuildId,
  lastStageId: string,
  afterMemberId: string,
  limit: number,
): Promise<SweepRow[]> {
  const { journeyMembers } = db.tables;
  return (await db
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
    .limit(limit)) as SweepRow[];
}

/** Members who joined since `since`, are still here, are not bots and were never welcomed. */
export async function unwelcomedJoins(
  db: Database,
  guildId: GuildId,
  since: number,
): Promise<{ memberId: string; joinedAt: number }[]> {
  const { journeyMembers, members } = db.tables;
  const rows = await db
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
    );
  return rows.map((r) => ({ memberId: r.memberId, joinedAt: Number(r.joinedAt) }));
}

/** Congratulations whose hour has passed. */
export async function dueCongratulations(db: Database, guildId: GuildId, now: number): Promise<string[]> {
  const { journeyMembers } = db.tables;
  const rows = await db
    .select({ memberId: journeyMembers.memberId })
    .from(journeyMembers)
    .where(
      and(
        eq(journeyMembers.guildId, guildId),
        isNotNull(journeyMembers.pendingDueAt),
        lte(journeyMembers.pendingDueAt, now),
      ),
    );
  return rows.map((r) => r.memberId);
}

/**
 * Members who joined in [joinedFrom, joinedTo], are still here, are not bots, have not turned nudges
 * off, have written nothing, and were not nudged at their current stage.
 */
export async function silentNewcomers(
  db: Database,
  guildId: GuildId,
  joinedFrom: number,
  joinedTo: number,
): Promise<string[]> {
  const { journeyMembers, members } = db.tables;
  const rows = await db
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
    );
  return rows.map((r) => r.memberId);
}

export async function membersAtStage(db: Database, guildId: GuildId, stage: string): Promise<string[]> {
  const { journeyMembers } = db.tables;
  const rows = await db
    .select({ memberId: journeyMembers.memberId })
    .from(journeyMembers)
    .where(and(eq(journeyMembers.guildId, guildId), eq(journeyMembers.stage, stage)));
  return rows.map((r) => r.memberId);
}

export async function stageCounts(db: Database, guildId: GuildId): Promise<Map<string, number>> {
  const { journeyMembers } = db.tables;
  const rows = await db
    .select({ stage: journeyMembers.stage, n: count() })
    .from(journeyMembers)
    .where(eq(journeyMembers.guildId, guildId))
    .groupBy(journeyMembers.stage);
  return new Map(rows.map((r) => [r.stage, r.n]));
}

/** Milestones reached in [from, to), with the member's first join (for time-to-reach). */
export async function milestonesBetween(
  db: Database,
  guildId: GuildId,
  from: number,
  to: number,
): Promise<{ stage: string; reachedAt: number; joinedAt: number | null }[]> {
  const { journeyMembers, journeyMilestones } = db.tables;
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
    );
}
