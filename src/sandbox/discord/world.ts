/**
 * Changes to the emulated Discord, each with the gateway dispatch Discord would send for it. Both the
 * REST routes (what the bot does) and the test API (what members do) go through here, so a message
 * the bot posts and a message a member posts reach the gateway the same way.
 */
import { guildPermissions, permissionsIn } from './access.js';
import type { Gateway, SessionView } from './gateway.js';
import { Intent } from './intents.js';
import { resolvePings } from './mentions.js';
import {
  type AttachmentRecord,
  type ChannelRecord,
  ChannelType,
  type DiscordStore,
  type ForumTag,
  type GuildRecord,
  isThread,
  type MemberRecord,
  MessageFlag,
  type MessageRecord,
  type MessageReference,
  type RoleRecord,
  type UserRecord,
} from './model.js';
import { DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, type Overwrite, Permission } from './permissions.js';
import {
  canView,
  renderChannel,
  renderMember,
  renderMessage,
  renderRole,
  renderThreadMember,
  renderUser,
} from './render.js';

export interface NewMessage {
  channelId: string;
  authorId: string;
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  attachments?: AttachmentRecord[];
  at?: number;
  /** Force this id (thread starter messages share the thread's id). */
  id?: string;
  reference?: MessageReference | null;
  allowedMentions?: unknown;
  nonce?: string | null;
  flags?: number;
  tts?: boolean;
  type?: number;
  interactionId?: string | null;
  webhookId?: string | null;
  ephemeral?: boolean;
}

export interface MessagePatch {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  attachments?: AttachmentRecord[];
  flags?: number;
  allowedMentions?: unknown;
}

export interface NewThread {
  parentId: string;
  ownerId: string;
  name: string;
  type: number;
  at?: number;
  /** Thread from a message: the thread gets the message's id. */
  fromMessageId?: string;
  /** Forum posts: the starter message is created with the thread's id. */
  id?: string;
  autoArchiveDuration?: number;
  invitable?: boolean;
  appliedTags?: string[];
}

export interface ChannelSpec {
  name: string;
  type: 'text' | 'forum' | 'category';
  topic?: string;
  /** Forum tags by name. */
  tags?: string[];
  /** Name of a category created before this channel. */
  parent?: string;
  /** Hidden from @everyone; visible to the listed roles (by name) and the bot. */
  private?: boolean;
  visibleTo?: string[];
  /** With `private`: do not let the bot's role see it either. */
  hiddenFromBot?: boolean;
}

export interface RoleSpec {
  name: string;
  permissions?: bigint;
  mentionable?: boolean;
  color?: number;
  hoist?: boolean;
}

export interface NewGuild {
  name: string;
  ownerId?: string;
  at?: number;
  channels?: ChannelSpec[];
  roles?: RoleSpec[];
  /** Add the bot as a member (default true). */
  withBot?: boolean;
  botPermissions?: bigint;
  /** Add a "Moderator" role with MANAGE_GUILD (default true). */
  moderatorRole?: boolean;
}

export interface GuildHandle {
  id: string;
  name: string;
  ownerId: string;
  everyoneRoleId: string;
  /** The "Moderator" role (MANAGE_GUILD), if created. */
  moderatorRoleId: string | null;
  botRoleId: string | null;
  /** role name -> id */
  roles: Record<string, string>;
  /** channel name -> id */
  channels: Record<string, string>;
}

const CHANNEL_TYPES = {
  text: ChannelType.GuildText,
  forum: ChannelType.GuildForum,
  category: ChannelType.GuildCategory,
};

export class World {
  constructor(
    readonly store: DiscordStore,
    private readonly gateway: Gateway,
    private readonly baseUrl: () => string,
  ) {}

  get botId(): string {
    return this.store.application.botUserId;
  }

  // ------------------------------------------------------------------------------------------- users

  createUser(input: {
    username: string;
    globalName?: string;
    bot?: boolean;
    dmsOpen?: boolean;
    at?: number;
  }): UserRecord {
    const user: UserRecord = {
      id: this.store.ids.at(input.at ?? Date.now()),
      username: input.username,
      globalName: input.globalName ?? null,
      bot: input.bot ?? false,
      dmsOpen: input.dmsOpen ?? true,
    };
    this.store.users.set(user.id, user);
    return user;
  }

