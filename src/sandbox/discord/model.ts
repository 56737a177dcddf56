/**
 * The emulator's in-memory world: users, guilds, roles, channels, members, messages, commands.
 * Plain records and a store with lookups; turning them into Discord's JSON is render.ts's job and
 * changing them (with gateway dispatches) is world.ts's job.
 */
import type { PrivilegedIntents } from './intents.js';
import type { Overwrite } from './permissions.js';
import { compareIds, SnowflakeFactory } from './snowflake.js';

export const ChannelType = {
  GuildText: 0,
  DM: 1,
  GuildCategory: 4,
  PublicThread: 11,
  PrivateThread: 12,
  GuildForum: 15,
} as const;

export const MessageFlag = {
  HasThread: 1 << 5,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
} as const;

export interface UserRecord {
  id: string;
  username: string;
  globalName: string | null;
  bot: boolean;
  /** false: Discord refuses DMs from the bot with 50007. */
  dmsOpen: boolean;
}

export interface RoleRecord {
  id: string;
  guildId: string;
  name: string;
  permissions: bigint;
  position: number;
  color: number;
  hoist: boolean;
  mentionable: boolean;
  managed: boolean;
  /** Set for the bot's own managed role. */
  botId?: string;
}

export interface MemberRecord {
  guildId: string;
  userId: string;
  nick: string | null;
  roles: string[];
  joinedAt: number;
}

export interface ForumTag {
  id: string;
  name: string;
  moderated: boolean;
}

export interface ThreadMeta {
  ownerId: string;
  archived: boolean;
  locked: boolean;
  invitable: boolean;
  autoArchiveDuration: number;
  createdAt: number;
  archivedAt: number;
  /** user ids that joined the thread */
  members: Map<string, number>;
  appliedTags: string[];
  messageCount: number;
  totalMessageSent: number;
}

export interface ChannelRecord {
  id: string;
  type: number;
  guildId: string | null;
  name: string;
  topic: string | null;
  parentId: string | null;
  position: number;
  nsfw: boolean;
  rateLimitPerUser: number;
  overwrites: Overwrite[];
  lastMessageId: string | null;
  availableTags: ForumTag[];
  /** DM channels: the user on the other side of the bot. */
  recipientId?: string;
  thread?: ThreadMeta;
}

export interface AttachmentRecord {
  id: string;
  filename: string;
  contentType: string | null;
  size: number;
  description: string | null;
  data: Buffer;
  url: string;
}

export interface ReactionRecord {
  emoji: { id: string | null; name: string };
  userIds: string[];
}

export interface Pinged {
  everyone: boolean;
  users: string[];
  roles: string[];
}

export interface MessageReference {
  messageId: string;
  channelId: string;
  guildId: string | null;
  failIfNotExists: boolean;
}

export interface MessageRecord {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  /** Discord message type: 0 default, 19 reply, 20 chat input command, 21 thread starter. */
  type: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: AttachmentRecord[];
  createdAt: number;
  editedAt: number | null;
  flags: number;
  tts: boolean;
  nonce: string | null;
  reference: MessageReference | null;
  /** Who Discord actually notified (content + allowed_mentions + permissions). */
  pinged: Pinged;
  /** allowed_mentions exactly as the sender gave it (undefined: none given). */
  allowedMentions: unknown;
  reactions: ReactionRecord[];
  pinned: boolean;
  /** Interaction that produced this message (responses and follow-ups). */
  interactionId: string | null;
  webhookId: string | null;
  /** Thread started from this message, if any. */
  threadId: string | null;
  /** Ephemeral interaction responses are kept here but are not part of the channel's history. */
  ephemeral: boolean;
  deleted: boolean;
}

export interface CommandRecord {
  id: string;
  applicationId: string;
  guildId: string | null;
  version: string;
  name: string;
  type: number;
  /** The definition as the bot registered it (options, description, default_member_permissions, …). */
  definition: Record<string, unknown>;
}

