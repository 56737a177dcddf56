/**
 * A community's words (text/topicWords.ts CommunityWords) read from its stored terms, for the
 * features that show a topic word outside a profile build (the "why" of a question nudge). Read
 * over a recent window and cached per guild for a few hours: which words are topics moves slowly.
 * Cached state only: rebuilt from the database at will, and dropped after a member erases their data.
 * Engine-neutral (src/db/database.ts).
 */
import { and, desc, eq, gte } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { opsOf } from '../../db/handle.js';
import { splitTerms } from '../../text/tokenize.js';
import { CommunityWordCounter, type CommunityWords, nameWords } from '../../text/topicWords.js';

const DAY_MS = 86_400_000;
/** The window read, and at most this many of its most recent messages (shares are what matter). */
const WINDOW_MS = 180 * DAY_MS;
const MAX_MESSAGES = 200_000;
const TTL_MS = 6 * 3_600_000;

/** A community's words, cached per connection (SQLite) or pool (PostgreSQL) and guild. */
export async function readCommunityWords(db: Database, guildId: string, now: number): Promise<CommunityWords> {
  // An erasure bumps ('erased', guild) in its transaction (in any process): an entry built at another
  // generation is stale. One indexed read per call, on both engines, instead of a watch per process.
  const { cacheGenerations, channels, members, messages } = db.tables;
  const [mark] = await db
    .select({ generation: cacheGenerations.generation })
    .from(cacheGenerations)
    .where(and(eq(cacheGenerations.scope, 'erased'), eq(cacheGenerations.guildId, guildId)))
    .limit(1);
  const generation = Number(mark?.generation ?? 0);
  const cache = neutralCacheOf(db);
  const hit = cache.get(guildId);
  if (hit && hit.generation === generation && Math.abs(now - hit.at) < TTL_MS) return hit.words;
  const threads = await db
    .select({ id: channels.channelId })
    .from(channels)
    .where(and(eq(channels.guildId, guildId), eq(channels.kind, 'thread')));
  const people = await db
    .select({ id: members.memberId, username: members.username, displayName: members.displayName, bot: members.bot })
    .from(members)
    .where(eq(members.guildId, guildId));
  const rows = await db
    .select({
      authorId: messages.authorId,
      channelId: messages.channelId,
      createdAt: messages.createdAt,
      terms: messages.terms,
    })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), gte(messages.createdAt, now - WINDOW_MS)))
    .orderBy(desc(messages.createdAt))
    .limit(MAX_MESSAGES);
  const words = countWords(threads, people, rows, now);
  if (cache.size > 1_000) cache.clear();
  cache.set(guildId, { at: now, words, generation });
  return words;
}

/** Entries of readCommunityWords, per connection (SQLite) or pool (PostgreSQL). */
const neutralCaches = new WeakMap<object, Map<string, { at: number; words: CommunityWords; generation: number }>>();

function neutralCacheOf(db: Database) {
  const root = opsOf(db).root;
  let c = neutralCaches.get(root);
  if (!c) {
    c = new Map();
    neutralCaches.set(root, c);
  }
  return c;
}

/** The community's words from its threads, members and recent messages (pure). */
function countWords(
  threadRows: readonly { id: string }[],
  people: readonly { id: string; username: string; displayName: string; bot: boolean }[],
  rows: readonly { authorId: string; channelId: string; createdAt: number; terms: string }[],
  now: number,
): CommunityWords {
  const threads = new Set(threadRows.map((r) => r.id));
  const bots = new Set<string>();
  const names: string[] = [];
  for (const m of people) {
    names.push(m.username, m.displayName);
    if (m.bot) bots.add(m.id);
  }
  const counter = new CommunityWordCounter();
  for (const m of rows) {
    if (bots.has(m.authorId) || m.createdAt >= now || !m.terms) continue;
    const conversation = threads.has(m.channelId) ? m.channelId : `${m.channelId}@${Math.floor(m.createdAt / DAY_MS)}`;
    counter.add(m.authorId, conversation, splitTerms(m.terms));
  }
  return counter.finish(nameWords(names));
}