  // ------------------------------------------------------------------------------------------ guilds

  createGuild(input: NewGuild): GuildHandle {
    const at = input.at ?? Date.now();
    const id = this.store.ids.at(at);
    const ownerId = input.ownerId ?? this.createUser({ username: `${input.name} owner`, at }).id;
    const guild: GuildRecord = {
      id,
      name: input.name,
      ownerId,
      createdAt: at,
      roles: new Map(),
      members: new Map(),
      channelIds: [],
      systemChannelId: null,
    };
    this.store.guilds.set(id, guild);
    const role = (spec: Omit<RoleRecord, 'id' | 'guildId' | 'position'>, roleId = this.store.ids.at(at)) => {
      const record: RoleRecord = { id: roleId, guildId: id, position: guild.roles.size, ...spec };
      guild.roles.set(record.id, record);
      return record;
    };
    const plain = { color: 0, hoist: false, mentionable: false, managed: false };
    role({ ...plain, name: '@everyone', permissions: DEFAULT_EVERYONE_PERMISSIONS }, id);
    const roles: Record<string, string> = { '@everyone': id };
    let moderatorRoleId: string | null = null;
    if (input.moderatorRole ?? true) {
      moderatorRoleId = role({
        ...plain,
        name: 'Moderator',
        permissions:
          Permission.ManageGuild | Permission.ManageMessages | Permission.ManageThreads | Permission.KickMembers,
      }).id;
      roles.Moderator = moderatorRoleId;
    }
    for (const spec of input.roles ?? []) {
      roles[spec.name] = role({
        name: spec.name,
        permissions: spec.permissions ?? 0n,
        color: spec.color ?? 0,
        hoist: spec.hoist ?? false,
        mentionable: spec.mentionable ?? false,
        managed: false,
      }).id;
    }
    let botRoleId: string | null = null;
    const withBot = input.withBot ?? true;
    if (withBot) {
      // The bot's managed role sits on top so it can manage every role created above (Discord's hierarchy).
      botRoleId = role({
        ...plain,
        name: this.store.botUser.username,
        permissions: input.botPermissions ?? DEFAULT_BOT_PERMISSIONS,
        managed: true,
        botId: this.botId,
      }).id;
      roles[this.store.botUser.username] = botRoleId;
    }
    const channels: Record<string, string> = {};
    for (const [position, spec] of (input.channels ?? []).entries()) {
      const overwrites: Overwrite[] = [];
      if (spec.private) {
        overwrites.push({ id, type: 0, allow: 0n, deny: Permission.ViewChannel });
        for (const name of spec.visibleTo ?? []) {
          const roleId = roles[name];
          if (roleId) overwrites.push({ id: roleId, type: 0, allow: Permission.ViewChannel, deny: 0n });
        }
        if (botRoleId && !spec.hiddenFromBot)
          overwrites.push({ id: botRoleId, type: 0, allow: Permission.ViewChannel, deny: 0n });
      }
      const channel = this.newChannel({
        guildId: id,
        name: spec.name,
        type: CHANNEL_TYPES[spec.type],
        topic: spec.topic ?? null,
        parentId: spec.parent ? (channels[spec.parent] ?? null) : null,
        position,
        overwrites,
        availableTags: (spec.tags ?? []).map((name) => ({ id: this.store.ids.at(at), name, moderated: false })),
        at,
      });
      channels[spec.name] = channel.id;
      if (!guild.systemChannelId && channel.type === ChannelType.GuildText) guild.systemChannelId = channel.id;
    }
    guild.members.set(ownerId, { guildId: id, userId: ownerId, nick: null, roles: [], joinedAt: at });
    if (withBot) {
      guild.members.set(this.botId, { guildId: id, userId: this.botId, nick: null, roles: [botRoleId!], joinedAt: at });
      // A guild the bot joins while connected arrives as GUILD_CREATE, as on Discord.
      this.gateway.dispatch({
        t: 'GUILD_CREATE',
        guildId: id,
        intents: Intent.Guilds,
        data: (session) => this.gateway.guildCreate(session, id),
      });
    }
    return { id, name: input.name, ownerId, everyoneRoleId: id, moderatorRoleId, botRoleId, roles, channels };
  }

