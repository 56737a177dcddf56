/**
 * Discourse webhook payloads → CommunityEvents (pure). What the database knows (which topics exist,
 * which post a reply number names, who a @username is) comes in through `MappingContext`, so the
 * rules are tested on the real payload files with plain maps.
 *
 * Every delivery also gets a de-duplication key made of the event name and the object's own id and
 * version (post id + version + updated_at, topic id + last activity + a digest of what we keep…):
 * Discourse gives a redelivery a new X-Discourse-Event-Id, so the delivery id cannot be the key.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  asMemberId,
  asRoleId,
  type ChannelId,
  type CommunityEvent,
  type GuildId,
  type MemberId,
  type MessageId,
  type RoleId,
} from '../../events.js';
import { categoryChannelId, isoToMs, platform, postMessageId, topicChannelId, userMemberId } from './ids.js';

// ---------------------------------------------------------------------------------------------
// Payload shapes: only the fields Convene reads; everything else passes through untouched.

const timestamp = z.string().refine((v) => isoToMs(v) !== null, 'expected an ISO-8601 timestamp');
const optionalTimestamp = timestamp.nullish();

export const postPayload = z.looseObject({
  id: z.number().int(),
  user_id: z.number().int(),
  username: z.string(),
  name: z.string().nullish(),
  created_at: timestamp,
  updated_at: optionalTimestamp,
  deleted_at: optionalTimestamp,
  post_number: z.number().int(),
  post_type: z.number().int().optional(),
  version: z.number().int().optional(),
  topic_id: z.number().int(),
  topic_title: z.string().nullish(),
  topic_archetype: z.string().optional(),
  category_id: z.number().int().nullish(),
  category_slug: z.string().nullish(),
  reply_to_post_number: z.number().int().nullish(),
  raw: z.string().nullish(),
  cooked: z.string().nullish(),
  admin: z.boolean().optional(),
  moderator: z.boolean().optional(),
  staff: z.boolean().optional(),
});
export type PostPayload = z.infer<typeof postPayload>;

const tag = z.union([z.string(), z.looseObject({ name: z.string() })]);

export const topicPayload = z.looseObject({
  id: z.number().int(),
  title: z.string(),
  category_id: z.number().int().nullish(),
  user_id: z.number().int().nullish(),
  created_by: z.looseObject({ id: z.number().int(), username: z.string() }).nullish(),
  created_at: timestamp,
  updated_at: optionalTimestamp,
  bumped_at: optionalTimestamp,
  last_posted_at: optionalTimestamp,
  deleted_at: optionalTimestamp,
  archetype: z.string().optional(),
  tags: z.array(tag).nullish(),
  closed: z.boolean().optional(),
  archived: z.boolean().optional(),
  visible: z.boolean().optional(),
});
export type TopicPayload = z.infer<typeof topicPayload>;

export const userPayload = z.looseObject({
  id: z.number().int(),
  username: z.string(),
  name: z.string().nullish(),
  created_at: timestamp,
  admin: z.boolean().optional(),
  moderator: z.boolean().optional(),
  staged: z.boolean().optional(),
  groups: z.array(z.looseObject({ id: z.number().int() })).optional(),
});
export type UserPayload = z.infer<typeof userPayload>;

export const categoryPayload = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  slug: z.string().optional(),
  parent_category_id: z.number().int().nullish(),
  description_text: z.string().nullish(),
  created_at: optionalTimestamp,
  updated_at: optionalTimestamp,
});
export type CategoryPayload = z.infer<typeof categoryPayload>;

// ---------------------------------------------------------------------------------------------
// What the mapping needs to know and what it returns

/**
 * What the store knows, asked synchronously by the pure mapping. Which questions a mapping asks
 * depends on its payload only, never on an earlier answer: the store notes them in a first pass and
 * answers them all in one batch (store.ts, mapWithStore). Keep it so when adding a question.
 */
export interface MappingContext {
  guildId: GuildId;
  /** The bot's own username: its posts are stored as a bot's and never read as commands. */
  botUsername: string;
  memberIdByUsername(usernameLower: string): MemberId | undefined;
  postIdByNumber(topicId: string, postNumber: number): MessageId | undefined;
  topicKnown(topicId: string): boolean;
  categoryKnown(categoryChannelId: string): boolean;
  topicOwner(topicId: string): MemberId | undefined;
  postsOfTopic(topicId: string): MessageId[];
}

