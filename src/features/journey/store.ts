/**
 * Journey reads and writes on the hot path: per-member incremental state (one row, read and written
 * once per event), milestones, solved credits, and the core facts an event needs (its message, its
 * channel, the member). Guild-wide queries are in sweepStore.ts and placesStore.ts, export and
 * erasure in privacy.ts. Engine-neutral (src/db/database.ts): every function awaits its statement.
 */
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { Platform } from '../../events.js';
import type { ChannelRef } from './compose.js';
import type { Counters } from './evaluate.js';
import type { JourneyRow } from './row.js';

export { type JourneyRow, newJourneyRow } from './row.js';
export type { ChannelRef };

const rowColumns = (db: Database) => {
  const { journeyMembers } = db.tables;
  return {
    guildId: journeyMembers.guildId,
    memberId: journeyMembers.memberId,
    stage: journeyMembers.stage,
    stageAt: journeyMembers.stageAt,
    joinedAt: journeyMembers.joinedAt,
    messageCount: journeyMembers.messageCount,
    counters: journeyMembers.counters,
    firstMessageId: journeyMembers.firstMessageId,
    firstMessageChannelId: journeyMembers.firstMessageChannelId,
    firstMessageOpensThread: journeyMembers.firstMessageOpensThread,
    firstReplyBy: journeyMembers.firstReplyBy,
    welcomedAt: journeyMembers.welcomedAt,
    lastContactAt: journeyMembers.lastContactAt,
    pendingStage: journeyMembers.pendingStage,
    pendingDueAt: journeyMembers.pendingDueAt,
    nudgedStage: journeyMembers.nudgedStage,
    nudgedAt: journeyMembers.nudgedAt,
  };
};

const memberKey = (db: Database, guildId: string, memberId: string) => {
  const { journeyMembers } = db.tables;
  return and(eq(journeyMembers.guildId, guildId), eq(journeyMembers.memberId, memberId));
};

// ---------------------------------------------------------------------------------------------
// Per-member state (hot path)

export async function getJourney(db: Database, guildId: string, memberId: string): Promise<JourneyRow | undefined> {
  const { journeyMembers } = db.tables;
  const [row] = await db
    .select(rowColumns(db))
    .from(journeyMembers)
    .where(memberKey(db, guildId, memberId))
    .limit(1);
  return row ? { ...row, counters: row.counters as Counters } : undefined;
}