  private newChannel(input: {
    guildId: string | null;
    name: string;
    type: number;
    topic?: string | null;
    parentId?: string | null;
    position?: number;
    overwrites?: Overwrite[];
    availableTags?: ForumTag[];
    at: number;
    id?: string;
    recipientId?: string;
  }): ChannelRecord {
    const channel: ChannelRecord = {
      id: input.id ?? this.store.ids.at(input.at),
      type: input.type,
      guildId: input.guildId,
      name: input.name,
      topic: input.topic ?? null,
      parentId: input.parentId ?? null,
      position: input.position ?? 0,
      nsfw: false,
      rateLimitPerUser: 0,
      overwrites: input.overwrites ?? [],
      lastMessageId: null,
      availableTags: input.availableTags ?? [],
      ...(input.recipientId ? { recipientId: input.recipientId } : {}),
    };
    this.store.channels.set(channel.id, channel);
    if (channel.guildId) this.store.guild(channel.guildId)!.channelIds.push(channel.id);
    return channel;
  }

  createChannel(guildId: string, spec: ChannelSpec & { at?: number }): ChannelRecord {
    const guild = this.requireGuild(guildId);
    const at = spec.at ?? Date.now();
    const parentId = spec.parent
      ? (this.store.guildChannels(guildId).find((c) => c.name === spec.parent && c.type === ChannelType.GuildCategory)
          ?.id ?? null)
      : null;
    const channel = this.newChannel({
      guildId,
      name: spec.name,
      type: CHANNEL_TYPES[spec.type],
      topic: spec.topic ?? null,
      parentId,
      position: guild.channelIds.length,
      availableTags: (spec.tags ?? []).map((name) => ({ id: this.store.ids.at(at), name, moderated: false })),
      at,
    });
    this.gateway.dispatch({
      t: 'CHANNEL_CREATE',
      guildId,
      intents: Intent.Guilds,
      data: () => (canView(this.store, channel, this.botId) ? renderChannel(this.store, channel) : undefined),
    });
    return channel;
  }

  updateChannel(channel: ChannelRecord, patch: { name?: string; topic?: string | null }): void {
    if (patch.name !== undefined) channel.name = patch.name;
    if (patch.topic !== undefined) channel.topic = patch.topic;
    this.gateway.dispatch({
      t: 'CHANNEL_UPDATE',
      guildId: channel.guildId,
      intents: Intent.Guilds,
      data: () => (canView(this.store, channel, this.botId) ? renderChannel(this.store, channel) : undefined),
    });
  }

  requireGuild(guildId: string): GuildRecord {
    const guild = this.store.guild(guildId);
    if (!guild) throw new Error(`sandbox: no guild ${guildId}`);
    return guild;
  }

  // ----------------------------------------------------------------------------------------- members

  addMember(
    guildId: string,
    userId: string,
    opts: { at?: number; roles?: string[]; nick?: string } = {},
  ): MemberRecord {
    const guild = this.requireGuild(guildId);
    if (!this.store.user(userId)) throw new Error(`sandbox: no user ${userId}`);
    const member: MemberRecord = {
      guildId,
      userId,
      nick: opts.nick ?? null,
      roles: [...(opts.roles ?? [])],
      joinedAt: opts.at ?? Date.now(),
    };
    guild.members.set(userId, member);
    this.gateway.dispatch({
      t: 'GUILD_MEMBER_ADD',
      guildId,
      intents: Intent.GuildMembers,
      data: () => ({ ...renderMember(this.store, member), guild_id: guildId }),
    });
    return member;
  }

  removeMember(guildId: string, userId: string): void {
    const guild = this.requireGuild(guildId);
    if (!guild.members.delete(userId)) return;
    const user = this.store.user(userId)!;
    this.gateway.dispatch({
      t: 'GUILD_MEMBER_REMOVE',
      guildId,
      intents: Intent.GuildMembers,
      data: () => ({ guild_id: guildId, user: renderUser(user) }),
    });
  }

