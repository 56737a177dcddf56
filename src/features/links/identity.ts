/**
 * One community, two platforms: which Discord guild is paired with the forum, and who is the same
 * person on both (a confirmed account link inside a paired community).
 *
 * Every feature asks these questions on its hot path (the journey per message), so the pairs are
 * cached per connection (they change only through /convene forum connect|disconnect: `pairCommunity`/
 * `unpairCommunity` below mark the change in their transaction; every process drops its cache at its
 * next look, see db/cacheGenerations.ts) and the links are read in batches (`readCounterparts`):
 * a guild that is not paired costs no query at all.
 *
 * Engine-neutral (src/db/database.ts): every function takes a `Database` and returns a Promise.
 */
import { and, eq, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { checkClient, onChangeOf } from '../../db/cacheGenerations.js';
import { bumpCacheIn, type CacheWatcher, changedInTransaction, sharedWatcher } from '../../db/cacheWatch.js';
import { type Database, transaction } from '../../db/database.js';
import { opsOf, scopes, TransactionMisuseError } from '../../db/handle.js';
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

/** Reads of the same person's accounts, at most this many ids per statement. */
const BATCH = 500;

// ---------------------------------------------------------------------------------------------
// The pairs, cached per SQLite connection

/** Either side → the other side, per SQLite connection. */
const partnerMaps = new WeakMap<object, Map<string, string>>();
/** Connections whose pair changes drop the map (in this process or another: db/cacheGenerations.ts), with how many times. */
const drops = new WeakMap<object, number>();

/** The SQLite connection a cache belongs to (db/cacheGenerations.ts). */
type Client = Parameters<typeof checkClient>[0];

function cachedPartners(client: Client): Map<string, string> | undefined {
  if (!drops.has(client)) {
    drops.set(client, 0);
    onChangeOf(client, 'pairs', () => {
      partnerMaps.delete(client);
      drops.set(client, (drops.get(client) ?? 0) + 1);
    });
  }
  checkClient(client);
  return partnerMaps.get(client);
}

const partnerMapOf = (rows: readonly { guildId: string; forumGuildId: string }[]) => {
  const partner = new Map<string, string>();
  for (const row of rows) {
    partner.set(row.guildId, row.forumGuildId);
    partner.set(row.forumGuildId, row.guildId);
  }
  return partner;
};

/** PostgreSQL: the pool's map, dropped by the process's LISTEN watcher when a pair changes anywhere. */
interface PgPartners {
  map: Map<string, string> | null;
  drops: number;
  watcher: Promise<CacheWatcher>;
}
const pgPartners = new WeakMap<object, PgPartners>();

function pgPartnersOf(db: Database): PgPartners {
  const root = opsOf(db).root;
  let state = pgPartners.get(root);
  if (!state) {
    const made: PgPartners = {
      map: null,
      drops: 0,
      watcher: sharedWatcher(db).then((w) => {
        w.on('pairs', () => {
          made.map = null;
          made.drops++;
        });
        return w;
      }),
    };
    // No LISTEN (the server went away): the next read tries again; the failure is the caller's.
    made.watcher.catch(() => pgPartners.delete(root));
    state = made;
    pgPartners.set(root, state);
  }
  return state;
}

/**
 * Either side → the other side, cached per SQLite connection or PostgreSQL pool. A transaction that
 * changed a pair reads the table itself (what it sees is not yet everyone's).
 */
async function partners(db: Database): Promise<Map<string, string>> {
  const ops = opsOf(db);
  if (ops.engine === 'sqlite') {
    const client = ops.root as Client;
    const open = scopes.getStore();
    if (!ops.scope && open?.open && open.root === client) {
      // The outer handle inside a transaction's body would wait for the mutex that body holds.
      throw new TransactionMisuseError('inside transaction(db, …) read the pair with the tx it was given, not db');
    }
    // Under the connection's mutex (a transaction's handle holds it already): the check's own
    // statements never run inside another flow's open transaction.
    const known = await ops.exclusive(async () => cachedPartners(client));
    if (known) return known;
    const dropsBefore = drops.get(client);
    const { communityPairs } = db.tables;
    const rows = await db
      .select({ guildId: communityPairs.guildId, forumGuildId: communityPairs.forumGuildId })
      .from(communityPairs);
    const made = partnerMapOf(rows);
    // Kept only if no change was committed while the rows were read (another flow may have paired).
    await ops.exclusive(async () => {
      checkClient(client);
      if (drops.get(client) === dropsBefore) partnerMaps.set(client, made);
    });
    return made;
  }
  const { communityPairs } = db.tables;
  const read = async () =>
    partnerMapOf(
      await db
        .select({ guildId: communityPairs.guildId, forumGuildId: communityPairs.forumGuildId })
        .from(communityPairs),
    );
  if (changedInTransaction(db, 'pairs')) return read();
  const state = pgPartnersOf(db);
  await (await state.watcher).check();
  if (state.map) return state.map;
  const dropsBefore = state.drops;
  const made = await read();
  // Kept only if no change was heard while the rows were read.
  if (state.drops === dropsBefore) state.map = made;
  return made;
}

// ---------------------------------------------------------------------------------------------
// Engine-neutral reads

/** The other platform's guild of this community (Discord guild ↔ forum), or null when not paired. */
export async function readPairedGuild(db: Database, guildId: string): Promise<string | null> {
  return (await partners(db)).get(guildId) ?? null;
}

/**
 * The same person's account on the other platform of a paired community, or null (not linked,
 * link still pending, or the community is not paired).
 */
export async function readCounterpart(db: Database, guildId: string, memberId: string): Promise<Account | null> {
  return (await readCounterparts(db, guildId, [memberId])).get(memberId) ?? null;
}

/** readCounterpart for many members of one guild: member id → their other account (absent: none). */
export async function readCounterparts(
  db: Database,
  guildId: string,
  memberIds: readonly string[],
): Promise<Map<string, Account>> {
  const out = new Map<string, Account>();
  const other = (await partners(db)).get(guildId);
  if (other === undefined || memberIds.length === 0) return out;
  const { accountLinks } = db.tables;
  const forumSide = isForumGuild(guildId);
  const ids = [...new Set(memberIds)];
  for (let i = 0; i < ids.length; i += BATCH) {
    const part = ids.slice(i, i + BATCH);
    const rows = await db
      .select({ discord: accountLinks.memberId, forum: accountLinks.otherMemberId })
      .from(accountLinks)
      .where(
        and(
          eq(accountLinks.guildId, forumSide ? other : guildId),
          eq(accountLinks.otherGuildId, forumSide ? guildId : other),
          inArray(forumSide ? accountLinks.otherMemberId : accountLinks.memberId, part),
          isNotNull(accountLinks.linkedAt),
        ),
      );
    for (const r of rows) {
      out.set(forumSide ? r.forum : r.discord, { guildId: other, memberId: forumSide ? r.discord : r.forum });
    }
  }
  return out;
}

/**
 * Every linked person of the pair `guildId` belongs to: their id here → their id on the other
 * platform. `paired`: the other guild of the pair when the caller read it already (null: none).
 */
export async function readLinkedAcross(
  db: Database,
  guildId: string,
  paired?: string | null,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const other = paired === undefined ? await readPairedGuild(db, guildId) : paired;
  if (other === null) return out;
  const forumSide = isForumGuild(guildId);
  const { accountLinks } = db.tables;
  const rows = await db
    .select({ d: accountLinks.memberId, f: accountLinks.otherMemberId })
    .from(accountLinks)
    .where(
      and(
        eq(accountLinks.guildId, forumSide ? other : guildId),
        eq(accountLinks.otherGuildId, forumSide ? guildId : other),
        isNotNull(accountLinks.linkedAt),
      ),
    );
  for (const r of rows) out.set(forumSide ? r.f : r.d, forumSide ? r.d : r.f);
  return out;
}

/**
 * The pair `guildId` belongs to, read through `db` without the cache: inside a transaction it sees
 * the transaction's own changes.
 */
export async function pairOf(db: Database, guildId: string): Promise<Pair | null> {
  const { communityPairs } = db.tables;
  const [row] = await db
    .select({
      guildId: communityPairs.guildId,
      forumGuildId: communityPairs.forumGuildId,
      pairedBy: communityPairs.pairedBy,
      pairedAt: communityPairs.pairedAt,
    })
    .from(communityPairs)
    .where(or(eq(communityPairs.guildId, guildId), eq(communityPairs.forumGuildId, guildId)))
    .limit(1);
  return row ?? null;
}

/** The other guild of `guildId`'s pair, like readPairedGuild but uncached (pairOf). */
export async function readPartner(db: Database, guildId: string): Promise<string | null> {
  return otherSide(await pairOf(db, guildId), guildId);
}

const otherSide = (pair: Pair | null, guildId: string) =>
  pair ? (pair.guildId === guildId ? pair.forumGuildId : pair.guildId) : null;

// ---------------------------------------------------------------------------------------------
// Changes of the pair

/**
 * Take the pairing of this server and this forum for the rest of the transaction: call it first in a
 * transaction that reads the pair, decides and writes it. SQLite's transaction already holds the
 * only write lock; PostgreSQL's READ COMMITTED would let two servers both read "not held" (and a
 * statement after a commit see what the check before it did not), so there the decision is
 * serialized by transaction-scoped advisory locks, taken in one order.
 */
export async function lockPairing(tx: Database, guildId: string, forumGuildId: string): Promise<void> {
  if (tx.engine !== 'postgres') return;
  for (const key of [guildId, forumGuildId].sort()) {
    await tx.all(sql`SELECT pg_advisory_xact_lock(hashtext(${`convene:pair:${key}`}))`);
  }
}

/**
 * Pair a Discord guild with the forum. Returns the guild the forum was paired with before, when it
 * was another one (that pair is replaced: one forum, one Discord guild). Members never reach this
 * for a forum held elsewhere: connectForum refuses, only the holder can let go. Given a transaction's
 * handle, it runs inside that transaction.
 */
export async function pairCommunity(db: Database, pair: Pair): Promise<string | null> {
  const before = await transaction(db, async (tx) => {
    await lockPairing(tx, pair.guildId, pair.forumGuildId);
    const { communityPairs } = tx.tables;
    const heldBy = await pairOf(tx, pair.forumGuildId);
    const old = await pairOf(tx, pair.guildId);
    // The forum's pair is replaced only as it was read: under PostgreSQL's READ COMMITTED a pair
    // committed meanwhile by another server stays, and this insert breaks the unique forum instead
    // (the callers then refuse with the holder's name).
    await tx
      .delete(communityPairs)
      .where(
        or(
          eq(communityPairs.guildId, pair.guildId),
          heldBy
            ? and(eq(communityPairs.forumGuildId, pair.forumGuildId), eq(communityPairs.guildId, heldBy.guildId))
            : undefined,
        ),
      );
    await tx.insert(communityPairs).values(pair);
    // Every guild whose partner changed, in every process (this one's cache included).
    for (const g of new Set([pair.guildId, pair.forumGuildId, heldBy?.guildId, old?.forumGuildId])) {
      if (g) await bumpCacheIn(tx, 'pairs', g);
    }
    return heldBy;
  });
  return before && before.guildId !== pair.guildId ? before.guildId : null;
}

/** Erasure of the moderator who paired the community: the pair stays, who made it goes. */
export async function forgetPairer(tx: Database, guildId: string, memberId: string): Promise<void> {
  const { communityPairs } = tx.tables;
  await tx
    .update(communityPairs)
    .set({ pairedBy: '' })
    .where(and(eq(communityPairs.guildId, guildId), eq(communityPairs.pairedBy, memberId)));
}

/** Undo the pair of a Discord guild. False when it was not paired. */
export async function unpairCommunity(db: Database, guildId: string): Promise<boolean> {
  return transaction(db, async (tx) => {
    const pair = await pairOf(tx, guildId);
    if (!pair || pair.guildId !== guildId) return false;
    const { communityPairs } = tx.tables;
    await tx.delete(communityPairs).where(eq(communityPairs.guildId, guildId));
    await bumpCacheIn(tx, 'pairs', pair.guildId);
    await bumpCacheIn(tx, 'pairs', pair.forumGuildId);
    return true;
  });
}

/** "the forum" / "Discord": how a message names a platform. */
export const platformWords = (platform: Platform) => (platform === 'discourse' ? 'the forum' : 'Discord');

// ---------------------------------------------------------------------------------------------
// Where a linked person is active

/**
 * Where to reach each linked person of `pairs` ([id here, id there]): the platform they posted on
 * last, among those they are still a member of ('here' or 'there'); absent when they are a member
 * of neither. Four bulk reads per 500 people, whatever the count.
 */
export async function readActiveSides(
  db: Database,
  here: string,
  there: string,
  pairs: readonly (readonly [string, string])[],
): Promise<Map<string, 'here' | 'there'>> {
  const out = new Map<string, 'here' | 'there'>();
  for (let i = 0; i < pairs.length; i += BATCH) {
    const part = pairs.slice(i, i + BATCH);
    const hereIds = part.map(([h]) => h);
    const thereIds = part.map(([, t]) => t);
    const postedHere = await lastPosts(db, here, hereIds);
    const postedThere = await lastPosts(db, there, thereIds);
    const inHere = await presentMembers(db, here, hereIds);
    const inThere = await presentMembers(db, there, thereIds);
    decideSides(part, postedHere, postedThere, inHere, inThere, out);
  }
  return out;
}

/** The platform each person posted on last among those they are a member of (pure). */
function decideSides(
  part: readonly (readonly [string, string])[],
  postedHere: Map<string, number>,
  postedThere: Map<string, number>,
  inHere: Set<string>,
  inThere: Set<string>,
  out: Map<string, 'here' | 'there'>,
): void {
  for (const [h, t] of part) {
    if (!inHere.has(h) && !inThere.has(t)) continue;
    const thereLast =
      inThere.has(t) &&
      (!inHere.has(h) ||
        (postedThere.get(t) ?? Number.NEGATIVE_INFINITY) > (postedHere.get(h) ?? Number.NEGATIVE_INFINITY));
    out.set(h, thereLast ? 'there' : 'here');
  }
}

/** When each of `ids` last posted in the guild (absent: never, or everything deleted). */
async function lastPosts(db: Database, guildId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const { messages } = db.tables;
  const rows = await db
    .select({ id: messages.authorId, at: sql<number | string | null>`max(${messages.createdAt})` })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), inArray(messages.authorId, [...ids]), isNull(messages.deletedAt)))
    .groupBy(messages.authorId);
  // max() of a bigint is text on PostgreSQL.
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
