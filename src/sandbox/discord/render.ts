/**
 * Records -> Discord's JSON shapes (v10), as REST answers and gateway dispatches carry them.
 * discord.js builds its structures from exactly these fields, so missing ones show up as bugs there.
 */
import type {
  APIAttachment,
  APIGuildMember,
  APIMessage,
  APIRole,
  APIThreadMember,
  APIUser,
  GuildMemberFlags,
  RoleFlags,
  ThreadMemberFlags,
  UserFlags,
} from 'discord.js';
import { permissionsIn } from './access.js';
import {
  type AttachmentRecord,
  type ChannelRecord,
  ChannelType,
  type CommandRecord,
  type DiscordStore,
  type GuildRecord,
  isThread,
  type MemberRecord,
  type MessageRecord,
  type RoleRecord,
  type UserRecord,
} from './model.js';

type Json = Record<string, unknown>;

export const iso = (ms: number) => new Date(ms).toISOString();

export function renderUser(user: UserRecord): APIUser {
  return {
    id: user.id,
    username: user.username,
    discriminator: user.bot ? '0000' : '0',
    global_name: user.globalName,
    avatar: null,
    bot: user.bot || undefined,
    public_flags: 0 as UserFlags,
    flags: 0 as UserFlags,
    banner: null,
    accent_color: null,
    avatar_decoration_data: null,
  };
}

export function renderRole(role: RoleRecord): APIRole {
  return {
    id: role.id,
    name: role.name,
    color: role.color,
    colors: { primary_color: role.color, secondary_color: null, tertiary_color: null },
    hoist: role.hoist,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.managed,
    mentionable: role.mentionable,
    flags: 0 as RoleFlags,
    ...(role.botId ? { tags: { bot_id: role.botId } } : {}),
  };
}

export function renderMember(store: DiscordStore, member: MemberRecord): APIGuildMember {
  return {
    user: renderUser(store.user(member.userId)!),
    nick: member.nick,
    avatar: null,
    banner: null,
    roles: [...member.roles],
    joined_at: iso(member.joinedAt),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    pending: false,
    communication_disabled_until: null,
  };
}

/** The member object inside messages and interactions: same as a member, without `user`. */
export function renderPartialMember(store: DiscordStore, member: MemberRecord): Omit<APIGuildMember, 'user'> {
  const { user: _user, ...rest } = renderMember(store, member);
  return rest;
}

export function renderThreadMember(threadId: string, userId: string, joinedAt: number): APIThreadMember {
  return { id: threadId, user_id: userId, join_timestamp: iso(joinedAt), flags: 0 as ThreadMemberFlags };
}

export function renderChannel(store: DiscordStore, channel: ChannelRecord): Json {
  if (channel.type === ChannelType.DM) {
    return {
      id: channel.id,
      type: channel.type,
      last_message_id: channel.lastMessageId,
      recipients: [renderUser(store.user(channel.recipientId!)!)],
      flags: 0,
    };
  }
  const base: Json = {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    parent_id: channel.parentId,
    flags: 0,
  };
  if (channel.thread) {
    const t = channel.thread;
    const botId = store.application.botUserId;
    const botJoined = t.members.get(botId);
    return {
      ...base,
      owner_id: t.ownerId,
      last_message_id: channel.lastMessageId,
      rate_limit_per_user: channel.rateLimitPerUser,
      message_count: t.messageCount,
      member_count: Math.min(t.members.size, 50),
      total_message_sent: t.totalMessageSent,
      applied_tags: [...t.appliedTags],
      thread_metadata: {
        archived: t.archived,
        auto_archive_duration: t.autoArchiveDuration,
        archive_timestamp: iso(t.archivedAt),
        locked: t.locked,
        create_timestamp: iso(t.createdAt),
        ...(channel.type === ChannelType.PrivateThread ? { invitable: t.invitable } : {}),
      },
      ...(botJoined !== undefined ? { member: renderThreadMember(channel.id, botId, botJoined) } : {}),
    };
  }
  const guildChannel: Json = {
    ...base,
    position: channel.position,
    permission_overwrites: channel.overwrites.map((o) => ({
      id: o.id,
      type: o.type,
      allow: o.allow.toString(),
      deny: o.deny.toString(),
    })),
    nsfw: channel.nsfw,
  };
  if (channel.type === ChannelType.GuildCategory) return guildChannel;
  const textLike: Json = {
    ...guildChannel,
    topic: channel.topic,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: channel.rateLimitPerUser,
  };
  if (channel.type !== ChannelType.GuildForum) return textLike;
  return {
    ...textLike,
    available_tags: channel.availableTags.map((t) => ({
      id: t.id,
      name: t.name,
      moderated: t.moderated,
      emoji_id: null,
      emoji_name: null,
    })),
    default_reaction_emoji: null,
    default_sort_order: null,
    default_forum_layout: 0,
    default_thread_rate_limit_per_user: 0,
  };
}

export function renderAttachment(a: AttachmentRecord): APIAttachment {
  return {
    id: a.id,
    filename: a.filename,
    ...(a.description ? { description: a.description } : {}),
    ...(a.contentType ? { content_type: a.contentType } : {}),
    size: a.size,
    url: a.url,
    proxy_url: a.url,
  };
}

export interface RenderMessageOptions {
  /** false: Discord's MESSAGE_CONTENT rule blanks content, embeds, attachments and components. */
  contentVisible: boolean;
  /** Include the author's guild member (gateway MESSAGE_CREATE/UPDATE in guilds does). */
  withMember?: boolean;
  /** Include the replied-to message (one level, as Discord does). */
  withReferenced?: boolean;
}