  updateMember(guildId: string, userId: string, patch: { nick?: string | null; roles?: string[] }): MemberRecord {
    const member = this.store.member(guildId, userId);
    if (!member) throw new Error(`sandbox: ${userId} is not a member of ${guildId}`);
    if (patch.nick !== undefined) member.nick = patch.nick;
    if (patch.roles) member.roles = [...new Set(patch.roles)];
    this.gateway.dispatch({
      t: 'GUILD_MEMBER_UPDATE',
      guildId,
      intents: Intent.GuildMembers,
      data: () => ({ ...renderMember(this.store, member), guild_id: guildId }),
    });
    return member;
  }

  // ---------------------------------------------------------------------------------------- messages

  /** Whether the gateway/REST show this message's content to the bot (Discord's MESSAGE_CONTENT rule). */
  contentVisibleToBot(message: MessageRecord, hasMessageContent: boolean): boolean {
    return (
      hasMessageContent ||
      message.authorId === this.botId ||
      message.guildId === null ||
      message.pinged.users.includes(this.botId)
    );
  }

  postMessage(input: NewMessage): MessageRecord {
    const channel = this.store.channel(input.channelId);
    if (!channel) throw new Error(`sandbox: no channel ${input.channelId}`);
    const at = input.at ?? Date.now();
    const content = input.content ?? '';
    const replied = input.reference ? this.store.messages.get(input.reference.messageId) : undefined;
    const message: MessageRecord = {
      id: input.id ?? this.store.ids.at(at),
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: input.authorId,
      type: input.type ?? (input.reference ? 19 : 0),
      content,
      embeds: input.embeds ?? [],
      components: input.components ?? [],
      attachments: input.attachments ?? [],
      createdAt: at,
      editedAt: null,
      flags: input.flags ?? 0,
      tts: input.tts ?? false,
      nonce: input.nonce ?? null,
      reference: input.reference ?? null,
      pinged: this.pings(channel, input.authorId, content, input.allowedMentions, replied),
      allowedMentions: input.allowedMentions,
      reactions: [],
      pinned: false,
      interactionId: input.interactionId ?? null,
      webhookId: input.webhookId ?? null,
      threadId: null,
      ephemeral: input.ephemeral ?? false,
      deleted: false,
    };
    this.store.addMessage(message);
    if (message.ephemeral) return message;
    if (channel.thread) {
      channel.thread.messageCount++;
      channel.thread.totalMessageSent++;
    }
    this.dispatchMessage('MESSAGE_CREATE', message);
    return message;
  }

  private pings(
    channel: ChannelRecord,
    authorId: string,
    content: string,
    allowedMentions: unknown,
    replied: MessageRecord | undefined,
  ) {
    const guild = channel.guildId ? this.store.guild(channel.guildId) : undefined;
    const canMentionEveryone = guild
      ? (permissionsIn(this.store, channel, authorId) & Permission.MentionEveryone) !== 0n
      : false;
    return resolvePings({
      content,
      allowedMentions,
      canMentionEveryone,
      isKnownUser: (id) => this.store.users.has(id),
      ...(guild
        ? {
            isGuildRole: (id: string) => guild.roles.has(id) && id !== guild.id,
            isMentionableRole: (id: string) => guild.roles.get(id)?.mentionable ?? false,
          }
        : {}),
      ...(replied && replied.authorId !== authorId ? { repliedUserId: replied.authorId } : {}),
    });
  }

  private dispatchMessage(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', message: MessageRecord): void {
    const channel = this.store.channel(message.channelId)!;
    const inGuild = message.guildId !== null;
    this.gateway.dispatch({
      t,
      guildId: message.guildId,
      intents: inGuild ? Intent.GuildMessages : Intent.DirectMessages,
      data: (session: SessionView) => {
        if (inGuild && !canView(this.store, channel, this.botId)) return undefined;
        const visible = this.contentVisibleToBot(message, (session.intents & Intent.MessageContent) !== 0);
        return {
          ...renderMessage(this.store, message, { contentVisible: visible, withMember: true, withReferenced: true }),
          ...(inGuild ? {} : { channel_type: channel.type }),
        };
      },
    });
  }

