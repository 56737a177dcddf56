/**
 * One community, two platforms: which Discord guild is paired with the forum, and who is the same
 * person on both (a confirmed account link inside a paired community).
 *
 * Every feature asks these questions on its hot path (the journey per message), so the answers come
 * from prepared statements and a per-database cache of the pairs, which change only through
 * /convene forum connect|disconnect (`pairGuilds`/`unpairGuild` below mark the change in their
 * transaction; every process drops its cache at its next look, see db/cacheGenerations.ts).
 */
import type { Statement } from 'better-sqlite3';
import { and, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { bumpCache, checkCaches, onCacheChange } from '../../db/cacheGenerations.js';
import type { Db } from '../../db/connection.js';
import { communityPairs, members, messages } from '../../db/schema.js';
import type { Platform } from '../../events.js';
import { isForumGuild } from '../../forumIds.js';

/** A member on one platform: the guild (Discord guild or "discourse:<host>") and their id there. */
export interface Account {
  guildId: string;
  memberId: string;
}

export interface Pair {
  /** The Discord guild. */
  guildId: string;
  /** The forum. */
  forumGuildId: string;
  pairedBy: string;
  pairedAt: number;
}

interface Cache {
  /** Either side → the other side. */
  partner: Map<string, string>;
  /** (Discord guild, forum, member) → the other account, both limited to the pair's two guilds. */
  ofDiscord: Statement<[string, string, string], { other: string }>;
  ofForum: Statement<[string, string, string], { other: string }>;
}

const caches = new WeakMap<Db, Cache>();
/** Connections whose pair changes drop the cache (in this process or another: db/cacheGenerations.ts). */
const watched = new WeakSet<Db>();

function cacheOf(db: Db): Cache {
  if (!watched.has(db)) {
    watched.add(db);
    onCacheChange(db, 'pairs', () => caches.delete(db));
  }
  checkCaches(db);
  let c = caches.get(db);
  if (!c) {
    const partner = new Map<string, string>();
    for (const row of db.$client
      .prepare('SELECT guild_id AS guildId, forum_guild_id AS forumGuildId FROM community_pairs')
      .all() as { guildId: string; forumGuildId: string }[]) {
      partner.set(row.guildId, row.forumGuildId);
      partner.set(row.forumGuildId, row.guildId);
    }
    c = {
      partner,
      ofDiscord: db.$client.prepare(
        'SELECT other_member_id AS other FROM account_links WHERE guild_id = ? AND other_guild_id = ? AND member_id = ? AND linked_at IS NOT NULL',
      ),
      ofForum: db.$client.prepare(
        'SELECT member_id AS other FROM account_links WHERE guild_id = ? AND other_guild_id = ? AND other_member_id = ? AND linked_at IS NOT NULL',
      ),
    };
    caches.set(db, c);
  }
  return c;
}

/** The other platform's guild of this community (Discord guild ↔ forum), or null when not paired. */
export function pairedGuild(db: Db, guildId: string): string | null {
  return cacheOf(db).partner.get(guildId) ?? null;
}

/**
 * The same person's account on the other platform of a paired community, or null (not linked,
 * link still pending, or the community is not paired).
 */
export function counterpart(db: Db, guildId: string, memberId: string): Account | null {
  const c = cacheOf(db);
  const other = c.partner.get(guildId);
  if (other === undefined) return null;
  const row = isForumGuild(guildId)
    ? c.ofForum.get(other, guildId, memberId)
    : c.ofDiscord.get(guildId, other, memberId);
  return row ? { guildId: other, memberId: row.other } : null;
}

/** Every linked person of the pair `guildId` belongs to: their id here → their id on the other platform. */
export function linkedAcross(db: Db, guildId: string): Map<string, string> {
  const other = pairedGuild(db, guildId);
  const out = new Map<string, string>();
  if (other === null) return out;
  const forumSide = isForumGuild(guildId);
  const discordGuild = forumSide ? other : guildId;
  const rows = db.$client
    .prepare(
      'SELECT member_id AS d, other_member_id AS f FROM account_links WHERE guild_id = ? AND other_guild_id = ? AND linked_at IS NOT NULL',
    )
    .all(discordGuild, forumSide ? guildId : other) as { d: string; f: string }[];
  for (const r of rows) out.set(forumSide ? r.f : r.d, forumSide ? r.d : r.f);
  return out;
}

/**
 * The pair `guildId` belongs to, read through `db` without the cache: it also works inside a
 * transaction (the privacy hooks run in one), where the prepared statements above cannot be used.
 */
export function pairOf(db: Db, guildId: string): Pair | null {
  const row = db
    .select({
      guildId: communityPairs.guildId,
      forumGuildId: communityPairs.forumGuildId,
      pairedBy: communityPairs.pairedBy,
      pairedAt: communityPairs.pairedAt,
    })
    .from(communityPairs)
    .where(or(eq(communityPairs.guildId, guildId), eq(communityPairs.forumGuildId, guildId)))
    .get();
  return row ?? null;
}

/** The other guild of `guildId`'s pair, like pairedGuild but uncached and transaction-safe (pairOf). */
export function partnerOf(db: Db, guildId: string): string | null {
  const pair = pairOf(db, guildId);
  if (!pair) return null;
  return pair.guildId === guildId ? pair.forumGuildId : pair.guildId;
}

/**
 * Pair a Discord guild with the forum. Returns the guild the forum was paired with before, when it
 * was another one (that pair is replaced: one forum, one Discord guild). Members never reach this
 * for a forum held elsewhere: connectForum refuses, only the holder can let go.
 */
export function pairGuilds(db: Db, pair: Pair): string | null {
  const before = pairOf(db, pair.forumGuildId);
  db.transaction(() => {
    const old = pairOf(db, pair.guildId);
    db.$client
      .prepare('DELETE FROM community_pairs WHERE guild_id = ? OR forum_guild_id = ?')
      .run(pair.guildId, pair.forumGuildId);
    db.$client
      .prepare('INSERT INTO community_pairs (guild_id, forum_guild_id, paired_by, paired_at) VALUES (?, ?, ?, ?)')
      .run(pair.guildId, pair.forumGuildId, pair.pairedBy, pair.pairedAt);
    // Every guild whose partner changed, in every process (this one's cache included).
    for (const g of new Set([pair.guildId, pair.forumGuildId, before?.guildId, old?.forumGuildId])) {
      if (g) bumpCache(db, 'pairs', g);
    }
  });
  return before && before.guildId !== pair.guildId ? before.guildId : null;
}

/** Erasure of the moderator who paired the community: the pair stays, who made it goes. */
export function forgetPairer(db: Db, guildId: string, memberId: string): void {
  db.update(communityPairs)
    .set({ pairedBy: '' })
    .where(and(eq(communityPairs.guildId, guildId), eq(communityPairs.pairedBy, memberId)))
    .run();
}

/** Undo the pair of a Discord guild. False when it was not paired. */
export function unpairGuild(db: Db, guildId: string): boolean {
  return db.transaction(() => {
    const pair = pairOf(db, guildId);
    if (!pair || pair.guildId !== guildId) return false;
    db.$client.prepare('DELETE FROM community_pairs WHERE guild_id = ?').run(guildId);
    bumpCache(db, 'pairs', pair.guildId);
    bumpCache(db, 'pairs', pair.forumGuildId);
    return true;
  });
}

/** "the forum" / "Discord": how a message names a platform. */
export const platformWords = (platform: Platform) => (platform === 'discourse' ? 'the forum' : 'Discord');

/**
 * Where to reach each linked person of `pairs` ([id here, id there]): the platform they posted on
 * last, among those they are still a member of ('here' or 'there'); absent when they are a member
 * of neither. Four bulk reads per 500 people, whatever the count.
 */
export function activeSides(
  db: Db,
  here: string,
  there: string,
  pairs: readonly (readonly [string, string])[],
): Map<string, 'here' | 'there'> {
  const out = new Map<string, 'here' | 'there'>();
  for (let i = 0; i < pairs.length; i += 500) {
    const part = pairs.slice(i, i + 500);
    const hereIds = part.map(([h]) => h);
    const thereIds = part.map(([, t]) => t);
    const postedHere = lastPosts(db, here, hereIds);
    const postedThere = lastPosts(db, there, thereIds);
    const inHere = presentMembers(db, here, hereIds);
    const inThere = presentMembers(db, there, thereIds);
    for (const [h, t] of part) {
      if (!inHere.has(h) && !inThere.has(t)) continue;
      const thereLast =
        inThere.has(t) &&
        (!inHere.has(h) ||
          (postedThere.get(t) ?? Number.NEGATIVE_INFINITY) > (postedHere.get(h) ?? Number.NEGATIVE_INFINITY));
      out.set(h, thereLast ? 'there' : 'here');
    }
  }
  return out;
}

/** When each of `ids` last posted in the guild (absent: never, or everything deleted). */
function lastPosts(db: Db, guildId: string, ids: readonly string[]): Map<string, number> {
  const rows = db
    .select({ id: messages.authorId, at: sql<number>`max(${messages.createdAt})` })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), inArray(messages.authorId, [...ids]), isNull(messages.deletedAt)))
    .groupBy(messages.authorId)
    .all();
  return new Map(rows.flatMap((r) => (r.at === null ? [] : [[r.id, Number(r.at)] as const])));
}

/** Which of `ids` are members of the guild now (joined and not left; bots are not people here). */
function presentMembers(db: Db, guildId: string, ids: readonly string[]): Set<string> {
  const rows = db
    .select({ id: members.memberId })
    .from(members)
    .where(
      and(
        eq(members.guildId, guildId),
        inArray(members.memberId, [...ids]),
        isNull(members.leftAt),
        eq(members.bot, false),
      ),
    )
    .all();
  return new Set(rows.map((r) => r.id));
}