/** What a message needs to know about the interaction that produced it (interaction_metadata). */
export interface InteractionMeta {
  id: string;
  type: number;
  userId: string;
  guildId: string | null;
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  createdAt: number;
  roles: Map<string, RoleRecord>;
  members: Map<string, MemberRecord>;
  /** channel ids in creation order (threads included) */
  channelIds: string[];
  systemChannelId: string | null;
}

export interface ApplicationRecord {
  id: string;
  name: string;
  botUserId: string;
  token: string;
  privilegedIntents: PrivilegedIntents;
}

export class DiscordStore {
  readonly ids = new SnowflakeFactory();
  readonly users = new Map<string, UserRecord>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  readonly messages = new Map<string, MessageRecord>();
  /** channel id -> message ids, kept sorted oldest first */
  readonly channelMessages = new Map<string, string[]>();
  /** user id -> DM channel id between that user and the bot */
  readonly dmChannels = new Map<string, string>();
  readonly commands = new Map<string, CommandRecord>();
  readonly attachments = new Map<string, AttachmentRecord>();
  readonly interactionMeta = new Map<string, InteractionMeta>();
  readonly application: ApplicationRecord;

  constructor(application: Omit<ApplicationRecord, 'id' | 'botUserId'>, createdAt = Date.now()) {
    const botUserId = this.ids.at(createdAt);
    this.users.set(botUserId, {
      id: botUserId,
      username: application.name,
      globalName: null,
      bot: true,
      dmsOpen: false,
    });
    // Discord: for apps made since 2020 the application id equals the bot user's id.
    this.application = { ...application, id: botUserId, botUserId };
  }

  get botUser(): UserRecord {
    return this.users.get(this.application.botUserId)!;
  }

  user(id: string): UserRecord | undefined {
    return this.users.get(id);
  }

  guild(id: string): GuildRecord | undefined {
    return this.guilds.get(id);
  }

  channel(id: string): ChannelRecord | undefined {
    return this.channels.get(id);
  }

  member(guildId: string, userId: string): MemberRecord | undefined {
    return this.guilds.get(guildId)?.members.get(userId);
  }

  message(channelId: string, messageId: string): MessageRecord | undefined {
    const message = this.messages.get(messageId);
    return message && message.channelId === channelId && !message.deleted ? message : undefined;
  }

  addMessage(message: MessageRecord): void {
    this.messages.set(message.id, message);
    const list = this.channelMessages.get(message.channelId) ?? [];
    // Test messages may be created "in the past": insert in id order, not arrival order.
    let i = list.length;
    while (i > 0 && compareIds(list[i - 1]!, message.id) > 0) i--;
    list.splice(i, 0, message.id);
    this.channelMessages.set(message.channelId, list);
    const channel = this.channels.get(message.channelId);
    if (
      channel &&
      !message.ephemeral &&
      (!channel.lastMessageId || compareIds(message.id, channel.lastMessageId) > 0)
    ) {
      channel.lastMessageId = message.id;
    }
  }

  /** The visible history of a channel, oldest first. */
  history(channelId: string): MessageRecord[] {
    const ids = this.channelMessages.get(channelId) ?? [];
    const out: MessageRecord[] = [];
    for (const id of ids) {
      const m = this.messages.get(id);
      if (m && !m.deleted && !m.ephemeral) out.push(m);
    }
    return out;
  }

  /** Threads whose parent is `channelId`. */
  threadsOf(channelId: string): ChannelRecord[] {
    return [...this.channels.values()].filter((c) => c.parentId === channelId && c.thread);
  }

  guildChannels(guildId: string): ChannelRecord[] {
    const guild = this.guilds.get(guildId);
    if (!guild) return [];
    return guild.channelIds.map((id) => this.channels.get(id)!).filter(Boolean);
  }

  rolePermissions(guild: GuildRecord): Map<string, bigint> {
    return new Map([...guild.roles.values()].map((r) => [r.id, r.permissions]));
  }
}

export function isThread(channel: ChannelRecord): boolean {
  return channel.type === ChannelType.PublicThread || channel.type === ChannelType.PrivateThread;
}