  editMessage(message: MessageRecord, patch: MessagePatch, at = Date.now()): MessageRecord {
    if (patch.content !== undefined) message.content = patch.content;
    if (patch.embeds !== undefined) message.embeds = patch.embeds;
    if (patch.components !== undefined) message.components = patch.components;
    if (patch.attachments !== undefined) message.attachments = patch.attachments;
    if (patch.flags !== undefined) message.flags = patch.flags;
    if (patch.allowedMentions !== undefined) message.allowedMentions = patch.allowedMentions;
    if (patch.content !== undefined || patch.allowedMentions !== undefined) {
      const channel = this.store.channel(message.channelId)!;
      const replied = message.reference ? this.store.messages.get(message.reference.messageId) : undefined;
      message.pinged = this.pings(channel, message.authorId, message.content, message.allowedMentions, replied);
    }
    message.editedAt = at;
    if (!message.ephemeral) this.dispatchMessage('MESSAGE_UPDATE', message);
    return message;
  }

  deleteMessage(message: MessageRecord): void {
    message.deleted = true;
    if (message.ephemeral) return;
    const channel = this.store.channel(message.channelId)!;
    const inGuild = message.guildId !== null;
    this.gateway.dispatch({
      t: 'MESSAGE_DELETE',
      guildId: message.guildId,
      intents: inGuild ? Intent.GuildMessages : Intent.DirectMessages,
      data: () =>
        inGuild && !canView(this.store, channel, this.botId)
          ? undefined
          : { id: message.id, channel_id: message.channelId, ...(inGuild ? { guild_id: message.guildId } : {}) },
    });
  }

  // --------------------------------------------------------------------------------------- reactions

  react(message: MessageRecord, userId: string, emoji: { id: string | null; name: string }, add: boolean): boolean {
    let reaction = message.reactions.find((r) => r.emoji.name === emoji.name && r.emoji.id === emoji.id);
    if (add) {
      if (reaction?.userIds.includes(userId)) return false;
      if (!reaction) {
        reaction = { emoji, userIds: [] };
        message.reactions.push(reaction);
      }
      reaction.userIds.push(userId);
    } else {
      if (!reaction?.userIds.includes(userId)) return false;
      reaction.userIds = reaction.userIds.filter((id) => id !== userId);
      if (reaction.userIds.length === 0) message.reactions.splice(message.reactions.indexOf(reaction), 1);
    }
    const inGuild = message.guildId !== null;
    const member = inGuild ? this.store.member(message.guildId!, userId) : undefined;
    this.gateway.dispatch({
      t: add ? 'MESSAGE_REACTION_ADD' : 'MESSAGE_REACTION_REMOVE',
      guildId: message.guildId,
      intents: inGuild ? Intent.GuildMessageReactions : Intent.DirectMessageReactions,
      data: () => ({
        user_id: userId,
        channel_id: message.channelId,
        message_id: message.id,
        ...(inGuild ? { guild_id: message.guildId } : {}),
        ...(add && member ? { member: renderMember(this.store, member), message_author_id: message.authorId } : {}),
        emoji,
        burst: false,
        type: 0,
        ...(add ? { burst_colors: [] } : {}),
      }),
    });
    return true;
  }

  // ----------------------------------------------------------------------------------------- threads

  createThread(input: NewThread): ChannelRecord {
    const parent = this.store.channel(input.parentId);
    if (!parent?.guildId) throw new Error(`sandbox: no guild channel ${input.parentId}`);
    const at = input.at ?? Date.now();
    const thread = this.newChannel({
      id: input.fromMessageId ?? input.id ?? this.store.ids.at(at),
      guildId: parent.guildId,
      name: input.name,
      type: input.type,
      parentId: parent.id,
      at,
    });
    thread.thread = {
      ownerId: input.ownerId,
      archived: false,
      locked: false,
      invitable: input.invitable ?? true,
      autoArchiveDuration: input.autoArchiveDuration ?? 4320,
      createdAt: at,
      archivedAt: at,
      members: new Map([[input.ownerId, at]]),
      appliedTags: [...(input.appliedTags ?? [])],
      messageCount: 0,
      totalMessageSent: 0,
    };
    if (input.fromMessageId) {
      const starter = this.store.messages.get(input.fromMessageId);
      if (starter) {
        starter.threadId = thread.id;
        starter.flags |= MessageFlag.HasThread;
      }
    }
    this.dispatchThread('THREAD_CREATE', thread, { newly_created: true });
    return thread;
  }

