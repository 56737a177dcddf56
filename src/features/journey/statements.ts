/**
 * The journey's per-event statements, written once for both engines (see db/hotPath.ts): `p(name)`
 * is a placeholder prepared once per SQLite connection, the value itself on PostgreSQL. Every event
 * of a set-up guild runs several of them, so none is built or prepared again per event.
 */
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import { hotAll, hotGet, hotRun } from '../../db/hotPath.js';

export const journeyRow = hotGet((q, p) => {
  const { journeyMembers: j } = q.tables;
  return q
    .select({
      guildId: j.guildId,
      memberId: j.memberId,
      stage: j.stage,
      stageAt: j.stageAt,
      joinedAt: j.joinedAt,
      messageCount: j.messageCount,
      counters: j.counters,
      firstMessageId: j.firstMessageId,
      firstMessageChannelId: j.firstMessageChannelId,
      firstMessageOpensThread: j.firstMessageOpensThread,
      firstReplyBy: j.firstReplyBy,
      welcomedAt: j.welcomedAt,
      lastContactAt: j.lastContactAt,
      pendingStage: j.pendingStage,
      pendingDueAt: j.pendingDueAt,
      nudgedStage: j.nudgedStage,
      nudgedAt: j.nudgedAt,
    })
    .from(j)
    .where(and(eq(j.guildId, p('guildId')), eq(j.memberId, p('memberId'))));
});

export const upsertJourneyRow = hotRun((q, p) => {
  const { journeyMembers: j } = q.tables;
  return q
    .insert(j)
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
      target: [j.guildId, j.memberId],
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
});

export const firstPost = hotGet((q, p) => {
  const { journeyMembers: j } = q.tables;
  return q
    .select({
      firstMessageId: j.firstMessageId,
      firstMessageChannelId: j.firstMessageChannelId,
      firstMessageOpensThread: j.firstMessageOpensThread,
      firstReplyBy: j.firstReplyBy,
    })
    .from(j)
    .where(and(eq(j.guildId, p('guildId')), eq(j.memberId, p('memberId'))));
});

export const markFirstReply = hotRun((q, p) => {
  const { journeyMembers: j } = q.tables;
  return q
    .update(j)
    .set({ firstReplyBy: sql`${p('by')}` })
    .where(and(eq(j.guildId, p('guildId')), eq(j.memberId, p('memberId')), isNull(j.firstReplyBy)));
});

export const insertMilestone = hotRun((q, p) => {
  const { journeyMilestones: m } = q.tables;
  return q
    .insert(m)
    .values({ guildId: p('guildId'), memberId: p('memberId'), stage: p('stage'), reachedAt: p('reachedAt') })
    .onConflictDoNothing();
});

export const milestoneStages = hotAll((q, p) => {
  const { journeyMilestones: m } = q.tables;
  return q
    .select({ stage: m.stage })
    .from(m)
    .where(and(eq(m.guildId, p('guildId')), eq(m.memberId, p('memberId'))));
});

export const isCredited = hotGet((q, p) => {
  const { journeySolved: s } = q.tables;
  return q
    .select({ one: sql`1` })
    .from(s)
    .where(and(eq(s.guildId, p('guildId')), eq(s.messageId, p('messageId'))));
});

export const creditSolved = hotRun((q, p) => {
  const { journeySolved: s } = q.tables;
  return q
    .insert(s)
    .values({
      guildId: p('guildId'),
      messageId: p('messageId'),
      memberId: p('memberId'),
      byMemberId: p('byMemberId'),
      via: p('via'),
      at: p('at'),
    })
    .onConflictDoNothing();
});

export const guildRow = hotGet((q, p) => {
  const { guilds } = q.tables;
  // The column as the driver gives it: JSON text on SQLite, an object on PostgreSQL (jsonb).
  return q
    .select({ platform: guilds.platform, name: guilds.name, settings: sql<unknown>`${guilds.settings}` })
    .from(guilds)
    .where(eq(guilds.id, p('guildId')));
});

export const messageInfo = hotGet((q, p) => {
  const { messages } = q.tables;
  return q
    .select({ authorId: messages.authorId, channelId: messages.channelId, replyToId: messages.replyToId })
    .from(messages)
    .where(and(eq(messages.guildId, p('guildId')), eq(messages.messageId, p('messageId'))));
});

export const channelInfo = hotGet((q, p) => {
  const { channels } = q.tables;
  return q
    .select({ kind: channels.kind, ownerId: channels.ownerId, parentId: channels.parentId, name: channels.name })
    .from(channels)
    .where(and(eq(channels.guildId, p('guildId')), eq(channels.channelId, p('channelId'))));
});

export const earlierInChannel = hotGet((q, p) => {
  const { messages } = q.tables;
  return q
    .select({ id: messages.messageId })
    .from(messages)
    .where(
      and(
        eq(messages.guildId, p('guildId')),
        eq(messages.channelId, p('channelId')),
        lt(messages.createdAt, p('before')),
      ),
    );
});

export const coreMember = hotGet((q, p) => {
  const { members } = q.tables;
  return q
    .select({
      joinedAt: members.joinedAt,
      leftAt: members.leftAt,
      bot: members.bot,
      nudgesOff: members.nudgesOff,
      displayName: members.displayName,
    })
    .from(members)
    .where(and(eq(members.guildId, p('guildId')), eq(members.memberId, p('memberId'))));
});

/**
 * A member as the core tables and the journey know them, in one read (a message's author, a joining
 * member, a credited one): the member's presence, with their journey row when they have one.
 */
export const memberWithRow = hotGet((q, p) => {
  const { members, journeyMembers: j } = q.tables;
  return q
    .select({
      leftAt: members.leftAt,
      bot: members.bot,
      rowMemberId: j.memberId,
      stage: j.stage,
      stageAt: j.stageAt,
      joinedAt: j.joinedAt,
      messageCount: j.messageCount,
      counters: j.counters,
      firstMessageId: j.firstMessageId,
      firstMessageChannelId: j.firstMessageChannelId,
      firstMessageOpensThread: j.firstMessageOpensThread,
      firstReplyBy: j.firstReplyBy,
      welcomedAt: j.welcomedAt,
      lastContactAt: j.lastContactAt,
      pendingStage: j.pendingStage,
      pendingDueAt: j.pendingDueAt,
      nudgedStage: j.nudgedStage,
      nudgedAt: j.nudgedAt,
    })
    .from(members)
    .leftJoin(j, and(eq(j.guildId, members.guildId), eq(j.memberId, members.memberId)))
    .where(and(eq(members.guildId, p('guildId')), eq(members.memberId, p('memberId'))));
});

/** A replied-to message's author, with that author's first post when they have a journey row. */
export const repliedTo = hotGet((q, p) => {
  const { messages, journeyMembers: j } = q.tables;
  return q
    .select({
      authorId: messages.authorId,
      rowMemberId: j.memberId,
      firstMessageId: j.firstMessageId,
      firstMessageChannelId: j.firstMessageChannelId,
      firstMessageOpensThread: j.firstMessageOpensThread,
      firstReplyBy: j.firstReplyBy,
    })
    .from(messages)
    .leftJoin(j, and(eq(j.guildId, messages.guildId), eq(j.memberId, messages.authorId)))
    .where(and(eq(messages.guildId, p('guildId')), eq(messages.messageId, p('messageId'))));
});
