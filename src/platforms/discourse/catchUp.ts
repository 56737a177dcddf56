/**
 * Start-up catch-up on a forum: what the webhook receiver missed while it was down — new posts (in
 * new or old topics), edits and deletions — read back from the API, from what we already hold.
 *
 * The forum's sync cursor (schema/sync.ts, scope "topics") says up to when everything is stored. On
 * start, every topic bumped since a day before it (Discourse's /latest, newest activity first) and
 * every topic we hold a post of from then is read again with all its posts (backfill.ts's
 * topicEvents), oldest activity first, and compared with the store: posts we lack are stored, posts
 * edited since (a newer version) are re-derived, posts the forum no longer shows are deleted. The
 * cursor advances after each topic (a crash resumes there) and, while webhooks arrive and the
 * database keeps up, every minute. A forum never imported is left to `npm run backfill:discourse`.
 */
import { type Deps, databaseOf } from '../../commands.js';
import type { CommunityEvent, GuildId } from '../../events.js';
import { advanceCursors, readCursor } from '../../ingest/cursors.js';
import { type IngestGap, type Ingestor, StorageUnavailableError } from '../../ingest/ingestor.js';
import { defaultSleep, topicEvents, withRetries } from './backfill.js';
import { type DiscourseClient, DiscourseRequestError, type Post } from './client.js';
import { isoToMs, platform, postMessageId, topicChannelId } from './ids.js';
import { postFacts } from './mapping.js';
import { mapWithStore } from './mappingStore.js';
import { heldPosts, newestPostAt, topicsWithPostsSince, writeIndex } from './store.js';

const SCOPE = 'topics';
/** Edits and deletions are re-checked for this long before where the receiver stopped. */
const RECHECK_MS = 86_400_000;
const CHECKPOINT_EVERY_MS = 60_000;
/** Discourse sends webhooks from a job queue: a minute behind is still "in flight". */
const CHECKPOINT_LAG_MS = 60_000;

export interface CatchUpResult {
  topics: number;
  created: number;
  edited: number;
  deleted: number;
}

export interface CatchUpOptions {
  deps: Deps;
  client: DiscourseClient;
  ingestor: Ingestor;
  guildId: GuildId;
  botUsername: string;
  horizonMs: number;
  /** Webhooks are configured: the live stream may move the cursor forward. */
  live: boolean;
  /**
   * When the forum was connected (a forum connected by command): with no cursor and nothing held yet,
   * what was posted since then is read, so a restart before the first catch-up or delivery loses nothing.
   */
  connectedAt?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  attempts?: number;
}

export interface DiscourseCatchUp {
  /** Catch up now; null when there was nothing to catch up from (a forum never imported). */
  run(): Promise<CatchUpResult | null>;
  /** The database accepts writes again: catch up if events were let go or a run could not finish. */
  recovered(gaps: readonly IngestGap[]): void;
  stop(): Promise<void>;
}

/** A post as the forum shows it now, and as we hold it. */
export interface ForumPost {
  id: string;
  updatedAt: number | null;
  version: number;
}
export interface HeldPost {
  postId: string;
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
}

/** Which held posts were edited (a later version) or deleted (no longer shown) while we were away. */
export function postChanges(
  posts: readonly ForumPost[],
  held: readonly HeldPost[],
): { edited: string[]; removed: string[] } {
  const shown = new Map(posts.map((p) => [p.id, p]));
  const edited: string[] = [];
  const removed: string[] = [];
  for (const ours of held) {
    if (ours.deleted) continue;
    const post = shown.get(ours.postId);
    if (!post) removed.push(ours.postId);
    else if (post.version > 1 && post.updatedAt !== null && post.updatedAt > (ours.editedAt ?? ours.createdAt)) {
      edited.push(ours.postId);
    }
  }
  return { edited, removed };
}

