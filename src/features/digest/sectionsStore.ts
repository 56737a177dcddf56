import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { countIn, type FirstResponse, n, notBot } from './store.js';

export interface ThreadActivity {
  threadId: string;
  name: string;
  messages: number;
  people: number;
}

/**
 * The threads with the most messages in [start, end). One index range count per thread that could
 * have had messages then (not archived, or changed since the window began); threads a bot opened
 * (private intro threads, for one) never appear: their names are not for the whole community.
 */
export async function liveliestThreads(
  db: Database,
  guildId: GuildId,
  start: number,
  end: number,
  limit: number,
  bots: readonly string[],
): Promise<ThreadActivity[]> {
  // Quoted aliases: PostgreSQL folds unquoted ones to lower case.
  const top = await db.all<{ threadId: string; name: string; messages: number | string }>(sql`
    SELECT t.channel_id AS "threadId", t.name AS name, (
      SELECT count(*) FROM messages m
      WHERE m.guild_id = t.guild_id AND m.channel_id = t.channel_id AND m.created_at >= ${start} AND m.created_at < ${end}
    ) AS messages
    FROM channels t
    WHERE t.guild_id = ${guildId} AND t.kind = 'thread' AND t.created_at < ${end}
      AND (t.archived = FALSE OR t.updated_at >= ${start})
      ${bots.length ? sql`AND (t.owner_id IS NULL OR (1 = 1${notBot(sql.raw('t.owner_id'), bots)}))` : sql``}
    ORDER BY messages DESC, t.channel_id
    LIMIT ${limit * 3}`);
  const counted: ThreadActivity[] = [];
  for (const t of top.filter((t) => n(t.messages) > 0)) {
    const people = await countIn(
      db,
      sql`
        SELECT count(DISTINCT m.author_id) AS n FROM messages m
        WHERE m.guild_id = ${guildId} AND m.channel_id = ${t.threadId} AND m.created_at >= ${start} AND m.created_at < ${end}${notBot(sql.raw('m.author_id'), bots)}`,
    );
    counted.push({ threadId: t.threadId, name: t.name, messages: n(t.messages), people });
  }
  // A thread is lively when people talk in it, not when one person posts alone.
  return counted.filter((t) => t.people >= 2).slice(0, limit);
}

export interface WaitingThread {
  threadId: string;
  name: string;
  askedAt: number;
}

const SOLVED_TAGS = new Set(['solved', 'resolved', 'answered', 'done', 'closed']);

/**
 * Forum threads (forum posts, Discourse topics) opened by members in [since, now) that nobody else
 * has answered yet, oldest first: the core's view of "questions still waiting for help".
 */
export async function waitingThreads(
  db: Database,
  guildId: GuildId,
  since: number,
  now: number,
  bots: readonly string[],
): Promise<WaitingThread[]> {
  const rows = await db.all<{ threadId: string; name: string; askedAt: number; tags: unknown }>(sql`
    SELECT t.channel_id AS "threadId", t.name AS name, t.created_at AS "askedAt", t.tags AS tags
    FROM channels t
    JOIN channels p ON p.guild_id = t.guild_id AND p.channel_id = t.parent_id AND p.kind = 'forum'
    WHERE t.guild_id = ${guildId} AND t.kind = 'thread' AND t.archived = FALSE
      AND t.created_at >= ${since} AND t.created_at < ${now}
      AND t.owner_id IS NOT NULL${notBot(sql.raw('t.owner_id'), bots)}
      AND NOT EXISTS (
        SELECT 1 FROM messages x
        WHERE x.guild_id = t.guild_id AND x.channel_id = t.channel_id AND x.author_id <> t.owner_id
          AND x.deleted_at IS NULL AND x.created_at < ${now}${notBot(sql.raw('x.author_id'), bots)})
    ORDER BY t.created_at, t.channel_id`);
  return rows
    .filter((r) => !parseTags(r.tags).some((tag) => SOLVED_TAGS.has(tag.toLowerCase())))
    .map((r) => ({ threadId: r.threadId, name: r.name, askedAt: n(r.askedAt) }));
}

/** The tags column as the driver gives it: JSON text on SQLite, the array itself on PostgreSQL (jsonb). */
function parseTags(value: unknown): string[] {
  try {
    const tags = typeof value === 'string' ? JSON.parse(value) : value;
    return Array.isArray(tags) ? tags.map(String) : [];
  } catch {
    // The column is written by ingest as JSON; a bad value just means "no tags".
    return [];
  }
}

/** How many times each member replied first in someone else's thread (the core's view of helping). */
export function firstResponders(rows: readonly FirstResponse[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) if (r.responderId) counts.set(r.responderId, (counts.get(r.responderId) ?? 0) + 1);
  return counts;
}

/** Display names of members, by id (for helpers and anything a source named only by id). */
export async function memberNames(
  db: Database,
  guildId: GuildId,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const { members } = db.tables;
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const r of await db
      .select({ id: members.memberId, name: members.displayName })
      .from(members)
      .where(and(eq(members.guildId, guildId), inArray(members.memberId, chunk)))) {
      names.set(r.id, r.name);
    }
  }
  return names;
}

export interface MemberInfo {
  memberId: string;
  name: string;
  bot: boolean;
  here: boolean;
  joinedAt: number | null;
}

export async function memberInfo(db: Database, guildId: GuildId, memberId: MemberId): Promise<MemberInfo | null> {
  const { members } = db.tables;
  const [row] = await db
    .select({
      memberId: members.memberId,
      name: members.displayName,
      bot: members.bot,
      leftAt: members.leftAt,
      joinedAt: members.joinedAt,
    })
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.memberId, memberId)))
    .limit(1);
  return row
    ? { memberId: row.memberId, name: row.name, bot: row.bot, here: row.leftAt === null, joinedAt: row.joinedAt }
    : null;
}

/** A member's own week: how much they wrote, how many people they replied to, threads of theirs still waiting. */
export async function memberWeek(db: Database, guildId: GuildId, memberId: MemberId, start: number, end: number) {
  const messages = await countIn(
    db,
    sql`SELECT count(*) AS n FROM messages WHERE guild_id = ${guildId} AND author_id = ${memberId} AND created_at >= ${start} AND created_at < ${end}`,
  );
  const repliedTo = await countIn(
    db,
    sql`
    SELECT count(DISTINCT t.author_id) AS n FROM messages m
    JOIN messages t ON t.guild_id = m.guild_id AND t.message_id = m.reply_to_id
    WHERE m.guild_id = ${guildId} AND m.author_id = ${memberId} AND m.created_at >= ${start} AND m.created_at < ${end}
      AND t.author_id <> ${memberId}`,
  );
  return { messages, repliedTo };
}
