/**
 * A community's words (text/topicWords.ts CommunityWords) read from its stored terms, for the
 * features that show a topic word outside a profile build (the "why" of a question nudge). Read
 * over a recent window and cached per guild for a few hours: which words are topics moves slowly.
 * Cached state only: rebuilt from the database at will, and dropped after a member erases their data.
 */
import { and, desc, eq, gte } from 'drizzle-orm';
import { checkCaches, onCacheChange } from '../../db/cacheGenerations.js';
import type { Db } from '../../db/connection.js';
import { channels, members, messages } from '../../db/schema.js';
import { splitTerms } from '../../text/tokenize.js';
import { CommunityWordCounter, type CommunityWords, nameWords } from '../../text/topicWords.js';

const DAY_MS = 86_400_000;
/** The window read, and at most this many of its most recent messages (shares are what matter). */
const WINDOW_MS = 180 * DAY_MS;
const MAX_MESSAGES = 200_000;
const TTL_MS = 6 * 3_600_000;

const caches = new WeakMap<Db, Map<string, { at: number; words: CommunityWords }>>();

function cacheOf(db: Db): Map<string, { at: number; words: CommunityWords }> {
  let c = caches.get(db);
  if (!c) {
    const made = new Map<string, { at: number; words: CommunityWords }>();
    // A member erased their data (in any process: db/cacheGenerations.ts): their words leave at once.
    onCacheChange(db, 'erased', (guildId) => made.delete(guildId));
    caches.set(db, made);
    c = made;
  }
  checkCaches(db);
  return c;
}

export function communityWords(db: Db, guildId: string, now: number): CommunityWords {
  const cache = cacheOf(db);
  const hit = cache.get(guildId);
  if (hit && Math.abs(now - hit.at) < TTL_MS) return hit.words;
  const threads = new Set(
    db
      .select({ id: channels.channelId })
      .from(channels)
      .where(and(eq(channels.guildId, guildId), eq(channels.kind, 'thread')))
      .all()
      .map((r) => r.id),
  );
  const bots = new Set<string>();
  const names: string[] = [];
  for (const m of db
    .select({ id: members.memberId, username: members.username, displayName: members.displayName, bot: members.bot })
    .from(members)
    .where(eq(members.guildId, guildId))
    .all()) {
    names.push(m.username, m.displayName);
    if (m.bot) bots.add(m.id);
  }
  const counter = new CommunityWordCounter();
  const rows = db
    .select({
      authorId: messages.authorId,
      channelId: messages.channelId,
      createdAt: messages.createdAt,
      terms: messages.terms,
    })
    .from(messages)
    .where(and(eq(messages.guildId, guildId), gte(messages.createdAt, now - WINDOW_MS)))
    .orderBy(desc(messages.createdAt))
    .limit(MAX_MESSAGES)
    .all();
  for (const m of rows) {
    if (bots.has(m.authorId) || m.createdAt >= now || !m.terms) continue;
    const conversation = threads.has(m.channelId) ? m.channelId : `${m.channelId}@${Math.floor(m.createdAt / DAY_MS)}`;
    counter.add(m.authorId, conversation, splitTerms(m.terms));
  }
  const words = counter.finish(nameWords(names));
  if (cache.size > 1_000) cache.clear();
  cache.set(guildId, { at: now, words });
  return words;
}
