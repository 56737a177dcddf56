import { and, asc, count, desc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, Platform } from '../../events.js';
import { DAY_MS, type Window } from './calendar.js';
import type { GoalMetric } from './goals.js';

/** One week of a guild in numbers (no names, no text): what the health section and trends need. */
export interface WeekStats {
  start: number;
  end: number;
  /** Messages written by members (not bots) in the week, deleted ones included: they were said. */
  messages: number;
  /** Per local day, seven values. */
  dailyMessages: number[];
  /** Members (not bots) who wrote at least one message. */
  activeMembers: number;
  /** Members (not bots) who joined in the week and are still here. */
  newMembers: number;
  /** Threads (forum posts, topics) opened by members in the week: the questions and asks. */
  asked: number;
  /** …of which got a first reply from someone else (by the time the stats were made). */
  answered: number;
  answeredWithin24h: number;
  medianFirstResponseMs: number | null;
  /** …of which the first reply came from a member who is not a moderator. */
  peerAnswered: number;
  /** Members who joined 4 weeks before the week (a 7-day cohort), and how many of them were active in it. */
  retentionCohort: number;
  retained: number;
  /** Members who joined 14–21 days before the week's end, and how many wrote within 14 days of joining. */
  activationCohort: number;
  activated: number;
  /** Each goal metric's value for the week (null: no data), from the core and the features' sources. */
  goals: Partial<Record<GoalMetric, number | null>>;
  /**
   * The other guild of a paired community when the week counts both platforms (absent: this guild
   * alone). A stored week is reused only while the pair it was counted for still holds.
   */
  pairedWith?: string;
}

export const n = (v: unknown): number => Number(v ?? 0);

export async function guildInfo(db: Database, guildId: GuildId): Promise<{ name: string; platform: Platform } | null> {
  const { guilds } = db.tables;
  const [row] = await db
    .select({ name: guilds.name, platform: guilds.platform })
    .from(guilds)
    .where(eq(guilds.id, guildId))
    .limit(1);
  return row ?? null;
}

/**
 * The guild's bots. One pass over the guild's members (there is no index on the flag); the
 * aggregates below then subtract what these few wrote, one index seek each, instead of checking
 * the author of every message.
 */
export async function botIds(db: Database, guildId: GuildId): Promise<string[]> {
  const { members } = db.tables;
  const rows = await db
    .select({ id: members.memberId })
    .from(members)
    .where(and(eq(members.guildId, guildId), eq(members.bot, true)));
  return rows.map((r) => r.id);
}

/** `column NOT IN (bots)`, or nothing when the guild has no bots (an empty list is not portable SQL). */
export function notBot(column: ReturnType<typeof sql.raw>, bots: readonly string[]) {
  if (bots.length === 0) return sql``;
  return sql` AND ${column} NOT IN (${sql.join(
    bots.map((b) => sql`${b}`),
    sql`, `,
  )})`;
}

/** The `n` of a raw count query (count(*) is a string on PostgreSQL). */
export const countIn = async (db: Database, query: ReturnType<typeof sql>): Promise<number> =>
  n((await db.all<{ n: number | string }>(query))[0]?.n);

/** The first row of a raw query. */
const firstRow = async <T>(db: Database, query: ReturnType<typeof sql>): Promise<T | undefined> =>
  (await db.all<T>(query))[0];

/** Messages by members (not bots) per local day: one covering index range count per day. */
export async function dailyMessages(
  db: Database,
  guildId: GuildId,
  days: readonly number[],
  bots: readonly string[],
): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i + 1 < days.length; i++) {
    const from = days[i]!;
    const to = days[i + 1]!;
    const all = await countIn(
      db,
      sql`SELECT count(*) AS n FROM messages WHERE guild_id = ${guildId} AND created_at >= ${from} AND created_at < ${to}`,
    );
    let byBots = 0;
    for (const bot of bots) {
      byBots += await countIn(
        db,
        sql`SELECT count(*) AS n FROM messages WHERE guild_id = ${guildId} AND author_id = ${bot} AND created_at >= ${from} AND created_at < ${to}`,
      );
    }
    result.push(all - byBots);
  }
  return result;
}

/**
 * Members (not bots) with at least one message in [start, end): a walk of the members' primary
 * key index with one (guild, author, time) index seek each, no table rows read; then the bots
 * that wrote are subtracted.
 */
