/**
 * discord.js objects → CommunityEvents. Times come from Discord (message timestamps, snowflakes,
 * joined_at), never from when we received the event, so backfills and replays land in the right place.
 */
import {
  ChannelType,
  type Guild,
  type GuildBasedChannel,
  type GuildMember,
  type Message,
  type PartialGuildMember,
  PermissionFlagsBits,
  type ThreadChannel,
} from 'discord.js';
import {
  asChannelId,
  asGuildId,
  asMemberId,
  asMessageId,
  asRoleId,
  type ChannelKind,
  type ChannelUpserted,
  type CommunityEvent,
  type GuildUpserted,
  type MemberJoined,
  type MemberUpdated,
  type MessageCreated,
  snowflakeTime,
  type ThreadUpserted,
} from '../../events.js';

const platform = 'discord' as const;

export function guildEvent(guild: Guild): GuildUpserted {
  return {
    kind: 'guild.upserted',
    platform,
    guildId: asGuildId(guild.id),
    at: snowflakeTime(guild.id),
    name: guild.name,
    ownerId: asMemberId(guild.ownerId),
  };
}

/** Manage Server (or Administrator) makes a moderator, on Discord. */
export function isModerator(member: GuildMember | PartialGuildMember): boolean {
  return member.permissions?.has(PermissionFlagsBits.ManageGuild, true) ?? false;
}

function roleIds(member: GuildMember | PartialGuildMember) {
  // @everyone (id = guild id) is implied for everyone: storing it says nothing.
  return [...member.roles.cache.keys()].filter((id) => id !== member.guild.id).map(asRoleId);
}

export function memberJoinedEvent(member: GuildMember): MemberJoined {
  return {
    kind: 'member.joined',
    platform,
    guildId: asGuildId(member.guild.id),
    at: member.joinedTimestamp ?? snowflakeTime(member.id),
    memberId: asMemberId(member.id),
    username: member.user.username,
    displayName: member.displayName,
    bot: member.user.bot,
    roles: roleIds(member),
    moderator: isModerator(member),
  };
}

export function memberUpdatedEvent(member: GuildMember, at: number): MemberUpdated {
  return {
    kind: 'member.updated',
    platform,
    guildId: asGuildId(member.guild.id),
    at,
    memberId: asMemberId(member.id),
    username: member.user.username,
    displayName: member.displayName,
    roles: roleIds(member),
    moderator: isModerator(member),
  };
}

export function channelKind(type: ChannelType): ChannelKind {
  switch (type) {
    case ChannelType.GuildText:
      return 'text';
    case ChannelType.GuildForum:
    case ChannelType.GuildMedia:
      return 'forum';
    case ChannelType.GuildAnnouncement:
      return 'announcement';
    case ChannelType.GuildVoice:
    case ChannelType.GuildStageVoice:
      return 'voice';
    case ChannelType.GuildCategory:
      return 'category';
    case ChannelType.PublicThread:
    case ChannelType.PrivateThread:
    case ChannelType.AnnouncementThread:
      return 'thread';
    default:
      return 'other';
  }
}

export function channelEvent(channel: GuildBasedChannel): ChannelUpserted | ThreadUpserted {
  if (channel.isThread()) return threadEvent(channel);
  return {
    kind: 'channel.upserted',
    platform,
    guildId: asGuildId(channel.guild.id),
    at: snowflakeTime(channel.id),
    channelId: asChannelId(channel.id),
    name: channel.name,
    channelKind: channelKind(channel.type),
    parentId: channel.parentId ? asChannelId(channel.parentId) : null,
    topic: 'topic' in channel ? (channel.topic ?? null) : null,
  };
}

export function threadEvent(thread: ThreadChannel, at?: number): ThreadUpserted {
  const parent = thread.parent;
  const tagNames =
    parent && parent.type === ChannelType.GuildForum
      ? thread.appliedTags
          .map((id) => parent.availableTags.find((t) => t.id === id)?.name)
          .filter((name): name is string => Boolean(name))
      : [];
  return {
    kind: 'thread.upserted',
    platform,
    guildId: asGuildId(thread.guild.id),
    at: at ?? snowflakeTime(thread.id),
    threadId: asChannelId(thread.id),
    parentId: asChannelId(thread.parentId ?? thread.guild.id),
    name: thread.name,
    ownerId: thread.ownerId ? asMemberId(thread.ownerId) : null,
    tags: tagNames,
    archived: thread.archived ?? false,
    createdAt: snowflakeTime(thread.id),
  };
}

/** A guild message as an event; null for messages Convene ignores (DMs, system messages). */
export function messageEvent(message: Message, contentGranted: boolean): MessageCreated | null {
  if (!message.guildId || message.system) return null;
  const content = message.content ?? '';
  return {
    kind: 'message.created',
    platform,
    guildId: asGuildId(message.guildId),
    at: message.createdTimestamp,
    messageId: asMessageId(message.id),
    channelId: asChannelId(message.channelId),
    authorId: asMemberId(message.author.id),
    authorName: message.member?.displayName ?? message.author.globalName ?? message.author.username,
    authorIsBot: message.author.bot,
    replyToId: message.reference?.messageId ? asMessageId(message.reference.messageId) : null,
    mentionIds: [...message.mentions.users.keys()].map(asMemberId),
    content,
    contentMissing: !contentGranted && content === '',
  };
}

/** The store's key for an emoji: the character itself, or "<:name:id>" for a server's own emoji. */
export function reactionEmoji(emoji: { id: string | null; name: string | null }): string {
  return emoji.id ? `<:${emoji.name}:${emoji.id}>` : (emoji.name ?? '?');
}

/** Every event a guild snapshot implies (GUILD_CREATE, backfill): guild, channels, threads. */
export function guildSnapshotEvents(guild: Guild): CommunityEvent[] {
  const events: CommunityEvent[] = [guildEvent(guild)];
  for (const channel of guild.channels.cache.values()) events.push(channelEvent(channel));
  return events;
}
