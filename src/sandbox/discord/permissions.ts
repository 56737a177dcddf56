/**
 * Discord permission bits and the documented way to compute a member's permissions in a guild and in
 * a channel (base from roles, then @everyone / role / member overwrites). Bits are bigints because
 * Discord's permission set is wider than 32 bits; on the wire they are decimal strings.
 */

export const Permission = {
  CreateInstantInvite: 1n << 0n,
  KickMembers: 1n << 1n,
  BanMembers: 1n << 2n,
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewAuditLog: 1n << 7n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  ChangeNickname: 1n << 26n,
  ManageNicknames: 1n << 27n,
  ManageRoles: 1n << 28n,
  UseApplicationCommands: 1n << 31n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  SendMessagesInThreads: 1n << 38n,
  ModerateMembers: 1n << 40n,
} as const;

/** Every bit Discord defines today (up to USE_EXTERNAL_APPS, 1 << 50). */
export const ALL_PERMISSIONS = (1n << 51n) - 1n;

/** What a new guild's @everyone role gets on Discord, give or take voice bits we do not emulate. */
export const DEFAULT_EVERYONE_PERMISSIONS =
  Permission.CreateInstantInvite |
  Permission.AddReactions |
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.UseExternalEmojis |
  Permission.ChangeNickname |
  Permission.UseApplicationCommands |
  Permission.CreatePublicThreads |
  Permission.CreatePrivateThreads |
  Permission.SendMessagesInThreads;

/**
 * The bot's managed role. MENTION_EVERYONE is included on purpose: with it, a bot that forgets
 * allowed_mentions really would ping @everyone, so the sandbox records the mistake instead of hiding it.
 */
export const DEFAULT_BOT_PERMISSIONS =
  DEFAULT_EVERYONE_PERMISSIONS |
  Permission.ManageRoles |
  Permission.ManageThreads |
  Permission.ManageMessages |
  Permission.MentionEveryone;

export interface Overwrite {
  id: string;
  /** 0 = role, 1 = member */
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

export interface PermissionSubject {
  guildId: string;
  ownerId: string;
  /** role id -> permissions; must include @everyone (id = guild id). */
  rolePermissions: ReadonlyMap<string, bigint>;
  memberId: string;
  memberRoleIds: readonly string[];
}

/** Guild-level permissions: @everyone plus every role of the member; owner and admins get all. */
export function basePermissions(subject: PermissionSubject): bigint {
  if (subject.memberId === subject.ownerId) return ALL_PERMISSIONS;
  let permissions = subject.rolePermissions.get(subject.guildId) ?? 0n;
  for (const roleId of subject.memberRoleIds) permissions |= subject.rolePermissions.get(roleId) ?? 0n;
  if (permissions & Permission.Administrator) return ALL_PERMISSIONS;
  return permissions;
}

/** Discord's overwrite order: @everyone, then all of the member's roles together, then the member. */
export function channelPermissions(subject: PermissionSubject, overwrites: readonly Overwrite[]): bigint {
  let permissions = basePermissions(subject);
  if (permissions & Permission.Administrator || permissions === ALL_PERMISSIONS) return ALL_PERMISSIONS;
  const everyone = overwrites.find((o) => o.type === 0 && o.id === subject.guildId);
  if (everyone) permissions = (permissions & ~everyone.deny) | everyone.allow;
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && subject.memberRoleIds.includes(o.id)) {
      allow |= o.allow;
      deny |= o.deny;
    }
  }
  permissions = (permissions & ~deny) | allow;
  const member = overwrites.find((o) => o.type === 1 && o.id === subject.memberId);
  if (member) permissions = (permissions & ~member.deny) | member.allow;
  // Discord: without VIEW_CHANNEL a member has no permission at all in the channel.
  if (!(permissions & Permission.ViewChannel)) return 0n;
  return permissions;
}

export function has(permissions: bigint, bit: bigint): boolean {
  return (permissions & bit) === bit;
}