export async function activeMemberCount(
  db: Database,
  guildId: GuildId,
  start: number,
  end: number,
  bots: readonly string[],
): Promise<number> {
  const all = await countIn(
    db,
    sql`
    SELECT count(*) AS n FROM members m
    WHERE m.guild_id = ${guildId} AND EXISTS (
      SELECT 1 FROM messages x
      WHERE x.guild_id = m.guild_id AND x.author_id = m.member_id AND x.created_at >= ${start} AND x.created_at < ${end})`,
  );
  let activeBots = 0;
  for (const bot of bots) {
    activeBots += await countIn(
      db,
      sql`SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE guild_id = ${guildId} AND author_id = ${bot} AND created_at >= ${start} AND created_at < ${end} LIMIT 1) b`,
    );
  }
  return all - activeBots;
}

/** Members who joined in [start, end) and are still here: the count and the first `limit` names. */
export async function newMembers(
  db: Database,
  guildId: GuildId,
  start: number,
  end: number,
  limit: number,
): Promise<{ count: number; names: string[] }> {
  const { members } = db.tables;
  const [row] = await db
    .select({ n: count() })
    .from(members)
    .where(joinedBetween(db, guildId, start, end));
  const rows = limit > 0 ? await newMemberRows(db, guildId, start, end, limit) : [];
  return { count: row?.n ?? 0, names: rows.map((r) => r.name) };
}

/** Members (not bots) who joined in [start, end) and are still here. */
const joinedBetween = (db: Database, guildId: GuildId, start: number, end: number) => {
  const { members } = db.tables;
  return and(
    eq(members.guildId, guildId),
    gte(members.joinedAt, start),
    lt(members.joinedAt, end),
    eq(members.bot, false),
    sql`${members.leftAt} IS NULL`,
  );
};

/** Members who joined in [start, end) and are still here, with their ids: the first `limit`, by joining time. */
export async function newMemberRows(
  db: Database,
  guildId: GuildId,
  start: number,
  end: number,
  limit: number,
): Promise<{ memberId: string; name: string; joinedAt: number }[]> {
  const { members } = db.tables;
  const rows = await db
    .select({ memberId: members.memberId, name: members.displayName, joinedAt: members.joinedAt })
    .from(members)
    .where(joinedBetween(db, guildId, start, end))
    .orderBy(asc(members.joinedAt), asc(members.memberId))
    .limit(limit);
  return rows.map((r) => ({ memberId: r.memberId, name: r.name, joinedAt: n(r.joinedAt) }));
}

/** The two guilds of a paired community, each with its bots. */
export interface PairGuilds {
  discord: { guildId: GuildId; bots: readonly string[] };
  forum: { guildId: GuildId; bots: readonly string[] };
}

/**
 * Linked people of the pair who are counted on both platforms for [start, end): those who wrote on
 * both (`active`), and those who joined both and are still on both (`newMembers`). One walk of the
 * pair's confirmed links (the account_links primary key, "confirmed" = linked_at set, as in
 * src/features/links/identity.ts) with an index seek per link and platform.
 */
export async function linkedOnBoth(
  db: Database,
  pair: PairGuilds,
  start: number,
  end: number,
): Promise<{ active: number; newMembers: number }> {
  const { discord, forum } = pair;
  const row = await firstRow<{ active: number; newMembers: number }>(
    db,
    sql`
    SELECT
      coalesce(sum(CASE WHEN EXISTS (
          SELECT 1 FROM messages x
          WHERE x.guild_id = l.guild_id AND x.author_id = l.member_id AND x.created_at >= ${start} AND x.created_at < ${end})
        AND EXISTS (
          SELECT 1 FROM messages y
          WHERE y.guild_id = l.other_guild_id AND y.author_id = l.other_member_id AND y.created_at >= ${start} AND y.created_at < ${end})
        THEN 1 ELSE 0 END), 0) AS active,
      coalesce(sum(CASE WHEN EXISTS (
          SELECT 1 FROM members a
          WHERE a.guild_id = l.guild_id AND a.member_id = l.member_id AND a.bot = FALSE AND a.left_at IS NULL
            AND a.joined_at >= ${start} AND a.joined_at < ${end})
        AND EXISTS (
          SELECT 1 FROM members b
          WHERE b.guild_id = l.other_guild_id AND b.member_id = l.other_member_id AND b.bot = FALSE AND b.left_at IS NULL
            AND b.joined_at >= ${start} AND b.joined_at < ${end})
        THEN 1 ELSE 0 END), 0) AS "newMembers"
    FROM account_links l
    WHERE l.guild_id = ${discord.guildId} AND l.other_guild_id = ${forum.guildId} AND l.linked_at IS NOT NULL
      ${notBot(sql.raw('l.member_id'), discord.bots)}${notBot(sql.raw('l.other_member_id'), forum.bots)}`,
  );
  return { active: n(row?.active), newMembers: n(row?.newMembers) };
}

