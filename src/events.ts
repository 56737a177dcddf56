/**
 * The CommunityEvent union: what every platform adapter produces and ingest stores.
 *
 * Times are epoch milliseconds taken from the platform (message timestamp, snowflake, webhook
 * `created_at`), never the moment we received the event: replays and backfills depend on it.
 * Ids are the platform's own strings, so a duplicate delivery maps onto the same row.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type GuildId = Brand<string, 'GuildId'>;
export type MemberId = Brand<string, 'MemberId'>;
export type ChannelId = Brand<string, 'ChannelId'>;
export type MessageId = Brand<string, 'MessageId'>;
export type RoleId = Brand<string, 'RoleId'>;

export const asGuildId = (id: string) => id as GuildId;
export const asMemberId = (id: string) => id as MemberId;
export const asChannelId = (id: string) => id as ChannelId;
export const asMessageId = (id: string) => id as MessageId;
export const asRoleId = (id: string) => id as RoleId;

export type Platform = 'discord' | 'discourse';

/** Epoch milliseconds. */
export type Millis = number;

export type ChannelKind = 'text' | 'forum' | 'thread' | 'announcement' | 'voice' | 'category' | 'other';

interface EventBase {
  platform: Platform;
  guildId: GuildId;
  /** When it happened on the platform (epoch ms). */
  at: Millis;
}

export interface GuildUpserted extends EventBase {
  kind: 'guild.upserted';
  name: string;
  ownerId?: MemberId;
}

export interface MemberJoined extends EventBase {
  kind: 'member.joined';
  memberId: MemberId;
  username: string;
  displayName: string;
  bot: boolean;
  roles: RoleId[];
  /** Whether the member can manage the guild (Discord: Manage Server; Discourse: staff). */
  moderator?: boolean;
}

export interface MemberLeft extends EventBase {
  kind: 'member.left';
  memberId: MemberId;
}

export interface MemberUpdated extends EventBase {
  kind: 'member.updated';
  memberId: MemberId;
  username: string;
  displayName: string;
  roles: RoleId[];
  moderator?: boolean;
}

export interface ChannelUpserted extends EventBase {
  kind: 'channel.upserted';
  channelId: ChannelId;
  name: string;
  channelKind: ChannelKind;
  parentId: ChannelId | null;
  topic: string | null;
}

export interface ThreadUpserted extends EventBase {
  kind: 'thread.upserted';
  threadId: ChannelId;
  /** The channel (text or forum) the thread lives in. */
  parentId: ChannelId;
  name: string;
  ownerId: MemberId | null;
  /** Forum tag names applied to the thread (e.g. "solved"). */
  tags: string[];
  archived: boolean;
  /** Creation time of the thread (snowflake time), even when this event is an update. */
  createdAt: Millis;
}

export interface MessageCreated extends EventBase {
  kind: 'message.created';
  messageId: MessageId;
  /** The channel the message is in: a thread id when it is posted in a thread. */
  channelId: ChannelId;
  authorId: MemberId;
  /** Display name of the author, so a message from someone we have not seen yet still names them. */
  authorName: string;
  authorIsBot: boolean;
  /** The message it replies to (Discord reply reference; Discourse reply_to_post_number). */
  replyToId: MessageId | null;
  mentionIds: MemberId[];
  /** Raw text. Ingest derives terms from it and stores it only when the guild turned that on. */
  content: string;
  /** True when the platform withheld the content (Discord without the Message Content intent). */
  contentMissing?: boolean;
}

export interface MessageUpdated extends EventBase {
  kind: 'message.updated';
  messageId: MessageId;
  channelId: ChannelId;
  content: string;
}

export interface MessageDeleted extends EventBase {
  kind: 'message.deleted';
  messageId: MessageId;
  channelId: ChannelId;
}

export interface ReactionAdded extends EventBase {
  kind: 'reaction.added';
  messageId: MessageId;
  channelId: ChannelId;
  memberId: MemberId;
  emoji: string;
}

export interface ReactionRemoved extends EventBase {
  kind: 'reaction.removed';
  messageId: MessageId;
  channelId: ChannelId;
  memberId: MemberId;
  emoji: string;
}

/** An answer accepted as the solution (Discourse Solved; Discord: asker's ✅ or /solved). */
export interface AnswerAccepted extends EventBase {
  kind: 'answer.accepted';
  /** The question's thread/topic. */
  threadId: ChannelId;
  /** The accepted answer, when there is one message (Discourse); null for "/solved" on the thread. */
  messageId: MessageId | null;
  byMemberId: MemberId;
  accepted: boolean;
}

export type CommunityEvent =
  | GuildUpserted
  | MemberJoined
  | MemberLeft
  | MemberUpdated
  | ChannelUpserted
  | ThreadUpserted
  | MessageCreated
  | MessageUpdated
  | MessageDeleted
  | ReactionAdded
  | ReactionRemoved
  | AnswerAccepted;

export type CommunityEventKind = CommunityEvent['kind'];

/** Discord snowflakes carry their creation time: the platform's own timestamp for any object. */
const DISCORD_EPOCH = 1420070400000n;
export function snowflakeTime(id: string): Millis {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** The smallest snowflake of a moment: `after` it lists what was posted from then on (Discord's own advice). */
export function snowflakeAt(at: Millis): string {
  const ms = BigInt(Math.floor(at));
  return ((ms > DISCORD_EPOCH ? ms - DISCORD_EPOCH : 0n) << 22n).toString();
}
