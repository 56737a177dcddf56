/**
 * The few facts about channels, messages and members the questions feature needs, and each member's
 * own nudge settings.
 */
import { and, asc, eq, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { type Database, transaction } from '../../db/database.js';
import { driveOn, getStep, hotGet } from '../../db/hotPath.js';
import type { GuildId, MemberId, Platform } from '../../events.js';

export interface ChannelFacts {
  channelId: string;
  name: string;
  kind: string;
  parentId: string | null;
  ownerId: string | null;
  tags: string[];
  createdAt: number;
}

// The reads every message, reaction and thread event runs (ingest's hot path): prepared once per
// SQLite connection, built per call on PostgreSQL (db/hotPath.ts).
const channelById = hotGet((q, v) => {
  const { channels } = q.tables;
  return q
    .select({
      channelId: channels.channelId,
      name: channels.name,
      kind: channels.kind,
      parentId: channels.parentId,
      ownerId: channels.ownerId,
      tags: channels.tags,
      createdAt: channels.createdAt,
    })
    .from(channels)
    .where(and(eq(channels.guildId, v('guildId')), eq(channels.channelId, v('channelId'))));
});

export async function channelFacts(
  db: Database,
  guildId: string,
  channelId: string,
): Promise<ChannelFacts | undefined> {
  return driveOn(db, getStep<ChannelFacts>(channelById, { guildId, channelId }));
}

/** Facts of several channels, by id (absent: Convene knows nothing about it). One read per 500. */
export async function channelsFacts(
  db: Database,
  guildId: string,
  ids: readonly string[],
): Promise<Map<string, ChannelFacts>> {
  const { channels } = db.tables;
  const out = new Map<string, ChannelFacts>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    for (const r of await db
      .select({
        channelId: channels.channelId,
        name: channels.name,
        kind: channels.kind,
        parentId: channels.parentId,
        ownerId: channels.ownerId,
        tags: channels.tags,
        createdAt: channels.createdAt,
      })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, chunk))))
      out.set(r.channelId, r);
  }
  return out;
}

/** Names of channels (threads: their title) by id, for lists and links. */
export async function channelNames(
  db: Database,
  guildId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const { channels } = db.tables;
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const r of await db
      .select({ id: channels.channelId, name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, chunk))))
      out.set(r.id, r.name);
  }
  return out;
}

/** Channels by name or id (for "/convene questions set channels:#help, #support"). */
export async function textAndForumChannels(
  db: Database,
  guildId: string,
): Promise<{ channelId: string; name: string; kind: string }[]> {
  const { channels } = db.tables;
  return db
    .select({ channelId: channels.channelId, name: channels.name, kind: channels.kind })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), inArray(channels.kind, ['text', 'forum', 'announcement'])));
}

const earlierInThread = hotGet((q, v) => {
  const { messages } = q.tables;
  return q
    .select({ one: sql<number>`1` })
    .from(messages)
    .where(
      and(
        eq(messages.guildId, v('guildId')),
        eq(messages.channelId, v('threadId')),
        ne(messages.messageId, v('messageId')),
        lte(messages.createdAt, v('at')),
      ),
    );
});

/** Whether the thread holds a message other than `messageId` posted before `at` (so `messageId` does not open it). */
export async function threadHasEarlierMessage(
  db: Database,
  guildId: string,
  threadId: string,
  messageId: string,
  at: number,
): Promise<boolean> {
  return (await driveOn(db, getStep(earlierInThread, { guildId, threadId, messageId, at }))) !== undefined;
}

const messageById = hotGet((q, v) => {
  const { messages } = q.tables;
  return q
    .select({ channelId: messages.channelId, authorId: messages.authorId, replyToId: messages.replyToId })
    .from(messages)
    .where(and(eq(messages.guildId, v('guildId')), eq(messages.messageId, v('messageId'))));
});

export async function messageFacts(
  db: Database,
  guildId: string,
  messageId: string,
): Promise<{ channelId: string; authorId: string; replyToId: string | null } | undefined> {
  return driveOn(
    db,
    getStep<{ channelId: string; authorId: string; replyToId: string | null }>(messageById, { guildId, messageId }),
  );
}

export interface MemberFacts {
  memberId: string;
  nudgesOff: boolean;
  bot: boolean;
  left: boolean;
  moderator: boolean;
  /** Erased their data: nothing new is derived about them. */
  profilingOff: boolean;
  timezone: string | null;
}

export async function memberFacts(
  db: Database,
  guildId: string,
  ids: readonly string[],
): Promise<Map<string, MemberFacts>> {
  const { members } = db.tables;
  const out = new Map<string, MemberFacts>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    for (const r of await db
      .select({
        memberId: members.memberId,
        nudgesOff: members.nudgesOff,
        bot: members.bot,
        leftAt: members.leftAt,
        moderator: members.moderator,
        profilingOff: members.profilingOff,
        timezone: members.timezone,
      })
      .from(members)
      .where(and(eq(members.guildId, guildId), inArray(members.memberId, chunk)))) {
      out.set(r.memberId, {
        memberId: r.memberId,
        nudgesOff: r.nudgesOff,
        bot: r.bot,
        left: r.leftAt !== null,
        moderator: r.moderator,
        profilingOff: r.profilingOff,
        timezone: r.timezone,
      });
    }
  }
  return out;
}

/**
 * Moderators still in the guild, not bots (the escalation's audience when no helpers role is set):
 * members with Manage Server, and members holding one of the guild's moderator roles.
 */
