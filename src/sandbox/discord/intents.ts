/** Gateway intents (Discord v10) and which of them are privileged. */

export const Intent = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildModeration: 1 << 2,
  GuildExpressions: 1 << 3,
  GuildIntegrations: 1 << 4,
  GuildWebhooks: 1 << 5,
  GuildInvites: 1 << 6,
  GuildVoiceStates: 1 << 7,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  GuildMessageTyping: 1 << 11,
  DirectMessages: 1 << 12,
  DirectMessageReactions: 1 << 13,
  DirectMessageTyping: 1 << 14,
  MessageContent: 1 << 15,
  GuildScheduledEvents: 1 << 16,
  AutoModerationConfiguration: 1 << 20,
  AutoModerationExecution: 1 << 21,
  GuildMessagePolls: 1 << 24,
  DirectMessagePolls: 1 << 25,
} as const;

export const VALID_INTENTS = Object.values(Intent).reduce((all, bit) => all | bit, 0);

export interface PrivilegedIntents {
  guildMembers: boolean;
  messageContent: boolean;
  presences: boolean;
}

/** The privileged intent bits an app is NOT granted (requesting any of them closes with 4014). */
export function disallowedIntents(requested: number, granted: PrivilegedIntents): number {
  let disallowed = 0;
  if (!granted.guildMembers) disallowed |= requested & Intent.GuildMembers;
  if (!granted.messageContent) disallowed |= requested & Intent.MessageContent;
  if (!granted.presences) disallowed |= requested & Intent.GuildPresences;
  return disallowed;
}

/** Application flags that tell discord.js (and the developer portal) which privileged intents are on. */
export function applicationFlags(granted: PrivilegedIntents): number {
  let flags = 0;
  if (granted.presences) flags |= 1 << 12; // GATEWAY_PRESENCE
  if (granted.guildMembers) flags |= 1 << 14; // GATEWAY_GUILD_MEMBERS
  if (granted.messageContent) flags |= 1 << 18; // GATEWAY_MESSAGE_CONTENT
  return flags;
}
