/**
 * The pair questions intros asks links/identity.ts (is this guild paired, who is linked, where is a
 * linked person active), read through the async store so that intros runs on both engines.
 * A stand-in while links/identity.ts is still on the synchronous API (its port is another piece of
 * work): the same queries and answers, without its per-process cache of the pairs (one indexed read
 * per operation). When identity.ts has async twins, this file becomes re-exports of them.
 */
import { and, eq, inArray, isNotNull, isNull, max, or } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { isForumGuild } from '../../forumIds.js';
import { chunk } from './chunk.js';

/** The other platform's guild of this community (Discord guild ↔ forum), or null when not paired. */
export async function pairedGuildOf(db: Database, guildId: string): Promise<string | null> {
  const { communityPairs } = db.tables;
  const [pair] = await db
    .select({ guildId: communityPairs.guildId, forumGuildId: communityPairs.forumGuildId })
    .from(communityPairs)
    .where(or(eq(communityPairs.guildId, guildId), eq(communityPairs.forumGuildId, guildId)))
    .limit(1);
  if (!pair) return null;
  return pair.guildId === guildId ? pair.forumGuildId : pair.guildId;
}

/** Every linked person of the pair `guildId` belongs to: their id here → their id on the other platform. */
export async function linkedAcrossOf(
  db: Database,
  guildId: string,
  other?: string | null,
): Promise<Map<string, string>> {
  const partner = other === undefined ? await pairedGuildOf(db, guildId) : other;
  const out = new Map<string, string>();
  if (partner === null) return out;
  const forumSide = isForumGuild(guildId);
  const { accountLinks } = db.tables;
  const rows = await db
    .select({ d: accountLinks.memberId, f: accountLinks.otherMemberId })
    .from(accountLinks)
    .where(
      and(
        eq(accountLinks.guildId, forumSide ? partner : guildId),
        eq(accountLinks.otherGuildId, forumSide ? guildId : partner),
        isNotNull(accountLinks.linkedAt),
      ),
    );
  for (const r of rows) out.set(forumSide ? r.f : r.d, forumSide ? r.d : r.f);
  return out;
}

/** The same person's account on the other platform, or null (not linked, pending, or not paired). */
export async function counterpartOf(
  db: Database,
  guildId: string,
  memberId: string,
): Promise<{ guildId: string; memberId: string } | null> {
  const other = await pairedGuildOf(db, guildId);
  if (other === null) return null;
  const { accountLinks } = db.tables;
  const forumSide = isForumGuild(guildId);
  const [row] = await db
    .select({ d: accountLinks.memberId, f: accountLinks.otherMemberId })
    .from(accountLinks)
    .where(
      and(
        eq(accountLinks.guildId, forumSide ? other : guildId),
        eq(accountLinks.otherGuildId, forumSide ? guildId : other),
        eq(forumSide ? accountLinks.otherMemberId : accountLinks.memberId, memberId),
        isNotNull(accountLinks.linkedAt),
      ),
    )
    .limit(1);
  return row ? { guildId: other, memberId: forumSide ? row.d : row.f } : null;
}

/**
 * Where to reach each linked person of `pairs` ([id here, id there]): the platform they posted on
 * last, among those they are still a member of ('here' or 'there'); absent when they are a member
 * of neither. Four bulk reads per 500 people, whatever the count.
 */
export async function activeSidesOf(
  db: Database,
  here: string,
  there: string,
  pairs: readonly (readonly [string, string])[],
): Promise<Map<string, 'here' | 'there'>> {
  const out = new Map<string, 'here' | 'there'>();
  for (const part of chunk(pairs, 500)) {
    const hereIds = part.map(([h]) => h);
    const thereIds = part.map(([, t]) => t);
    const postedHere = await lastPosts(db, here, hereIds);
    const postedThere = await lastPosts(db, there, thereIds);
    const inHere = await presentMembers(db, here, hereIds);
    const inThere = await presentMembers(db, there, thereIds);
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
async function lastPosts(db: Database, guildId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const { messages } = db.tables;
  const rows = await db
    .select({ id: messages.authorId, at: max(messages.createdAt) })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), inArray(messages.authorId, [...ids]), isNull(messages.deletedAt)))
    .groupBy(messages.authorId);
  return new Map(rows.flatMap((r) => (r.at === null ? [] : [[r.id, Number(r.at)] as const])));
}

/** Which of `ids` are members of the guild now (joined and not left; bots are not people here). */
async function presentMembers(db: Database, guildId: string, ids: readonly string[]): Promise<Set<string>> {
  const { members } = db.tables;
  const rows = await db
    .select({ id: members.memberId })
    .from(members)
    .where(
      and(
        eq(members.guildId, guildId),
        inArray(members.memberId, [...ids]),
        isNull(members.leftAt),
        eq(members.bot, false),
      ),
    );
  return new Set(rows.map((r) => r.id));
}
