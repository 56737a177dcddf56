/**
 * One community, two platforms: which Discord guild is paired with the forum, and who is the same
 * person on both (a confirmed account link inside a paired community).
 *
 * Every feature asks these questions on its hot path (the journey per message), so the answers come
 * from prepared statements and a per-database cache of the pairs, which change only through
 * /convene forum connect|disconnect (`pairGuilds`/`unpairGuild` below clear it).
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/connection.js';

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

function cacheOf(db: Db): Cache {
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

/** Whether `guildId` is the forum side of a pair (else the Discord side, when paired at all). */
function isForumSide(guildId: string): boolean {
  return guildId.startsWith('discourse:');
}

/**
 * The same person's account on the other platform of a paired community, or null (not linked,
 * link still pending, or the community is not paired).
 */
export function counterpart(db: Db, guildId: string, memberId: string): Account | null {
  const c = cacheOf(db);
  const other = c.partner.get(guildId);
  if (other === undefined) return null;
  const row = isForumSide(guildId)
    ? c.ofForum.get(other, guildId, memberId)
    : c.ofDiscord.get(guildId, other, memberId);
  return row ? { guildId: other, memberId: row.other } : null;
}

/** Every linked person of the pair `guildId` belongs to: their id here → their id on the other platform. */
export function linkedAcross(db: Db, guildId: string): Map<string, string> {
  const other = pairedGuild(db, guildId);
  const out = new Map<string, string>();
  if (other === null) return out;
  const forumSide = isForumSide(guildId);
  const discordGuild = forumSide ? other : guildId;
  const rows = db.$client
    .prepare(
      'SELECT member_id AS d, other_member_id AS f FROM account_links WHERE guild_id = ? AND other_guild_id = ? AND linked_at IS NOT NULL',
    )
    .all(discordGuild, forumSide ? guildId : other) as { d: string; f: string }[];
  for (const r of rows) out.set(forumSide ? r.f : r.d, forumSide ? r.d : r.f);
  return out;
}

export function pairOf(db: Db, guildId: string): Pair | null {
  const row = db.$client
    .prepare(
      'SELECT guild_id AS guildId, forum_guild_id AS forumGuildId, paired_by AS pairedBy, paired_at AS pairedAt FROM community_pairs WHERE guild_id = ? OR forum_guild_id = ?',
    )
    .get(guildId, guildId) as Pair | undefined;
  return row ?? null;
}

/**
 * Pair a Discord guild with the forum. Returns the guild the forum was paired with before, when it
 * was another one (that pair is replaced: one forum, one Discord guild).
 */
export function pairGuilds(db: Db, pair: Pair): string | null {
  const before = pairOf(db, pair.forumGuildId);
  db.transaction(() => {
    db.$client
      .prepare('DELETE FROM community_pairs WHERE guild_id = ? OR forum_guild_id = ?')
      .run(pair.guildId, pair.forumGuildId);
    db.$client
      .prepare('INSERT INTO community_pairs (guild_id, forum_guild_id, paired_by, paired_at) VALUES (?, ?, ?, ?)')
      .run(pair.guildId, pair.forumGuildId, pair.pairedBy, pair.pairedAt);
  });
  caches.delete(db);
  return before && before.guildId !== pair.guildId ? before.guildId : null;
}

/** Undo the pair of a Discord guild. False when it was not paired. */
export function unpairGuild(db: Db, guildId: string): boolean {
  const changed = db.$client.prepare('DELETE FROM community_pairs WHERE guild_id = ?').run(guildId).changes > 0;
  caches.delete(db);
  return changed;
}
