/**
 * Journey reads and writes on the hot path: per-member incremental state (one row, read and written
 * once per event), milestones, solved credits, and the core facts an event needs (its message, its
 * channel, the member). Statements are prepared once per database. Guild-wide queries are in
 * sweepStore.ts and placesStore.ts, export and erasure in privacy.ts.
 */
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import {
  channels,
  guilds,
  journeyMembers,
  journeyMilestones,
  journeySolved,
  members,
  messages,
} from '../../db/schema.js';
import type { Platform } from '../../events.js';
import type { ChannelRef } from './compose.js';
import type { Counters } from './evaluate.js';
import type { JourneyRow } from './row.js';

export { type JourneyRow, newJourneyRow } from './row.js';
export type { ChannelRef };

const p = sql.placeholder;

function prepare(db: Db) {
  const rowColumns = {
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
  return {
    rowColumns,
    getRow: db
      .select(rowColumns)
      .from(journeyMembers)
      .where(and(eq(journeyMembers.guildId, p('guildId')), eq(journeyMembers.memberId, p('memberId'))))
      .prepare(),
    upsertRow: db
      .insert(journeyMembers)
      .values({
        guildId: p('guildId'),
        memberId: p('memberId'),
        stage: p('stage'),
        stageAt: p('stageAt'),
        joinedAt: p('joinedAt'),
        messageCount: p('messageCount'),
        counters: p('counters'),
        firstMessageId: p('firstMessageId'),
        firstMessageChannelId: p('firstMessageChannelId'),
        firstMessageOpensThread: p('firstMessageOpensThread'),
        firstReplyBy: p('firstReplyBy'),
        welcomedAt: p('welcomedAt'),
        lastContactAt: p('lastContactAt'),
        pendingStage: p('pendingStage'),
        pendingDueAt: p('pendingDueAt'),
        nudgedStage: p('nudgedStage'),
        nudgedAt: p('nudgedAt'),
        updatedAt: p('updatedAt'),
      })
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
      })
      .prepare(),
    firstPost: db
      .select({
        firstMessageId: journeyMembers.firstMessageId,
        firstMessageChannelId: journeyMembers.firstMessageChannelId,
        firstMessageOpensThread: journeyMembers.firstMessageOpensThread,
        firstReplyBy: journeyMembers.firstReplyBy,
      })
      .from(journeyMembers)
      .where(and(eq(journeyMembers.guildId, p('guildId')), eq(journeyMembers.memberId, p('memberId'))))
      .prepare(),
    markFirstReply: db
      .update(journeyMembers)
      .set({ firstReplyBy: sql`${p('by')}` })
      .where(
        and(
          eq(journeyMembers.guildId, p('guildId')),
          eq(journeyMembers.memberId, p('memberId')),
          isNull(journeyMembers.firstReplyBy),
        ),
      )
      .prepare(),
    message: db
      .select({ authorId: messages.authorId, channelId: messages.channelId, replyToId: messages.replyToId })
      .from(messages)
      .where(and(eq(messages.guildId, p('guildId')), eq(messages.messageId, p('messageId'))))
      .prepare(),
    channel: db
      .select({ kind: channels.kind, ownerId: channels.ownerId, parentId: channels.parentId, name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, p('guildId')), eq(channels.channelId, p('channelId'))))
      .prepare(),
    earlierInChannel: db
      .select({ id: messages.messageId })
      .from(messages)
      .where(
        and(
          eq(messages.guildId, p('guildId')),
          eq(messages.channelId, p('channelId')),
          lt(messages.createdAt, p('before')),
        ),
      )
      .limit(1)
      .prepare(),
    coreMember: db
      .select({
        joinedAt: members.joinedAt,
        leftAt: members.leftAt,
        bot: members.bot,
        nudgesOff: members.nudgesOff,
        displayName: members.displayName,
      })
      .from(members)
      .where(and(eq(members.guildId, p('guildId')), eq(members.memberId, p('memberId'))))
      .prepare(),
    insertMilestone: db
      .insert(journeyMilestones)
      .values({ guildId: p('guildId'), memberId: p('memberId'), stage: p('stage'), reachedAt: p('reachedAt') })
      .onConflictDoNothing()
      .prepare(),
    milestonesOf: db
      .select({ stage: journeyMilestones.stage })
      .from(journeyMilestones)
      .where(and(eq(journeyMilestones.guildId, p('guildId')), eq(journeyMilestones.memberId, p('memberId'))))
      .prepare(),
    credited: db
      .select({ one: sql`1` })
      .from(journeySolved)
      .where(and(eq(journeySolved.guildId, p('guildId')), eq(journeySolved.messageId, p('messageId'))))
      .prepare(),
    creditSolved: db
      .insert(journeySolved)
      .values({
        guildId: p('guildId'),
        messageId: p('messageId'),
        memberId: p('memberId'),
        byMemberId: p('byMemberId'),
        via: p('via'),
        at: p('at'),
      })
      .onConflictDoNothing()
      .prepare(),
    guild: db
      .select({ platform: guilds.platform, name: guilds.name, settings: sql<string>`${guilds.settings}` })
      .from(guilds)
      .where(eq(guilds.id, p('guildId')))
      .prepare(),
  };
}

