/**
 * The mapping's lookups (MappingContext) answered by the store, on both engines, in one batch per
 * delivery or topic read back: a query per kind of question, not one per question.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import type { GuildId, MessageId } from '../../events.js';
import { postMessageId, userMemberId } from './ids.js';
import type { MappingContext } from './mapping.js';
import { inChunks } from './store.js';

/** What a mapping asks the store (see mapWithStore). */
interface Asked {
  usernames: Set<string>;
  /** topic id → post numbers */
  postNumbers: Map<string, Set<number>>;
  /** Topic and category channel ids whose existence or owner is asked. */
  channels: Set<string>;
  topicsWithPosts: Set<string>;
}

/** A context that answers nothing (unknown, no posts) and notes every question. */
function askingContext(guildId: GuildId, botUsername: string, asked: Asked): MappingContext {
  return {
    guildId,
    botUsername,
    memberIdByUsername: (name) => {
      asked.usernames.add(name.toLowerCase());
      return undefined;
    },
    postIdByNumber: (topicId, postNumber) => {
      const numbers = asked.postNumbers.get(topicId) ?? new Set<number>();
      numbers.add(postNumber);
      asked.postNumbers.set(topicId, numbers);
      return undefined;
    },
    topicKnown: (topicId) => {
      asked.channels.add(topicId);
      return false;
    },
    categoryKnown: (channelId) => {
      asked.channels.add(channelId);
      return false;
    },
    topicOwner: (topicId) => {
      asked.channels.add(topicId);
      return undefined;
    },
    postsOfTopic: (topicId) => {
      asked.topicsWithPosts.add(topicId);
      return [];
    },
  };
}

/** The answers to `asked`, read in one query per kind of question (none for a kind not asked). */
async function answeringContext(
  db: Database,
  guildId: GuildId,
  botUsername: string,
  asked: Asked,
): Promise<MappingContext> {
  const { channels, discoursePosts, discourseUsers } = db.tables;
  const topics = [...asked.postNumbers.keys()];
  const numbers = [...new Set([...asked.postNumbers.values()].flatMap((n) => [...n]))];
  const [known, users, numbered, ofTopics] = await Promise.all([
    inChunks([...asked.channels], (chunk) =>
      db
        .select({ channelId: channels.channelId, ownerId: channels.ownerId })
        .from(channels)
        .where(and(eq(channels.guildId, guildId), inArray(channels.channelId, chunk))),
    ),
    inChunks([...asked.usernames], (chunk) =>
      db
        .select({ usernameLower: discourseUsers.usernameLower, userId: discourseUsers.userId })
        .from(discourseUsers)
        .where(and(eq(discourseUsers.guildId, guildId), inArray(discourseUsers.usernameLower, chunk))),
    ),
    // A delivery asks about one topic, a topic read back about its own: the lists stay short.
    topics.length === 0
      ? []
      : db
          .select({
            postId: discoursePosts.postId,
            topicId: discoursePosts.topicId,
            postNumber: discoursePosts.postNumber,
          })
          .from(discoursePosts)
          .where(
            and(
              eq(discoursePosts.guildId, guildId),
              inArray(discoursePosts.topicId, topics),
              inArray(discoursePosts.postNumber, numbers),
            ),
          ),
    inChunks([...asked.topicsWithPosts], (chunk) =>
      db
        .select({ postId: discoursePosts.postId, topicId: discoursePosts.topicId })
        .from(discoursePosts)
        .where(and(eq(discoursePosts.guildId, guildId), inArray(discoursePosts.topicId, chunk)))
        .orderBy(asc(discoursePosts.postNumber)),
    ),
  ]);
  const channelOwners = new Map(known.map((c) => [c.channelId, c.ownerId]));
  const byUsername = new Map(users.map((u) => [u.usernameLower, userMemberId(u.userId)]));
  const byNumber = new Map(numbered.map((p) => [`${p.topicId}#${p.postNumber}`, postMessageId(p.postId)]));
  const postsOf = new Map<string, MessageId[]>();
  for (const p of ofTopics) postsOf.set(p.topicId, [...(postsOf.get(p.topicId) ?? []), postMessageId(p.postId)]);
  return {
    guildId,
    botUsername,
    memberIdByUsername: (name) => byUsername.get(name.toLowerCase()),
    postIdByNumber: (topicId, postNumber) => byNumber.get(`${topicId}#${postNumber}`),
    topicKnown: (topicId) => channelOwners.has(topicId),
    categoryKnown: (channelId) => channelOwners.has(channelId),
    topicOwner: (topicId) => {
      const owner = channelOwners.get(topicId);
      return owner ? userMemberId(owner) : undefined;
    },
    postsOfTopic: (topicId) => postsOf.get(topicId) ?? [],
  };
}

/**
 * Run a pure mapping (mapWebhook, topicEvents…) with what the store knows. The questions a mapping
 * asks depend on its payload only, never on an earlier answer (mapping.ts, MappingContext): a first
 * pass notes them, they are read in one batch (a query per kind of question), and the second pass
 * maps with the answers. A mapping that throws (a malformed payload) throws before any read.
 */
export async function mapWithStore<T>(
  db: Database,
  guildId: GuildId,
  botUsername: string,
  map: (context: MappingContext) => T,
): Promise<T> {
  const asked: Asked = {
    usernames: new Set(),
    postNumbers: new Map(),
    channels: new Set(),
    topicsWithPosts: new Set(),
  };
  const unanswered = map(askingContext(guildId, botUsername, asked));
  const nothingAsked =
    asked.usernames.size + asked.postNumbers.size + asked.channels.size + asked.topicsWithPosts.size === 0;
  return nothingAsked ? unanswered : map(await answeringContext(db, guildId, botUsername, asked));
}