  private dispatchThread(t: 'THREAD_CREATE' | 'THREAD_UPDATE', thread: ChannelRecord, extra: object = {}): void {
    this.gateway.dispatch({
      t,
      guildId: thread.guildId,
      intents: Intent.Guilds,
      data: () =>
        canView(this.store, thread, this.botId) ? { ...renderChannel(this.store, thread), ...extra } : undefined,
    });
  }

  updateThread(
    thread: ChannelRecord,
    patch: { name?: string; archived?: boolean; locked?: boolean; appliedTags?: string[] },
  ): void {
    const meta = thread.thread!;
    if (patch.name !== undefined) thread.name = patch.name;
    if (patch.archived !== undefined && patch.archived !== meta.archived) {
      meta.archived = patch.archived;
      meta.archivedAt = Date.now();
    }
    if (patch.locked !== undefined) meta.locked = patch.locked;
    if (patch.appliedTags !== undefined) meta.appliedTags = [...patch.appliedTags];
    this.dispatchThread('THREAD_UPDATE', thread);
  }

  addThreadMember(thread: ChannelRecord, userId: string, at = Date.now()): boolean {
    const meta = thread.thread!;
    if (meta.members.has(userId)) return false;
    const botCouldSee = canView(this.store, thread, this.botId);
    meta.members.set(userId, at);
    const member = this.store.member(thread.guildId!, userId);
    // Discord: being added to a private thread is announced to the bot with THREAD_CREATE.
    if (userId === this.botId && !botCouldSee) this.dispatchThread('THREAD_CREATE', thread);
    this.gateway.dispatch({
      t: 'THREAD_MEMBERS_UPDATE',
      guildId: thread.guildId,
      intents: userId === this.botId ? Intent.Guilds : Intent.GuildMembers,
      data: () =>
        canView(this.store, thread, this.botId)
          ? {
              id: thread.id,
              guild_id: thread.guildId,
              member_count: Math.min(meta.members.size, 50),
              added_members: [
                {
                  ...renderThreadMember(thread.id, userId, at),
                  ...(member ? { member: renderMember(this.store, member) } : {}),
                },
              ],
            }
          : undefined,
    });
    return true;
  }

  // --------------------------------------------------------------------------------------------- DMs

  openDm(userId: string, at = Date.now()): ChannelRecord {
    const existing = this.store.dmChannels.get(userId);
    if (existing) return this.store.channel(existing)!;
    const channel = this.newChannel({ guildId: null, name: '', type: ChannelType.DM, at, recipientId: userId });
    this.store.dmChannels.set(userId, channel.id);
    return channel;
  }

  // ------------------------------------------------------------------------------------------- misc

  storeAttachment(input: {
    filename: string;
    contentType: string | null;
    data: Buffer;
    description?: string | null;
    channelId: string;
    at?: number;
  }): AttachmentRecord {
    const id = this.store.ids.at(input.at ?? Date.now());
    const record: AttachmentRecord = {
      id,
      filename: input.filename,
      contentType: input.contentType,
      size: input.data.length,
      description: input.description ?? null,
      data: input.data,
      url: `${this.baseUrl()}/attachments/${input.channelId}/${id}/${encodeURIComponent(input.filename)}`,
    };
    this.store.attachments.set(id, record);
    return record;
  }

  memberPermissions(guildId: string, userId: string): bigint {
    return guildPermissions(this.store, guildId, userId);
  }

  rolesPayload(guild: GuildRecord) {
    return [...guild.roles.values()].map(renderRole);
  }

  isThread(channel: ChannelRecord): boolean {
    return isThread(channel);
  }
}
