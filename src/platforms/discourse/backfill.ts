/**
 * Import a forum's history through the API so routing and intros work from day one:
 * categories → users (oldest first) → topics (oldest first, each with all its posts).
 *
 * Resumable: the cursor (users page, topics page, last topic fully imported) is saved after every
 * page of users and every topic, so an interrupted run continues where it stopped. Idempotent: events
 * go through Ingestor.pushMany, which is keyed by the forum's own ids, so a topic imported twice
 * changes nothing. Topics are read in creation order (`order=created&ascending=true`): pages stay
 * stable while the forum is live (new topics land at the end), unlike the default activity order.
 * A finished backfill run again picks up only what is new since.
 */
import type { Database } from '../../db/database.js';
import type { CommunityEvent, GuildId } from '../../events.js';
import type { Ingestor } from '../../ingest/ingestor.js';
import { RetryableSendError } from '../../outbox/platformSender.js';
import type { DiscourseClient, Post, TopicListItem, TopicView } from './client.js';
import { categoryChannelId, isoToMs, platform, postMessageId, topicChannelId, userMemberId } from './ids.js';
import { type IndexFacts, type MappingContext, type PostPayload, postEvents } from './mapping.js';
import { mapWithStore } from './mappingStore.js';
import { type BackfillCursor, initialCursor, readCursor, saveCursor, writeIndex } from './store.js';

export interface BackfillProgress {
  phase: 'categories' | 'users' | 'topics' | 'done';
  usersDone: number;
  topicsDone: number;
  /** Regular topics the forum reports (sum of category topic counts); null before it is known. */
  topicsTotal: number | null;
  postsDone: number;
}

export interface BackfillOptions {
  db: Database;
  client: DiscourseClient;
  ingestor: Ingestor;
  guildId: GuildId;
  botUsername: string;
  /** Forget the saved cursor and import everything again (still idempotent). */
  restart?: boolean;
  /** Stop after the current topic, leaving the cursor to resume from. */
  signal?: AbortSignal;
  onProgress?: (progress: BackfillProgress) => void;
  /** Transient failures (429, 5xx, network) are retried this many times per request. */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Topics per page of /latest.json (Discourse allows 1-100). */
  perPage?: number;
}

export class BackfillInterrupted extends Error {
  constructor(readonly cursor: BackfillCursor) {
    super('backfill interrupted; run it again to resume');
    this.name = 'BackfillInterrupted';
  }
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Run a forum request, waiting out transient failures (429 with its wait, 5xx, network) up to `attempts` times. */
export async function withRetries<T>(
  what: () => Promise<T>,
  attempts: number,
  sleep: (ms: number) => Promise<void> = defaultSleep,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await what();
    } catch (error) {
      if (!(error instanceof RetryableSendError) || attempt >= attempts) throw error;
      await sleep(error.retryAfterMs ?? Math.min(60_000, 1_000 * 2 ** (attempt - 1)));
    }
  }
}

export async function backfillDiscourse(options: BackfillOptions): Promise<BackfillCursor> {
  const { db, client, ingestor, guildId } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const attempts = options.attempts ?? 6;
  const saved = options.restart ? null : await readCursor(db, guildId);
  // A finished run starts over from its last page: only topics and users newer than it are added.
  const cursor: BackfillCursor = saved
    ? { ...saved.cursor, phase: saved.cursor.phase === 'done' ? 'users' : saved.cursor.phase }
    : initialCursor();
  const retrying = <T>(what: () => Promise<T>) => withRetries(what, attempts, sleep);
  const progress = (topicsTotal: number | null) =>
    options.onProgress?.({
      phase: cursor.phase,
      usersDone: cursor.usersDone,
      topicsDone: cursor.topicsDone,
      topicsTotal,
      postsDone: cursor.postsDone,
    });
  const checkAbort = () => {
    if (options.signal?.aborted) throw new BackfillInterrupted({ ...cursor });
  };

  // Categories: always read (one request), they also tell how many topics to expect.
  const categories = await retrying(() => client.categories());
  const topicsTotal = categories.filter((c) => !c.parent_category_id).reduce((n, c) => n + (c.topic_count ?? 0), 0);
  await ingestor.pushMany(
    categories.map((c) => ({
      kind: 'channel.upserted',
      platform,
      guildId,
      at: now(),
      channelId: categoryChannelId(c.id),
      name: c.name,
      channelKind: 'forum',
      parentId: c.parent_category_id ? categoryChannelId(c.parent_category_id) : null,
      topic: c.description_text ?? null,
    })),
  );
  progress(topicsTotal);

  if (cursor.phase === 'categories' || cursor.phase === 'users') {
    cursor.phase = 'users';
    for (let page = Math.max(1, cursor.usersPage); ; page++) {
      checkAbort();
      const users = await retrying(() => client.usersPage(page));
      if (users.length === 0) break;
      await writeIndex(
        db,
        guildId,
        { posts: [], users: users.map((u) => ({ userId: String(u.id), username: u.username })) },
        now(),
      );
      const fresh = await ingestor.pushMany(
        users.map((u) => ({
          kind: 'member.joined',
          platform,
          guildId,
          at: isoToMs(u.created_at) ?? now(),
          memberId: userMemberId(u.id),
          username: u.username,
          displayName: u.name?.trim() || u.username,
          bot: u.id <= 0 || u.username.toLowerCase() === options.botUsername.toLowerCase(),
          roles: [],
          moderator: Boolean(u.admin || u.moderator),
        })),
      );
      // A full page is done for good; a partial last page is read again next time (new users land there).
      cursor.usersPage = users.length >= 100 ? page + 1 : page;
      cursor.usersDone += fresh;
      await saveCursor(db, guildId, cursor, now());
      progress(topicsTotal);
      if (users.length < 100) break;
    }
    cursor.phase = 'topics';
    await saveCursor(db, guildId, cursor, now());
  }

  for (let page = cursor.topicsPage; ; page++) {
    checkAbort();
    const latest = await retrying(() =>
      client.latestTopics({ order: 'created', ascending: true, page, perPage: options.perPage ?? 50 }),
    );
    for (const item of latest.topics) {
      if (!isAfterCursor(item, cursor.lastTopic) || item.archetype === 'private_message') continue;
      checkAbort();
      const { topic, posts } = await retrying(() => client.topicWithAllPosts(item.id));
      const { events, index } = await mapWithStore(db, guildId, options.botUsername, (context) =>
        topicEvents(topic, posts, context),
      );
      await writeIndex(db, guildId, index, now());
      await ingestor.pushMany(events);
      cursor.lastTopic = { createdAt: isoToMs(item.created_at) ?? 0, id: item.id };
      cursor.topicsPage = page;
      cursor.topicsDone += 1;
      cursor.postsDone += posts.length;
      await saveCursor(db, guildId, cursor, now());
      progress(topicsTotal);
    }
    if (!latest.moreTopicsUrl || latest.topics.length === 0) break;
    cursor.topicsPage = page + 1;
    await saveCursor(db, guildId, cursor, now());
  }
  cursor.phase = 'done';
  await saveCursor(db, guildId, cursor, now());
  progress(topicsTotal);
  return cursor;
}