export function renderMessage(store: DiscordStore, m: MessageRecord, opts: RenderMessageOptions): APIMessage {
  const author = store.user(m.authorId)!;
  const visible = opts.contentVisible;
  const channel = store.channel(m.channelId);
  const out: Json = {
    id: m.id,
    channel_id: m.channelId,
    ...(m.guildId ? { guild_id: m.guildId } : {}),
    author: renderUser(author),
    content: visible ? m.content : '',
    timestamp: iso(m.createdAt),
    edited_timestamp: m.editedAt === null ? null : iso(m.editedAt),
    tts: m.tts,
    mention_everyone: m.pinged.everyone,
    mentions: m.pinged.users.map((id) => {
      const user = store.user(id);
      const member = m.guildId ? store.member(m.guildId, id) : undefined;
      return {
        ...(user ? renderUser(user) : { id }),
        ...(member ? { member: renderPartialMember(store, member) } : {}),
      };
    }),
    mention_roles: [...m.pinged.roles],
    attachments: visible ? m.attachments.map(renderAttachment) : [],
    embeds: visible ? m.embeds : [],
    components: visible ? m.components : [],
    pinned: m.pinned,
    type: m.type,
    flags: m.flags,
    ...(m.nonce !== null ? { nonce: m.nonce } : {}),
    ...(m.webhookId ? { webhook_id: m.webhookId, application_id: store.application.id } : {}),
  };
  if (m.reactions.length > 0) {
    const botId = store.application.botUserId;
    out.reactions = m.reactions.map((r) => ({
      emoji: r.emoji,
      count: r.userIds.length,
      count_details: { burst: 0, normal: r.userIds.length },
      me: r.userIds.includes(botId),
      me_burst: false,
      burst_colors: [],
    }));
  }
  if (m.reference) {
    out.message_reference = {
      type: 0,
      message_id: m.reference.messageId,
      channel_id: m.reference.channelId,
      ...(m.reference.guildId ? { guild_id: m.reference.guildId } : {}),
    };
    if (opts.withReferenced) {
      const ref = store.messages.get(m.reference.messageId);
      out.referenced_message =
        ref && !ref.deleted ? renderMessage(store, ref, { contentVisible: visible, withReferenced: false }) : null;
    }
  }
  if (m.threadId) {
    const thread = store.channel(m.threadId);
    if (thread) out.thread = renderChannel(store, thread);
  }
  if (m.interactionId) {
    const interaction = store.interactionMeta.get(m.interactionId);
    if (interaction) {
      out.interaction_metadata = {
        id: interaction.id,
        type: interaction.type,
        user: renderUser(store.user(interaction.userId)!),
        authorizing_integration_owners: interaction.guildId
          ? { '0': interaction.guildId }
          : { '1': interaction.userId },
      };
    }
  }
  if (channel?.thread) out.position = Math.max(0, channel.thread.totalMessageSent - 1);
  if (opts.withMember && m.guildId) {
    const member = store.member(m.guildId, m.authorId);
    if (member) out.member = renderPartialMember(store, member);
  }
  return out as unknown as APIMessage;
}

export function renderGuild(guild: GuildRecord): Json {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    icon_hash: null,
    splash: null,
    discovery_splash: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    verification_level: 0,
    default_message_notifications: 1,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()].map(renderRole),
    emojis: [],
    features: ['COMMUNITY'],
    mfa_level: 0,
    application_id: null,
    system_channel_id: guild.systemChannelId,
    system_channel_flags: 0,
    rules_channel_id: null,
    max_members: 500000,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    stickers: [],
    premium_progress_bar_enabled: false,
    safety_alerts_channel_id: null,
    incidents_data: null,
  };
}

/** Can `userId` see this channel (threads: private ones only when joined or with MANAGE_THREADS)? */
export function canView(store: DiscordStore, channel: ChannelRecord, userId: string): boolean {
  const perms = permissionsIn(store, channel, userId);
  if (!(perms & (1n << 10n))) return false;
  if (channel.type === ChannelType.PrivateThread) {
    return channel.thread!.members.has(userId) || (perms & (1n << 34n)) !== 0n;
  }
  return true;
}

export interface GuildCreateOptions {
  /** Discord only lists every member when the session has GUILD_PRESENCES and the guild is small. */
  allMembers: boolean;
}

export function renderGuildCreate(store: DiscordStore, guild: GuildRecord, opts: GuildCreateOptions): Json {
  const botId = store.application.botUserId;
  const channels = store.guildChannels(guild.id);
  const botMember = guild.members.get(botId);
  const members = opts.allMembers ? [...guild.members.values()] : botMember ? [botMember] : [];
  return {
    ...renderGuild(guild),
    joined_at: iso(botMember?.joinedAt ?? guild.createdAt),
    large: guild.members.size > 250,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    members: members.map((m) => renderMember(store, m)),
    channels: channels.filter((c) => !isThread(c)).map((c) => renderChannel(store, c)),
    threads: channels
      .filter((c) => c.thread && !c.thread.archived && canView(store, c, botId))
      .map((c) => renderChannel(store, c)),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function renderCommand(command: CommandRecord): Json {
  const d = command.definition;
  return {
    description: '',
    options: [],
    default_member_permissions: null,
    nsfw: false,
    contexts: null,
    integration_types: [0],
    name_localizations: null,
    description_localizations: null,
    ...d,
    id: command.id,
    application_id: command.applicationId,
    version: command.version,
    type: command.type,
    name: command.name,
    ...(command.guildId ? { guild_id: command.guildId } : { dm_permission: d.dm_permission ?? true }),
  };
}