export function createDiscourseCatchUp(options: CatchUpOptions): DiscourseCatchUp {
  const { deps, client, ingestor, guildId } = options;
  const now = options.now ?? Date.now;
  const log = deps.log.child({ platform, module: 'discourse-catch-up' });
  const retrying = <T>(what: () => Promise<T>) =>
    withRetries(what, options.attempts ?? 6, options.sleep ?? defaultSleep);
  let running: Promise<CatchUpResult | null> | null = null;
  let again = false;
  let unfinished = false;
  /** Caught up in this process, and the stream has had no hole since: checkpoints may move the cursor. */
  let whole = false;
  let stopping = false;
  const timer = options.live ? setInterval(() => void checkpoint(), CHECKPOINT_EVERY_MS) : null;
  timer?.unref();

  function run(): Promise<CatchUpResult | null> {
    if (running) {
      again = true;
      return running;
    }
    running = catchUp()
      .catch((error: unknown) => {
        unfinished = true;
        log.error({ err: error }, 'discourse: catch-up failed; it runs again at the next start');
        return null;
      })
      .finally(() => {
        running = null;
        if (again && !stopping) {
          again = false;
          void run();
        }
      });
    return running;
  }

  async function catchUp(): Promise<CatchUpResult | null> {
    const startedAt = now();
    unfinished = false;
    const held =
      (await readCursor(databaseOf(deps), guildId, SCOPE)) ?? (await newestPostAt(databaseOf(deps), guildId));
    const synced = held ?? options.connectedAt;
    if (synced === undefined) {
      // Nothing held: history is imported on purpose (npm run backfill:discourse), not at every start.
      await advanceCursors(databaseOf(deps), guildId, [[SCOPE, startedAt]], now());
      whole = true;
      return null;
    }
    // Edits are re-checked a day back; from the connection there is nothing held to re-check.
    const since = Math.max(startedAt - options.horizonMs, held === undefined ? synced : synced - RECHECK_MS);
    const topics = await topicsToRead(since);
    const result: CatchUpResult = { topics: 0, created: 0, edited: 0, deleted: 0 };
    for (const { id, bumpedAt } of topics) {
      if (stopping) {
        unfinished = true;
        return result;
      }
      const counts = await readTopic(id);
      if (!counts) {
        unfinished = true;
        return result;
      }
      result.topics++;
      result.created += counts.created;
      result.edited += counts.edited;
      result.deleted += counts.deleted;
      await advanceCursors(databaseOf(deps), guildId, [[SCOPE, Math.min(bumpedAt, startedAt)]], now());
    }
    await advanceCursors(databaseOf(deps), guildId, [[SCOPE, startedAt]], now());
    whole = true;
    log.info({ ...result, since: new Date(since).toISOString() }, 'discourse: caught up');
    return result;
  }

  /** Topics bumped since `since`, and topics we hold recent posts of, oldest activity first. */
  async function topicsToRead(since: number): Promise<{ id: number; bumpedAt: number }[]> {
    const found = new Map<number, number>();
    for (const topicId of await topicsWithPostsSince(databaseOf(deps), guildId, since)) {
      if (/^\d+$/.test(topicId)) found.set(Number(topicId), since);
    }
    for (let page = 0; ; page++) {
      const latest = await retrying(() => client.latestTopics({ page }));
      let recent = 0;
      for (const topic of latest.topics) {
        const bumpedAt = isoToMs(topic.bumped_at ?? topic.last_posted_at ?? topic.created_at) ?? 0;
        if (bumpedAt < since || topic.archetype === 'private_message') continue;
        recent++;
        found.set(topic.id, Math.max(found.get(topic.id) ?? 0, bumpedAt));
      }
      // Newest activity first (pinned topics aside): a page with nothing recent ends the list.
      if (recent === 0 || !latest.moreTopicsUrl || latest.topics.length === 0) break;
    }
    return [...found].map(([id, bumpedAt]) => ({ id, bumpedAt })).sort((a, b) => a.bumpedAt - b.bumpedAt);
  }

  /** One topic read again and reconciled; null when it could not be stored (retried later). */
  async function readTopic(id: number): Promise<{ created: number; edited: number; deleted: number } | null> {
    const topicId = String(id);
    const held = await heldPosts(databaseOf(deps), guildId, topicId);
    let posts: Post[] = [];
    const events: CommunityEvent[] = [];
    try {
      const read = await retrying(() => client.topicWithAllPosts(id));
      posts = read.posts.filter((p) => !p.deleted_at);
      const { events: topicEvts, index } = await mapWithStore(
        databaseOf(deps),
        guildId,
        options.botUsername,
        (context) => topicEvents(read.topic, posts, context),
      );
      await writeIndex(databaseOf(deps), guildId, index, now());
      events.push(...topicEvts);
    } catch (error) {
      // 404: the topic was deleted (or hidden) while we were away; its posts go as deleted ones.
      if (!(error instanceof DiscourseRequestError && error.status === 404)) throw error;
    }
    const heldIds = new Set(held.map((p) => p.postId));
    const created = events.filter((e) => e.kind === 'message.created' && !heldIds.has(e.messageId)).length;
    const { edited, removed } = postChanges(
      posts.map((p) => ({ id: String(p.id), updatedAt: isoToMs(p.updated_at), version: p.version ?? 1 })),
      held,
    );
    const byId = new Map(posts.map((p) => [String(p.id), p]));
    for (const postId of edited) {
      const post = byId.get(postId)!;
      events.push({
        kind: 'message.updated',
        platform,
        guildId,
        at: isoToMs(post.updated_at)!,
        messageId: postMessageId(postId),
        channelId: topicChannelId(id),
        content: postFacts({ ...post, topic_archetype: 'regular' }, options.botUsername).raw,
      });
    }
    const deletedAt = now();
    for (const postId of removed) {
      events.push({
        kind: 'message.deleted',
        platform,
        guildId,
        at: deletedAt,
        messageId: postMessageId(postId),
        channelId: topicChannelId(id),
      });
    }
    try {
      await ingestor.pushMany(events);
    } catch (error) {
      if (error instanceof StorageUnavailableError) return null;
      throw error;
    }
    return { created, edited: edited.length, deleted: removed.length };
  }

  async function checkpoint(): Promise<void> {
    if (!whole || stopping || running || !ingestor.settled) return;
    try {
      await advanceCursors(databaseOf(deps), guildId, [[SCOPE, now() - CHECKPOINT_LAG_MS]], now());
    } catch (error) {
      // A failing database is the ingestor's to report; the cursor simply stays where it was.
      log.debug({ err: error }, 'discourse: checkpoint failed');
    }
  }

  return {
    run,
    recovered(gaps) {
      const lost = gaps.some((g) => g.platform === platform && g.guildId === guildId);
      if (lost) whole = false;
      if (lost || unfinished) void run();
    },
    async stop() {
      await checkpoint();
      stopping = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
