/**
 * Where the community talks, for the welcome and the nudge: the busiest topic channels, a channel
 * by name or id, the newest open question, the busiest thread. Reads only.
 */
import { and, asc, count, desc, eq, gte, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import type { ChannelRef } from './compose.js';

/**
 * Top-level text/forum channels, busiest first over members' messages since `since` (then by name),
 * with that count. Bots' messages do not count: Convene's own intro rounds made its #intros channel
 * "where people talk" in the demo's welcome.
 */
export async function topicChannels(
  db: Database,
  guildId: GuildId,
  since: number,
  limit: number,
): Promise<(ChannelRef & { messages: number })[]> {
  const { channels, members, messages } = db.tables;
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
  const rows = await db
    .select({ channelId: channels.channelId, name: channels.name, messages: sql<number>`coalesce(${activity.n}, 0)` })
    .from(channels)
    .leftJoin(activity, eq(activity.channelId, channels.channelId))
    .where(and(eq(channels.guildId, guildId), inArray(channels.kind, ['text', 'forum'])))
    .orderBy(desc(sql`coalesce(${activity.n}, 0)`), asc(channels.name))
    .limit(limit);
  // count() in a raw expression is a string on PostgreSQL.
  return rows.map((r) => ({ ...r, messages: Number(r.messages) }));
}

/** The first top-level channel whose name matches one of `patterns` (lower-case substrings). */
export async function channelNamed(
  db: Database,
  guildId: GuildId,
  patterns: string[],
): Promise<ChannelRef | undefined> {
  if (patterns.length === 0) return undefined;
  const { channels } = db.tables;
  const [row] = await db
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
    .limit(1);
  return row;
}

export async function channelById(db: Database, guildId: GuildId, channelId: string): Promise<ChannelRef | undefined> {
  const { channels } = db.tables;
  const [row] = await db
    .select({ channelId: channels.channelId, name: channels.name })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), eq(channels.channelId, channelId)))
    .limit(1);
  return row;
}

/** The newest thread opened since `since` in which nobody but its opener has written yet. */
export async function openQuestion(db: Database, guildId: GuildId, since: number): Promise<ChannelRef | undefined> {
  const { channels, messages } = db.tables;
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
  const [row] = await db
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
    .limit(1);
  return row;
}

/** The thread with the most messages since `since`. */
export async function busiestThread(
  db: Database,
  guildId: GuildId,
  since: number,
): Promise<(ChannelRef & { messages: number }) | undefined> {
  const { channels, messages } = db.tables;
  const [row] = await db
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
    .limit(1);
  return row;
}
