/**
 * The few facts about channels, messages and members the questions feature needs, and each member's
 * own nudge settings.
 */
import { and, asc, eq, inArray, isNull, like, or } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { channels, guilds, members } from '../../db/schema.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import { stmts, type Tx } from './store.js';

export interface ChannelFacts {
  channelId: string;
  name: string;
  kind: string;
  parentId: string | null;
  ownerId: string | null;
  tags: string[];
  createdAt: number;
}

export function channelFacts(db: Db, guildId: string, channelId: string): ChannelFacts | undefined {
  return stmts(db).channel.get({ guildId, channelId });
}

/** Names of channels (threads: their title) by id, for lists and links. */
export function channelNames(db: Tx, guildId: string, ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const r of db
      .select({ id: channels.channelId, name: channels.name })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, chunk)))
      .all())
      out.set(r.id, r.name);
  }
  return out;
}

/** Channels by name or id (for "/convene questions set channels:#help, #support"). */
export function textAndForumChannels(db: Tx, guildId: string): { channelId: string; name: string; kind: string }[] {
  return db
    .select({ channelId: channels.channelId, name: channels.name, kind: channels.kind })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), inArray(channels.kind, ['text', 'forum', 'announcement'])))
    .all();
}

/** Whether the thread holds a message other than `messageId` posted before `at` (so `messageId` does not open it). */
export function threadHasEarlierMessage(
  db: Db,
  guildId: string,
  threadId: string,
  messageId: string,
  at: number,
): boolean {
  return stmts(db).earlierInThread.get({ guildId, threadId, messageId, at }) !== undefined;
}

export function messageFacts(
  db: Db,
  guildId: string,
  messageId: string,
): { channelId: string; authorId: string; replyToId: string | null } | undefined {
  return stmts(db).message.get({ guildId, messageId });
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

export function memberFacts(db: Tx, guildId: string, ids: readonly string[]): Map<string, MemberFacts> {
  const out = new Map<string, MemberFacts>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    for (const r of db
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
      .where(and(eq(members.guildId, guildId), inArray(members.memberId, chunk)))
      .all()) {
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
export function moderatorIds(db: Tx, guildId: string, limit: number, roleIds: readonly string[] = []): string[] {
  // Roles are a JSON array of ids: a quoted id is one whole element.
  const byRole = roleIds.map((id) => like(members.roles, `%${JSON.stringify(id)}%`));
  return db
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
    .limit(limit)
    .all()
    .map((r) => r.memberId);
}

/** Turn a member's nudges off or on (shared with the journey's newcomer nudge); returns the previous value. */
export function setNudgesOff(
  db: Db,
  guildId: GuildId,
  member: { id: MemberId; displayName: string },
  off: boolean,
  now: number,
): boolean {
  return db.transaction((tx) => {
    const before = tx
      .select({ off: members.nudgesOff })
      .from(members)
      .where(and(eq(members.guildId, guildId), eq(members.memberId, member.id)))
      .get();
    if (!before) {
      // Someone we have not seen post or join yet: remember the choice all the same.
      tx.insert(members)
        .values({
          guildId,
          memberId: member.id,
          username: member.displayName,
          displayName: member.displayName,
          nudgesOff: off,
          updatedAt: now,
        })
        .onConflictDoNothing()
        .run();
      return false;
    }
    tx.update(members)
      .set({ nudgesOff: off, updatedAt: now })
      .where(and(eq(members.guildId, guildId), eq(members.memberId, member.id)))
      .run();
    return before.off;
  });
}

/** The guild's settings document as stored (JSON text), to tell whether a parsed copy is still current. */
export function settingsText(db: Db, guildId: string): string | undefined {
  return stmts(db).settingsText.get({ guildId })?.text;
}

/** The guild's name as the platform last told it ('' when unknown). */
export function guildNameOf(db: Tx, guildId: string): string {
  return db.select({ name: guilds.name }).from(guilds).where(eq(guilds.id, guildId)).get()?.name ?? '';
}

export function guildPlatform(db: Tx, guildId: string): Platform {
  return (db.select({ platform: guilds.platform }).from(guilds).where(eq(guilds.id, guildId)).get()?.platform ??
    'discord') as Platform;
}

export interface Answered {
  count: number;
  lastAt: number | null;
}

const answered = (row: { n: number; last: number | null } | undefined): Answered => ({
  count: Number(row?.n ?? 0),
  lastAt: row?.last ?? null,
});

/** How many questions about `term` (a stem) the member answered, and when they last did ("you answered 3 questions about X"). */
export function answeredAbout(db: Db, guildId: string, memberId: string, term: string): Answered {
  return answered(stmts(db).answeredAbout.get({ guildId, memberId, pattern: `% ${term} %` }));
}

/** How many questions in a channel (a forum, a help channel) the member answered, and when the last one was. */
export function answeredIn(db: Db, guildId: string, memberId: string, parentChannelId: string): Answered {
  return answered(stmts(db).answeredIn.get({ guildId, memberId, parentChannelId }));
}

/** Whether the member erased their data (nothing new is derived about them). */
export function isProfilingOff(db: Db, guildId: string, memberId: string): boolean {
  return stmts(db).member.get({ guildId, memberId })?.profilingOff ?? false;
}
