/**
 * Where the community talks, for the welcome and the nudge: the busiest topic channels, a channel
 * by name or id, the newest open question, the busiest thread. Reads only.
 */
import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.js';
import { channels, members, messages } from '../../db/schema.js';
import type { GuildId } from '../../events.js';
import type { ChannelRef } from './compose.js';

/**
 * Top-level text/forum channels, busiest first over members' messages since `since` (then by name),
 * with that count. Bots' messages do not count: Convene's own intro rounds made its #intros channel
 * "where people talk" in the demo's welcome.
 */
export function topicChannels(
  db: Db,
  guildId: GuildId,
  since: number,
  limit: number,
): (ChannelRef & { messages: number })[] {
  const activity = db
    .select({ channelId: messages.parentChannelId, n: count().as('n') })
    .from(messages)
    .innerJoin(members, and(eq(members.guildId, messages.guildId), eq(members.memberId, messages.authorId)))
    .where(
      and(
        eq(messages.guildId, guildId),
        gte(messages.createdAt, since),
        isNull(messages.deletedAt),
        eq(members.bot, false),
      ),
    )
    .groupBy(messages.parentChannelId)
    .as('activity');
  return db
    .select({ channelId: channels.channelId, name: channels.name, messages: sql<number>`coalesce(${activity.n}, 0)` })
    .from(channels)
    .leftJoin(activity, eq(activity.channelId, channels.channelId))
    .where(and(eq(channels.guildId, guildId), inArray(channels.kind, ['text', 'forum'])))
    .orderBy(desc(sql`coalesce(${activity.n}, 0)`), asc(channels.name))
    .limit(limit)
    .all();
}

/** The first top-level channel whose name matches one of `patterns` (lower-case substrings). */
export function channelNamed(db: Db, guildId: GuildId, patterns: string[]): ChannelRef | undefined {
  if (patterns.length === 0) return undefined;
  return db
    .select({ channelId: channels.channelId, name: channels.name })
    .from(channels)
    .where(
      and(
        eq(channels.guildId, guildId),
        inArray(channels.kind, ['text', 'forum']),
        or(...patterns.map((pattern) => sql`lower(${channels.name}) like ${`%${pattern}%`}`)),
      ),
    )
    .orderBy(asc(channels.name))
    .limit(1)
    .get();
}

export const channelById = (db: Db, guildId: GuildId, channelId: string): ChannelRef | undefined =>
  db
    .select({ channelId: channels.channelId, name: channels.name })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), eq(channels.channelId, channelId)))
    .get();

/** The newest thread opened since `since` in which nobody but its opener has written yet. */
export function openQuestion(db: Db, guildId: GuildId, since: number): ChannelRef | undefined {
  const others = db
    .select({ one: sql`1` })
    .from(messages)
    .where(
      and(
        eq(messages.guildId, channels.guildId),
        eq(messages.channelId, channels.channelId),
        isNull(messages.deletedAt),
        sql`${messages.authorId} <> coalesce(${channels.ownerId}, '')`,
      ),
    );
  const opener = db
    .select({ one: sql`1` })
    .from(messages)
    .where(
      and(
        eq(messages.guildId, channels.guildId),
        eq(messages.channelId, channels.channelId),
        isNull(messages.deletedAt),
      ),
    );
  return db
    .select({ channelId: channels.channelId, name: channels.name })
    .from(channels)
    .where(
      and(
        eq(channels.guildId, guildId),
        eq(channels.kind, 'thread'),
        eq(channels.archived, false),
        gte(channels.createdAt, since),
        isNotNull(channels.ownerId),
        sql`exists ${opener}`,
        sql`not exists ${others}`,
      ),
    )
    .orderBy(desc(channels.createdAt))
    .limit(1)
    .get();
}

/** The thread with the most messages since `since`. */
export function busiestThread(
  db: Db,
  guildId: GuildId,
  since: number,
): (ChannelRef & { messages: number }) | undefined {
  return db
    .select({ channelId: channels.channelId, name: channels.name, messages: count() })
    .from(messages)
    .innerJoin(channels, and(eq(channels.guildId, messages.guildId), eq(channels.channelId, messages.channelId)))
    .where(
      and(
        eq(messages.guildId, guildId),
        gte(messages.createdAt, since),
        isNull(messages.deletedAt),
        eq(channels.kind, 'thread'),
        eq(channels.archived, false),
      ),
    )
    .groupBy(channels.channelId, channels.name)
    .orderBy(desc(count()), asc(channels.channelId))
    .limit(1)
    .get();
}