/** Of the members (not bots) who joined in [joinedFrom, joinedTo), how many wrote in [start, end). */
export async function cohortActivity(
  db: Database,
  guildId: GuildId,
  joinedFrom: number,
  joinedTo: number,
  start: number,
  end: number,
): Promise<{ cohort: number; active: number }> {
  const row = await firstRow<{ cohort: number; active: number }>(
    db,
    sql`
    SELECT count(*) AS cohort,
      coalesce(sum(CASE WHEN EXISTS (
        SELECT 1 FROM messages x
        WHERE x.guild_id = m.guild_id AND x.author_id = m.member_id AND x.created_at >= ${start} AND x.created_at < ${end}
      ) THEN 1 ELSE 0 END), 0) AS active
    FROM members m
    WHERE m.guild_id = ${guildId} AND m.bot = FALSE AND m.joined_at >= ${joinedFrom} AND m.joined_at < ${joinedTo}`,
  );
  return { cohort: n(row?.cohort), active: n(row?.active) };
}

/** Of the members who joined in [joinedFrom, joinedTo), how many wrote within `withinMs` of joining. */
export async function activationCohort(
  db: Database,
  guildId: GuildId,
  joinedFrom: number,
  joinedTo: number,
  withinMs: number,
): Promise<{ cohort: number; active: number }> {
  const row = await firstRow<{ cohort: number; active: number }>(
    db,
    sql`
    SELECT count(*) AS cohort,
      coalesce(sum(CASE WHEN EXISTS (
        SELECT 1 FROM messages x
        WHERE x.guild_id = m.guild_id AND x.author_id = m.member_id
          AND x.created_at >= m.joined_at AND x.created_at < m.joined_at + ${withinMs}
      ) THEN 1 ELSE 0 END), 0) AS active
    FROM members m
    WHERE m.guild_id = ${guildId} AND m.bot = FALSE AND m.joined_at >= ${joinedFrom} AND m.joined_at < ${joinedTo}`,
  );
  return { cohort: n(row?.cohort), active: n(row?.active) };
}

/** A thread opened by a member, and its first reply from someone else (not a bot). */
export interface FirstResponse {
  threadId: string;
  askedAt: number;
  firstAt: number | null;
  responderId: string | null;
  responderModerator: boolean;
}

/**
 * Threads opened by members in [start, end), each with the first reply by someone other than the
 * opener that was written by `now`. One row per thread; the first reply is found by walking the
 * thread's (guild, channel, time) index from its start, so it costs a few steps per thread.
 * Threads whose opener is unknown are left out: without an opener there is no "someone else".
 */