type Statements = ReturnType<typeof prepare>;
const prepared = new WeakMap<Db, Statements>();
function statements(db: Db): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = prepare(db);
    prepared.set(db, s);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Per-member state (hot path)

export function getJourney(db: Db, guildId: string, memberId: string): JourneyRow | undefined {
  const row = statements(db).getRow.get({ guildId, memberId });
  return row ? { ...row, counters: row.counters as Counters } : undefined;
}

export function saveJourney(db: Db, row: JourneyRow, now: number): void {
  // The json and boolean columns encode placeholders themselves (JSON.stringify, 1/0).
  statements(db).upsertRow.run({ ...row, updatedAt: now });
}

/** A member's first post and who replied to it first (for the convener credit). */
export const firstPostOf = (db: Db, guildId: string, memberId: string) =>
  statements(db).firstPost.get({ guildId, memberId });

/** Credit `by` as the first to reply to the member's first post; false when someone already was. */
export const markFirstReply = (db: Db, guildId: string, memberId: string, by: string): boolean =>
  statements(db).markFirstReply.run({ guildId, memberId, by }).changes > 0;

export function insertMilestones(db: Db, guildId: string, memberId: string, stages: string[], reachedAt: number): void {
  const s = statements(db);
  for (const stage of stages) s.insertMilestone.run({ guildId, memberId, stage, reachedAt });
}

/** The stages the member has milestones for. */
export const milestoneStages = (db: Db, guildId: string, memberId: string): Set<string> =>
  new Set(
    statements(db)
      .milestonesOf.all({ guildId, memberId })
      .map((r) => r.stage),
  );

/** Whether an answer was already credited as solved (by a reaction, an acceptance or /solved). */
export const isCredited = (db: Db, guildId: string, messageId: string): boolean =>
  statements(db).credited.get({ guildId, messageId }) !== undefined;

/** Credit an answer once; true when this is its first credit. */
export function creditSolved(
  db: Db,
  credit: {
    guildId: string;
    messageId: string;
    memberId: string;
    byMemberId: string;
    via: 'reaction' | 'accepted';
    at: number;
  },
): boolean {
  return statements(db).creditSolved.run(credit).changes > 0;
}

// ---------------------------------------------------------------------------------------------
// Core facts the journey reads

export interface GuildRow {
  platform: Platform;
  name: string;
  /** The settings JSON as stored (compared to cache the parsed settings). */
  settingsText: string;
}

export function guildRow(db: Db, guildId: string): GuildRow | undefined {
  const row = statements(db).guild.get({ guildId });
  return row ? { platform: row.platform, name: row.name, settingsText: String(row.settings) } : undefined;
}

export const messageInfo = (db: Db, guildId: string, messageId: string) =>
  statements(db).message.get({ guildId, messageId });

export const channelInfo = (db: Db, guildId: string, channelId: string) =>
  statements(db).channel.get({ guildId, channelId });

/** Whether a message was posted in `channelId` before `before` (so a message at `before` does not open it). */
export const hasEarlierMessage = (db: Db, guildId: string, channelId: string, before: number): boolean =>
  statements(db).earlierInChannel.get({ guildId, channelId, before }) !== undefined;

export const coreMember = (db: Db, guildId: string, memberId: string) =>
  statements(db).coreMember.get({ guildId, memberId });
