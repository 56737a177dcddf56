/** Permissions of a member in the emulated store: the glue between model.ts and permissions.ts. */
import { type ChannelRecord, type DiscordStore, isThread } from './model.js';
import { basePermissions, channelPermissions, type PermissionSubject } from './permissions.js';

function subject(store: DiscordStore, guildId: string, userId: string): PermissionSubject | undefined {
  const guild = store.guild(guildId);
  const member = guild?.members.get(userId);
  if (!guild || !member) return undefined;
  return {
    guildId,
    ownerId: guild.ownerId,
    rolePermissions: store.rolePermissions(guild),
    memberId: userId,
    memberRoleIds: member.roles,
  };
}

/** Guild-level permissions (what `member.permissions` carries in an interaction); 0 for non-members. */
export function guildPermissions(store: DiscordStore, guildId: string, userId: string): bigint {
  const s = subject(store, guildId, userId);
  return s ? basePermissions(s) : 0n;
}

/** Permissions in a channel; threads use their parent's overwrites, as on Discord. */
export function permissionsIn(store: DiscordStore, channel: ChannelRecord, userId: string): bigint {
  if (!channel.guildId) return 0n;
  const s = subject(store, channel.guildId, userId);
  if (!s) return 0n;
  const source = isThread(channel) && channel.parentId ? (store.channel(channel.parentId) ?? channel) : channel;
  return channelPermissions(s, source.overwrites);
}