export async function firstResponses(
  db: Database,
  guildId: GuildId,
  start: number,
  end: number,
  now: number,
  bots: readonly string[],
): Promise<FirstResponse[]> {
  // Quoted aliases: PostgreSQL folds unquoted ones to lower case.
  const rows = await db.all<{
    threadId: string;
    askedAt: number;
    firstAt: number | null;
    responderId: string | null;
    responderModerator: number | boolean | null;
  }>(sql`
    SELECT t.channel_id AS "threadId", t.created_at AS "askedAt", f.created_at AS "firstAt", f.author_id AS "responderId",
      r.moderator AS "responderModerator"
    FROM channels t
    LEFT JOIN messages f ON f.guild_id = t.guild_id AND f.message_id = (
      SELECT x.message_id FROM messages x
      WHERE x.guild_id = t.guild_id AND x.channel_id = t.channel_id AND x.author_id <> t.owner_id
        AND x.deleted_at IS NULL AND x.created_at <= ${now}${notBot(sql.raw('x.author_id'), bots)}
      ORDER BY x.created_at
      LIMIT 1)
    LEFT JOIN members r ON r.guild_id = f.guild_id AND r.member_id = f.author_id
    WHERE t.guild_id = ${guildId} AND t.kind = 'thread' AND t.created_at >= ${start} AND t.created_at < ${end}
      AND t.owner_id IS NOT NULL${notBot(sql.raw('t.owner_id'), bots)}`);
  return rows.map((r) => ({
    threadId: r.threadId,
    askedAt: n(r.askedAt),
    firstAt: r.firstAt === null ? null : n(r.firstAt),
    responderId: r.responderId,
    responderModerator: Boolean(r.responderModerator),
  }));
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Response-time numbers of a set of threads. */
export function responseTimesOf(rows: readonly FirstResponse[]) {
  const waits = rows.flatMap((r) => (r.firstAt === null ? [] : [Math.max(0, r.firstAt - r.askedAt)]));
  return {
    asked: rows.length,
    answered: waits.length,
    answeredWithin24h: waits.filter((w) => w <= DAY_MS).length,
    medianFirstResponseMs: median(waits),
    peerAnswered: rows.filter((r) => r.firstAt !== null && !r.responderModerator).length,
  };
}

/** Goal metric values the core tables can give for a week (connections need the intros feature). */
export function coreGoalValues(w: Omit<WeekStats, 'goals'>): Partial<Record<GoalMetric, number | null>> {
  return {
    'peer-answered': w.answered > 0 ? w.peerAnswered / w.answered : null,
    'first-response': w.medianFirstResponseMs,
    'newcomer-activation': w.activationCohort > 0 ? w.activated / w.activationCohort : null,
    retention: w.retentionCohort > 0 ? w.retained / w.retentionCohort : null,
  };
}

/**
 * The week's numbers from the core tables (messages, members, threads). `threads` may be passed
 * when the caller already has the week's first responses (it needs them for the helpers too).
 */
export async function computeWeekStats(
  db: Database,
  guildId: GuildId,
  w: Pick<Window, 'start' | 'end' | 'days'>,
  now: number,
  bots: readonly string[],
  threads?: readonly FirstResponse[],
): Promise<WeekStats> {
  const daily = await dailyMessages(db, guildId, w.days, bots);
  const retention = await cohortActivity(db, guildId, w.start - 28 * DAY_MS, w.start - 21 * DAY_MS, w.start, w.end);
  const activation = await activationCohort(db, guildId, w.end - 21 * DAY_MS, w.end - 14 * DAY_MS, 14 * DAY_MS);
  const stats = {
    start: w.start,
    end: w.end,
    messages: daily.reduce((a, b) => a + b, 0),
    dailyMessages: daily,
    activeMembers: await activeMemberCount(db, guildId, w.start, w.end, bots),
    newMembers: (await newMembers(db, guildId, w.start, w.end, 0)).count,
    ...responseTimesOf(threads ?? (await firstResponses(db, guildId, w.start, w.end, now, bots))),
    retentionCohort: retention.cohort,
    retained: retention.active,
    activationCohort: activation.cohort,
    activated: activation.active,
  };
  return { ...stats, goals: coreGoalValues(stats) };
}

/** A stored week, when one was computed for exactly this window. */
export async function storedWeek(
  db: Database,
  guildId: GuildId,
  w: Window,
): Promise<{ stats: WeekStats; computedAt: number } | null> {
  const { digestWeeks } = db.tables;
  const [row] = await db
    .select({ stats: digestWeeks.stats, computedAt: digestWeeks.computedAt })
    .from(digestWeeks)
    .where(and(eq(digestWeeks.guildId, guildId), eq(digestWeeks.startAt, w.start), eq(digestWeeks.endAt, w.end)))
    .limit(1);
  return row ? { stats: row.stats as WeekStats, computedAt: row.computedAt } : null;
}

/** Stored weeks are kept this long: long enough for year-over-year, not forever. */
const KEEP_WEEKS_MS = 60 * 7 * DAY_MS;

export async function storeWeek(db: Database, guildId: GuildId, stats: WeekStats, now: number): Promise<void> {
  const { digestWeeks } = db.tables;
  await db
    .delete(digestWeeks)
    .where(and(eq(digestWeeks.guildId, guildId), lt(digestWeeks.startAt, now - KEEP_WEEKS_MS)));
  await db
    .insert(digestWeeks)
    .values({ guildId, startAt: stats.start, endAt: stats.end, computedAt: now, stats })
    .onConflictDoUpdate({
      target: [digestWeeks.guildId, digestWeeks.startAt, digestWeeks.endAt],
      set: { computedAt: now, stats },
    });
}

/**
 * The latest `limit` stored weeks that do not overlap, newest first (previews on other days store
 * windows that overlap the scheduled ones; the newest wins).
 */
export async function recentStoredWeeks(db: Database, guildId: GuildId, limit: number): Promise<WeekStats[]> {
  const { digestWeeks } = db.tables;
  const rows = await db
    .select({ stats: digestWeeks.stats, startAt: digestWeeks.startAt, endAt: digestWeeks.endAt })
    .from(digestWeeks)
    .where(eq(digestWeeks.guildId, guildId))
    .orderBy(desc(digestWeeks.endAt), desc(digestWeeks.computedAt))
    .limit(limit * 8);
  const picked: WeekStats[] = [];
  let before = Number.POSITIVE_INFINITY;
  for (const r of rows) {
    if (picked.length >= limit) break;
    if (r.endAt > before) continue;
    picked.push(r.stats as WeekStats);
    before = r.startAt;
  }
  return picked;
}