export async function moderatorIds(
  db: Database,
  guildId: string,
  limit: number,
  roleIds: readonly string[] = [],
): Promise<string[]> {
  const { members } = db.tables;
  // Roles are a JSON array of ids: a quoted id is one whole element (jsonb on PostgreSQL: read as its text).
  const byRole = roleIds.map((id) => sql`CAST(${members.roles} AS TEXT) LIKE ${`%${JSON.stringify(id)}%`}`);
  const rows = await db
    .select({ memberId: members.memberId })
    .from(members)
    .where(
      and(
        eq(members.guildId, guildId),
        or(eq(members.moderator, true), ...byRole),
        eq(members.bot, false),
        isNull(members.leftAt),
      ),
    )
    .orderBy(asc(members.memberId))
    .limit(limit);
  return rows.map((r) => r.memberId);
}

/** Turn a member's nudges off or on (shared with the journey's newcomer nudge); returns the previous value. */
export function setNudgesOff(
  db: Database,
  guildId: GuildId,
  member: { id: MemberId; displayName: string },
  off: boolean,
  now: number,
): Promise<boolean> {
  return transaction(db, async (tx) => {
    const { members } = tx.tables;
    const [before] = await tx
      .select({ off: members.nudgesOff })
      .from(members)
      .where(and(eq(members.guildId, guildId), eq(members.memberId, member.id)))
      .limit(1);
    if (!before) {
      // Someone we have not seen post or join yet: remember the choice all the same.
      await tx
        .insert(members)
        .values({
          guildId,
          memberId: member.id,
          username: member.displayName,
          displayName: member.displayName,
          nudgesOff: off,
          updatedAt: now,
        })
        .onConflictDoNothing();
      return false;
    }
    await tx
      .update(members)
      .set({ nudgesOff: off, updatedAt: now })
      .where(and(eq(members.guildId, guildId), eq(members.memberId, member.id)));
    return before.off;
  });
}

const settingsTextOf = hotGet((q, v) => {
  const { guilds } = q.tables;
  return q
    .select({ text: sql<string>`CAST(${guilds.settings} AS TEXT)` })
    .from(guilds)
    .where(eq(guilds.id, v('guildId')));
});

/** The guild's settings document as stored (as text), to tell whether a parsed copy is still current. */
export async function settingsText(db: Database, guildId: string): Promise<string | undefined> {
  return (await driveOn(db, getStep<{ text: string }>(settingsTextOf, { guildId })))?.text;
}

/** The guild's name as the platform last told it ('' when unknown). */
export async function guildNameOf(db: Database, guildId: string): Promise<string> {
  const { guilds } = db.tables;
  const [row] = await db.select({ name: guilds.name }).from(guilds).where(eq(guilds.id, guildId)).limit(1);
  return row?.name ?? '';
}

export async function guildPlatform(db: Database, guildId: string): Promise<Platform> {
  const { guilds } = db.tables;
  const [row] = await db.select({ platform: guilds.platform }).from(guilds).where(eq(guilds.id, guildId)).limit(1);
  return (row?.platform ?? 'discord') as Platform;
}

export interface Answered {
  count: number;
  lastAt: number | null;
}

/**
 * The questions a member answered among those `which` selects (by topic, by channel): how many, and
 * when they last answered one.
 */
async function answeredWhere(
  db: Database,
  guildId: string,
  memberId: string,
  which: (q: Database['tables']['questions']) => ReturnType<typeof eq>,
): Promise<Answered> {
  const { questions, questionResponses } = db.tables;
  const [row] = await db
    .select({
      n: sql<number>`count(*)`.mapWith(Number),
      last: sql<number | null>`max(${questionResponses.firstAt})`.mapWith(Number),
    })
    .from(questionResponses)
    .innerJoin(
      questions,
      and(eq(questions.guildId, questionResponses.guildId), eq(questions.questionId, questionResponses.questionId)),
    )
    .where(and(eq(questionResponses.guildId, guildId), eq(questionResponses.memberId, memberId), which(questions)));
  return { count: Number(row?.n ?? 0), lastAt: row?.last ?? null };
}

/** How many questions about `term` (a stem) the member answered, and when they last did ("you answered 3 questions about X"). */
export function answeredAbout(db: Database, guildId: string, memberId: string, term: string): Promise<Answered> {
  return answeredWhere(db, guildId, memberId, (q) => sql`(' ' || ${q.terms} || ' ') LIKE ${`% ${term} %`}`);
}

/** How many questions in a channel (a forum, a help channel) the member answered, and when the last one was. */
export function answeredIn(
  db: Database,
  guildId: string,
  memberId: string,
  parentChannelId: string,
): Promise<Answered> {
  return answeredWhere(db, guildId, memberId, (q) => eq(q.parentChannelId, parentChannelId));
}

const profilingOffOf = hotGet((q, v) => {
  const { members } = q.tables;
  return q
    .select({ profilingOff: members.profilingOff })
    .from(members)
    .where(and(eq(members.guildId, v('guildId')), eq(members.memberId, v('memberId'))));
});

/** Whether the member erased their data (nothing new is derived about them). */
export async function isProfilingOff(db: Database, guildId: string, memberId: string): Promise<boolean> {
  return (
    (await driveOn(db, getStep<{ profilingOff: boolean }>(profilingOffOf, { guildId, memberId })))?.profilingOff ??
    false
  );
}