/** Topics are read oldest first; everything up to the last one imported is skipped on resume. */
function isAfterCursor(item: TopicListItem, last: BackfillCursor['lastTopic']): boolean {
  if (!last) return true;
  const created = isoToMs(item.created_at) ?? 0;
  return created > last.createdAt || (created === last.createdAt && item.id > last.id);
}

/** One topic and its posts as events, resolving reply numbers inside the topic. */
export function topicEvents(
  topic: TopicView,
  posts: readonly Post[],
  context: MappingContext,
): { events: CommunityEvent[]; index: IndexFacts } {
  const guildId = context.guildId;
  const topicId = String(topic.id);
  const createdAt = isoToMs(topic.created_at) ?? 0;
  const lastAt = Math.max(createdAt, ...posts.map((p) => isoToMs(p.created_at) ?? 0));
  const byNumber = new Map(posts.map((p) => [p.post_number, postMessageId(p.id)]));
  const local: MappingContext = {
    ...context,
    topicKnown: () => true,
    categoryKnown: () => true,
    postIdByNumber: (t, n) => (t === topicId ? byNumber.get(n) : undefined) ?? context.postIdByNumber(t, n),
  };
  const ownerId = topic.user_id ?? topic.details?.created_by?.id ?? posts[0]?.user_id;
  const events: CommunityEvent[] = [
    {
      kind: 'thread.upserted',
      platform,
      guildId,
      at: lastAt,
      threadId: topicChannelId(topic.id),
      parentId: categoryChannelId(topic.category_id ?? 'none'),
      name: topic.title,
      ownerId: ownerId === undefined ? null : userMemberId(ownerId),
      tags: (topic.tags ?? []).map((t) => (typeof t === 'string' ? t : t.name)),
      archived: Boolean(topic.archived || topic.closed),
      createdAt,
    },
  ];
  const index: IndexFacts = { posts: [], users: [] };
  for (const post of posts) {
    index.posts.push({ postId: String(post.id), topicId, postNumber: post.post_number, userId: String(post.user_id) });
    index.users.push({ userId: String(post.user_id), username: post.username });
    // Small actions ("closed this topic") and whispers are not conversation.
    if (post.post_type !== undefined && post.post_type !== 1 && post.post_type !== 2) continue;
    const payload: PostPayload = {
      ...post,
      topic_title: topic.title,
      category_id: topic.category_id ?? null,
      topic_archetype: topic.archetype ?? 'regular',
    };
    events.push(...postEvents(payload, local));
  }
  const acceptedNumber = topic.accepted_answer?.post_number ?? posts.find((p) => p.accepted_answer)?.post_number;
  const accepted = acceptedNumber === undefined ? undefined : posts.find((p) => p.post_number === acceptedNumber);
  if (accepted) {
    events.push({
      kind: 'answer.accepted',
      platform,
      guildId,
      at: isoToMs(accepted.updated_at ?? accepted.created_at) ?? lastAt,
      threadId: topicChannelId(topic.id),
      messageId: postMessageId(accepted.id),
      byMemberId: ownerId === undefined ? userMemberId(accepted.user_id) : userMemberId(ownerId),
      accepted: true,
    });
  }
  return { events, index };
}