export async function saveJourney(db: Database, row: JourneyRow, now: number): Promise<void> {
  const { journeyMembers } = db.tables;
  await db
    .insert(journeyMembers)
    .values({ ...row, updatedAt: now })
    .onConflictDoUpdate({
      target: [journeyMembers.guildId, journeyMembers.memberId],
      set: {
        stage: sql`excluded.stage`,
        stageAt: sql`excluded.stage_at`,
        joinedAt: sql`excluded.joined_at`,
        messageCount: sql`excluded.message_count`,
        counters: sql`excluded.counters`,
        firstMessageId: sql`excluded.first_message_id`,
        firstMessageChannelId: sql`excluded.first_message_channel_id`,
        firstMessageOpensThread: sql`excluded.first_message_opens_thread`,
        firstReplyBy: sql`excluded.first_reply_by`,
        welcomedAt: sql`excluded.welcomed_at`,
        lastContactAt: sql`excluded.last_contact_at`,
        pendingStage: sql`excluded.pending_stage`,
        pendingDueAt: sql`excluded.pending_due_at`,
        nudgedStage: sql`excluded.nudged_stage`,
        nudgedAt: sql`excluded.nudged_at`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}

/** A member's first post and who replied to it first (for the convener credit). */
export async function firstPostOf(db: Database, guildId: string, memberId: string) {
  const { journeyMembers } = db.tables;
  const [row] = await db
    .select({
      firstMessageId: journeyMembers.firstMessageId,
      firstMessageChannelId: journeyMembers.firstMessageChannelId,
      firstMessageOpensThread: journeyMembers.firstMessageOpensThread,
      firstReplyBy: journeyMembers.firstReplyBy,
    })
    .from(journeyMembers)
    .where(memberKey(db, guildId, memberId))
    .limit(1);
  return row;
}

/** Credit `by` as the first to reply to the member's first post; false when someone already was. */
export async function markFirstReply(db: Database, guildId: string, memberId: string, by: string): Promise<boolean> {
  const { journeyMembers } = db.tables;
  const changed = await db
    .update(journeyMembers)
    .set({ firstReplyBy: by })
    .where(and(memberKey(db, guildId, memberId), isNull(journeyMembers.firstReplyBy)))
    .returning({ memberId: journeyMembers.memberId });
  return changed.length > 0;
}

export async function insertMilestones(
  db: Database,
  guildId: string,
  memberId: string,
  stages: string[],
  reachedAt: number,
): Promise<void> {
  if (stages.length === 0) return;
  const { journeyMilestones } = db.tables;
  await db
    .insert(journeyMilestones)
    .values(stages.map((stage) => ({ guildId, memberId, stage, reachedAt })))
    .onConflictDoNothing();
}

/** The stages the member has milestones for. */
export async function milestoneStages(db: Database, guildId: string, memberId: string): Promise<Set<string>> {
  const { journeyMilestones } = db.tables;
  const rows = await db
    .select({ stage: journeyMilestones.stage })
    .from(journeyMilestones)
    .where(and(eq(journeyMilestones.guildId, guildId), eq(journeyMilestones.memberId, memberId)));
  return new Set(rows.map((r) => r.stage));
}

/** Whether an answer was already credited as solved (by a reaction, an acceptance or /solved). */
export async function isCredited(db: Database, guildId: string, messageId: string): Promise<boolean> {
  const { journeySolved } = db.tables;
  const rows = await db
    .select({ one: sql`1` })
    .from(journeySolved)
    .where(and(eq(journeySolved.guildId, guildId), eq(journeySolved.messageId, messageId)))
    .limit(1);
  return rows.length > 0;
}

/** Credit an answer once; true when this is its first credit. */
export async function creditSolved(
  db: Database,
  credit: {
    guildId: string;
    messageId: string;
    memberId: string;
    byMemberId: string;
    via: 'reaction' | 'accepted';
    at: number;
  },
): Promise<boolean> {
  const { journeySolved } = db.tables;
  const added = await db
    .insert(journeySolved)
    .values(credit)
    .onConflictDoNothing()
    .returning({ messageId: journeySolved.messageId });
  return added.length > 0;
}

// ---------------------------------------------------------------------------------------------
// Core facts the journey reads

export interface GuildRow {
  platform: Platform;
  name: string;
  /** The settings JSON as stored (compared to cache the parsed settings). */
  settingsText: string;
}

export async function guildRow(db: Database, guildId: string): Promise<GuildRow | undefined> {
  const { guilds } = db.tables;
  // The column as the driver gives it: JSON text on SQLite (compared without parsing), an object on
  // PostgreSQL (jsonb, written out again: its key order is the stored one, so equal settings compare equal).
  const [row] = await db
    .select({ platform: guilds.platform, name: guilds.name, settings: sql<unknown>`${guilds.settings}` })
    .from(guilds)
    .where(eq(guilds.id, guildId))
    .limit(1);
  if (!row) return undefined;
  const settingsText = typeof row.settings === 'string' ? row.settings : JSON.stringify(row.settings ?? {});
  return { platform: row.platform, name: row.name, settingsText };
}

export async function messageInfo(db: Database, guildId: string, messageId: string) {
  const { messages } = db.tables;
  const [row] = await db
    .select({ authorId: messages.authorId, channelId: messages.channelId, replyToId: messages.replyToId })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), eq(messages.messageId, messageId)))
    .limit(1);
  return row;
}

export async function channelInfo(db: Database, guildId: string, channelId: string) {
  const { channels } = db.tables;
  const [row] = await db
    .select({ kind: channels.kind, ownerId: channels.ownerId, parentId: channels.parentId, name: channels.name })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), eq(channels.channelId, channelId)))
    .limit(1);
  return row;
}

/** Whether a message was posted in `channelId` before `before` (so a message at `before` does not open it). */
export async function hasEarlierMessage(
  db: Database,
  guildId: string,
  channelId: string,
  before: number,
): Promise<boolean> {
  const { messages } = db.tables;
  const rows = await db
    .select({ id: messages.messageId })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), eq(messages.channelId, channelId), lt(messages.createdAt, before)))
    .limit(1);
  return rows.length > 0;
}

export async function coreMember(db: Database, guildId: string, memberId: string) {
  const { members } = db.tables;
  const [row] = await db
    .select({
      joinedAt: members.joinedAt,
      leftAt: members.leftAt,
      bot: members.bot,
      nudgesOff: members.nudgesOff,
      displayName: members.displayName,
    })
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .limit(1);
  return row;
}