/** A post as the command reader sees it (PMs to the bot and mentions of it are commands). */
export interface PostFacts {
  postId: string;
  topicId: string;
  postNumber: number;
  userId: string;
  username: string;
  displayName: string;
  moderator: boolean;
  raw: string;
  privateMessage: boolean;
  byBot: boolean;
}

/** Rows the adapter keeps beside the events: post numbers and usernames. */
export interface IndexFacts {
  posts: { postId: string; topicId: string; postNumber: number; userId: string }[];
  users: { userId: string; username: string }[];
}

export type WebhookOutcome =
  | { kind: 'ping' }
  | { kind: 'ignored'; reason: string }
  | {
      kind: 'apply';
      key: string;
      /** Keys this delivery makes stale (an unaccept after an accept: a later re-accept is new). */
      supersedes: string[];
      events: CommunityEvent[];
      index: IndexFacts;
      /** Set for post_created: the command reader looks at it. */
      createdPost?: PostFacts;
    };

export class MalformedPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedPayloadError';
  }
}

// ---------------------------------------------------------------------------------------------

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MalformedPayloadError(`${what}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** The object inside `{ "<event type>": {...} }`; Discourse sends exactly one key. */
function payloadObject(body: unknown, type: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MalformedPayloadError('body: expected a JSON object');
  }
  const record = body as Record<string, unknown>;
  if (type in record) return record[type];
  const keys = Object.keys(record);
  if (keys.length === 1) return record[keys[0]!];
  throw new MalformedPayloadError(`body: expected {"${type}": …}`);
}

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

const ms = (value: string | null | undefined, fallback: number): number => isoToMs(value) ?? fallback;

/**
 * Map one delivery. `type` is X-Discourse-Event-Type, `event` X-Discourse-Event. Handled: ping,
 * topic_created/edited/revised/destroyed, post_created/edited/destroyed, user_created,
 * accepted_solution/unaccepted_solution, category_created/updated; anything else is acknowledged
 * and ignored.
 */
export function mapWebhook(event: string, type: string, body: unknown, ctx: MappingContext): WebhookOutcome {
  switch (event) {
    case 'ping':
      return { kind: 'ping' };
    case 'topic_created':
    case 'topic_edited':
    // topic_revised: the first post's revision changed the topic (title, category, tags).
    case 'topic_revised':
      return mapTopic(event, parse(topicPayload, payloadObject(body, type || 'topic'), 'topic'), ctx);
    case 'topic_destroyed':
      return mapTopicDestroyed(parse(topicPayload, payloadObject(body, type || 'topic'), 'topic'), ctx);
    case 'post_created':
      return mapPostCreated(parse(postPayload, payloadObject(body, type || 'post'), 'post'), ctx);
    case 'post_edited':
      return mapPostEdited(parse(postPayload, payloadObject(body, type || 'post'), 'post'), ctx);
    case 'post_destroyed':
      return mapPostDestroyed(parse(postPayload, payloadObject(body, type || 'post'), 'post'), ctx);
    case 'user_created':
      return mapUserCreated(parse(userPayload, payloadObject(body, type || 'user'), 'user'), ctx);
    case 'accepted_solution':
    case 'unaccepted_solution':
      return mapSolved(event, parse(postPayload, payloadObject(body, type || 'solved'), 'solved'), ctx);
    case 'category_created':
    case 'category_updated':
      return mapCategory(event, parse(categoryPayload, payloadObject(body, type || 'category'), 'category'), ctx);
    default:
      return { kind: 'ignored', reason: `event ${event || '(none)'} is not used by Convene` };
  }
}

const isPrivate = (archetype: string | undefined) => archetype === 'private_message';

/** Regular posts only: small actions ("closed this topic") and staff-only whispers are not conversation. */
const REGULAR = 1;
const MODERATOR_ACTION = 2;
const isConversation = (postType: number | undefined) =>
  postType === undefined || postType === REGULAR || postType === MODERATOR_ACTION;

function topicTags(topic: TopicPayload): string[] {
  return (topic.tags ?? []).map((t) => (typeof t === 'string' ? t : t.name));
}

function topicOwnerOf(topic: TopicPayload): MemberId | null {
  const id = topic.user_id ?? topic.created_by?.id;
  return id === undefined || id === null ? null : userMemberId(id);
}

function mapTopic(event: string, topic: TopicPayload, ctx: MappingContext): WebhookOutcome {
  if (isPrivate(topic.archetype)) return { kind: 'ignored', reason: 'private messages are not community topics' };
  const createdAt = ms(topic.created_at, 0);
  const at = ms(topic.updated_at ?? topic.bumped_at ?? topic.last_posted_at, createdAt);
  const events: CommunityEvent[] = [];
  const parentId = categoryChannelId(topic.category_id ?? 'none');
  if (topic.category_id !== null && topic.category_id !== undefined && !ctx.categoryKnown(parentId)) {
    events.push(categoryStub(ctx.guildId, topic.category_id, null, createdAt));
  }
  const tags = topicTags(topic);
  const archived = Boolean(topic.archived || topic.closed || topic.deleted_at);
  events.push({
    kind: 'thread.upserted',
    platform,
    guildId: ctx.guildId,
    at,
    threadId: topicChannelId(topic.id),
    parentId,
    name: topic.title,
    ownerId: topicOwnerOf(topic),
    tags,
    archived,
    createdAt,
  });
  const owner = topic.created_by;
  const version = topic.updated_at ?? topic.bumped_at ?? topic.last_posted_at ?? topic.created_at;
  const kept = digest([topic.title, topic.category_id ?? null, tags, archived, topic.visible ?? true]);
  return {
    kind: 'apply',
    key: `${event}:topic:${topic.id}:${version}:${kept}`,
    supersedes: [],
    events,
    index: { posts: [], users: owner ? [{ userId: String(owner.id), username: owner.username }] : [] },
  };
}

function mapTopicDestroyed(topic: TopicPayload, ctx: MappingContext): WebhookOutcome {
  if (isPrivate(topic.archetype)) return { kind: 'ignored', reason: 'private messages are not community topics' };
  const topicId = String(topic.id);
  const at = ms(topic.deleted_at ?? topic.updated_at ?? topic.last_posted_at, ms(topic.created_at, 0));
  const channelId = topicChannelId(topic.id);
  const events: CommunityEvent[] = ctx
    .postsOfTopic(topicId)
    .map((messageId) => ({ kind: 'message.deleted', platform, guildId: ctx.guildId, at, messageId, channelId }));
  events.push({
    kind: 'thread.upserted',
    platform,
    guildId: ctx.guildId,
    at,
    threadId: channelId,
    parentId: categoryChannelId(topic.category_id ?? 'none'),
    name: topic.title,
    ownerId: topicOwnerOf(topic),
    tags: topicTags(topic),
    archived: true,
    createdAt: ms(topic.created_at, at),
  });
  return {
    kind: 'apply',
    key: `topic_destroyed:topic:${topic.id}:${topic.deleted_at ?? topic.created_at}`,
    supersedes: [],
    events,
    index: { posts: [], users: [] },
  };
}

function categoryStub(guildId: GuildId, id: number, slug: string | null, at: number): CommunityEvent {
  return {
    kind: 'channel.upserted',
    platform,
    guildId,
    at,
    channelId: categoryChannelId(id),
    name: slug ?? `category ${id}`,
    channelKind: 'forum',
    parentId: null,
    topic: null,
  };
}

function mapCategory(event: string, category: CategoryPayload, ctx: MappingContext): WebhookOutcome {
  const at = ms(category.updated_at ?? category.created_at, 0);
  const parentId = category.parent_category_id ? categoryChannelId(category.parent_category_id) : null;
  const description = category.description_text ?? null;
  return {
    kind: 'apply',
    key: `${event}:category:${category.id}:${digest([category.name, parentId, description])}`,
    supersedes: [],
    events: [
      {
        kind: 'channel.upserted',
        platform,
        guildId: ctx.guildId,
        at,
        channelId: categoryChannelId(category.id),
        name: category.name,
        channelKind: 'forum',
        parentId,
        topic: description,
      },
    ],
    index: { posts: [], users: [] },
  };
}

export function postFacts(post: PostPayload, botUsername: string): PostFacts {
  return {
    postId: String(post.id),
    topicId: String(post.topic_id),
    postNumber: post.post_number,
    userId: String(post.user_id),
    username: post.username,
    displayName: post.name?.trim() || post.username,
    moderator: Boolean(post.staff || post.moderator || post.admin),
    raw: post.raw ?? textOfCooked(post.cooked ?? ''),
    privateMessage: isPrivate(post.topic_archetype),
    byBot: post.username.toLowerCase() === botUsername.toLowerCase(),
  };
}

const postIndex = (post: PostPayload): IndexFacts => ({
  posts: [
    {
      postId: String(post.id),
      topicId: String(post.topic_id),
      postNumber: post.post_number,
      userId: String(post.user_id),
    },
  ],
  users: [{ userId: String(post.user_id), username: post.username }],
});

/** System users (system = -1, discobot = -2) and the bot itself are bots. */
const isBotAuthor = (post: PostPayload, botUsername: string) =>
  post.user_id <= 0 || post.username.toLowerCase() === botUsername.toLowerCase();

function mapPostCreated(post: PostPayload, ctx: MappingContext): WebhookOutcome {
  const key = `post_created:post:${post.id}:${post.version ?? 1}:${post.updated_at ?? post.created_at}`;
  const facts = postFacts(post, ctx.botUsername);
  // A PM is read by the command reader only: it is never stored as a community message.
  if (facts.privateMessage) {
    return { kind: 'apply', key, supersedes: [], events: [], index: postIndex(post), createdPost: facts };
  }
  if (!isConversation(post.post_type))
    return { kind: 'ignored', reason: 'not a regular post (small action or whisper)' };
  return {
    kind: 'apply',
    key,
    supersedes: [],
    events: postEvents(post, ctx),
    index: postIndex(post),
    createdPost: facts,
  };
}

/** The events one regular post implies: its category and topic when we have not seen them, then the message. */
export function postEvents(post: PostPayload, ctx: MappingContext): CommunityEvent[] {
  const at = ms(post.created_at, 0);
  const topicId = String(post.topic_id);
  const events: CommunityEvent[] = [];
  const parentId = categoryChannelId(post.category_id ?? 'none');
  if (post.category_id !== null && post.category_id !== undefined && !ctx.categoryKnown(parentId)) {
    events.push(categoryStub(ctx.guildId, post.category_id, post.category_slug ?? null, at));
  }
  if (!ctx.topicKnown(topicId)) {
    events.push({
      kind: 'thread.upserted',
      platform,
      guildId: ctx.guildId,
      at,
      threadId: topicChannelId(post.topic_id),
      parentId,
      name: post.topic_title ?? `topic ${post.topic_id}`,
      ownerId: post.post_number === 1 ? userMemberId(post.user_id) : null,
      tags: [],
      archived: false,
      createdAt: at,
    });
  }
  const replyToId =
    post.reply_to_post_number && post.reply_to_post_number !== post.post_number
      ? (ctx.postIdByNumber(topicId, post.reply_to_post_number) ?? null)
      : null;
  const mentionIds = mentionedUsernames(post.cooked ?? null, post.raw ?? null)
    .map((name) => ctx.memberIdByUsername(name))
    .filter((id): id is MemberId => id !== undefined && id !== userMemberId(post.user_id));
  events.push({
    kind: 'message.created',
    platform,
    guildId: ctx.guildId,
    at,
    messageId: postMessageId(post.id),
    channelId: topicChannelId(post.topic_id),
    authorId: userMemberId(post.user_id),
    authorName: post.username,
    authorIsBot: isBotAuthor(post, ctx.botUsername),
    replyToId,
    mentionIds: [...new Set(mentionIds)],
    content: post.raw ?? textOfCooked(post.cooked ?? ''),
  });
  return events;
}

function mapPostEdited(post: PostPayload, ctx: MappingContext): WebhookOutcome {
  if (isPrivate(post.topic_archetype)) return { kind: 'ignored', reason: 'private messages are not community posts' };
  if (!isConversation(post.post_type))
    return { kind: 'ignored', reason: 'not a regular post (small action or whisper)' };
  const updatedAt = post.updated_at ?? post.created_at;
  return {
    kind: 'apply',
    key: `post_edited:post:${post.id}:${post.version ?? 1}:${updatedAt}`,
    supersedes: [],
    events: [
      {
        kind: 'message.updated',
        platform,
        guildId: ctx.guildId,
        at: ms(updatedAt, ms(post.created_at, 0)),
        messageId: postMessageId(post.id),
        channelId: topicChannelId(post.topic_id),
        content: post.raw ?? textOfCooked(post.cooked ?? ''),
      },
    ],
    index: postIndex(post),
  };
}

function mapPostDestroyed(post: PostPayload, ctx: MappingContext): WebhookOutcome {
  if (isPrivate(post.topic_archetype)) return { kind: 'ignored', reason: 'private messages are not community posts' };
  const deletedAt = post.deleted_at ?? post.updated_at ?? post.created_at;
  return {
    kind: 'apply',
    key: `post_destroyed:post:${post.id}:${deletedAt}`,
    supersedes: [],
    events: [
      {
        kind: 'message.deleted',
        platform,
        guildId: ctx.guildId,
        at: ms(deletedAt, ms(post.created_at, 0)),
        messageId: postMessageId(post.id),
        channelId: topicChannelId(post.topic_id),
      },
    ],
    index: { posts: [], users: [] },
  };
}

function mapUserCreated(user: UserPayload, ctx: MappingContext): WebhookOutcome {
  const roles: RoleId[] = (user.groups ?? []).map((g) => asRoleId(String(g.id)));
  return {
    kind: 'apply',
    key: `user_created:user:${user.id}:${user.created_at}`,
    supersedes: [],
    events: [
      {
        kind: 'member.joined',
        platform,
        guildId: ctx.guildId,
        at: ms(user.created_at, 0),
        memberId: userMemberId(user.id),
        username: user.username,
        displayName: user.name?.trim() || user.username,
        bot: user.id <= 0 || user.username.toLowerCase() === ctx.botUsername.toLowerCase(),
        roles,
        moderator: Boolean(user.admin || user.moderator),
      },
    ],
    index: { posts: [], users: [{ userId: String(user.id), username: user.username }] },
  };
}

/**
 * Solved: the payload is the answer post. It says nothing about who accepted it or when, and its
 * `accepted_answer` flag is stale (serialized inside accept_answer!), so the event name is the truth.
 * Who accepted: the topic's owner when we know it (the usual case), else the answer's author.
 * When: the post's updated_at, the closest platform time the payload carries.
 */
function mapSolved(event: string, post: PostPayload, ctx: MappingContext): WebhookOutcome {
  const accepted = event === 'accepted_solution';
  const topicId = String(post.topic_id);
  const state = accepted ? 'accepted' : 'unaccepted';
  const other = accepted ? 'unaccepted' : 'accepted';
  return {
    kind: 'apply',
    // The version of an acceptance is its state: a redelivery repeats it, an unaccept then a
    // re-accept flips it (each delivery removes the opposite key).
    key: `solved:post:${post.id}:${state}`,
    supersedes: [`solved:post:${post.id}:${other}`],
    events: [
      {
        kind: 'answer.accepted',
        platform,
        guildId: ctx.guildId,
        at: ms(post.updated_at ?? post.created_at, 0),
        threadId: topicChannelId(post.topic_id) as ChannelId,
        messageId: postMessageId(post.id),
        byMemberId: ctx.topicOwner(topicId) ?? asMemberId(String(post.user_id)),
        accepted,
      },
    ],
    index: postIndex(post),
  };
}

// ---------------------------------------------------------------------------------------------
// Text helpers (pure)

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** Plain text of Discourse's cooked HTML (used when a forwarder stripped `raw`). */
export function textOfCooked(cooked: string): string {
  return cooked
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|li|h\d|blockquote|pre)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (whole, name: string) => {
      if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      if (name.startsWith('#') && name !== '#39') return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const COOKED_MENTION = /<a class="mention" href="[^"]*\/u\/([^"/?#]+)"/g;
/** Discourse's username characters: letters, digits, _ . - (unicode letters when enabled). */
const RAW_MENTION = /(^|[^\p{L}\p{N}_@/`.-])@([\p{L}\p{N}_][\p{L}\p{N}_.-]*[\p{L}\p{N}_]|[\p{L}\p{N}_])/gu;

/** Markdown minus the places where "@name" does not notify: code blocks, inline code, quotes. */
export function stripNonMentioningMarkdown(raw: string): string {
  return raw
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/~~~[\s\S]*?~~~/g, ' ')
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/\[quote[^\]]*\][\s\S]*?\[\/quote\]/gi, ' ')
    .replace(/^ {4}.*$/gm, ' ')
    .replace(/^>.*$/gm, ' ');
}

/**
 * Lower-cased usernames a post mentions. Cooked HTML is the truth (Discourse only links real users);
 * raw markdown is the fallback when a forwarder stripped cooked.
 */
export function mentionedUsernames(cooked: string | null, raw: string | null): string[] {
  const names = new Set<string>();
  if (cooked) {
    for (const match of cooked.matchAll(COOKED_MENTION)) names.add(decodeURIComponent(match[1]!).toLowerCase());
    return [...names];
  }
  if (raw) {
    for (const match of stripNonMentioningMarkdown(raw).matchAll(RAW_MENTION)) names.add(match[2]!.toLowerCase());
  }
  return [...names];
}
