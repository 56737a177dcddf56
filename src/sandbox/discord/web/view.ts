/**
 * The demo server as one member sees it: the channels they can open, the threads listed for them
 * (private ones only when they are in them), their own DM with the bot, the messages of a channel
 * (ephemeral answers only to whoever asked), and the commands their client would offer. Read-only.
 */
import { guildPermissions } from '../access.js';
import { findComponent } from '../components.js';
import { type InteractionRecord, InteractionType } from '../interactions.js';
import type { MemberClient } from '../memberClient.js';
import {
  type ChannelRecord,
  ChannelType,
  type CommandRecord,
  type DiscordStore,
  isThread,
  type MessageRecord,
  type UserRecord,
} from '../model.js';
import { Permission } from '../permissions.js';
import { compareIds } from '../snowflake.js';

export interface PageWorld {
  store: DiscordStore;
  members: MemberClient;
  guildId: string;
  /** Every interaction started, to say what a member did ("used /journey", "pressed …"). */
  interactions(): readonly InteractionRecord[];
}

export interface MemberChoice {
  user: UserRecord;
  name: string;
  joinedAt: number;
  moderator: boolean;
  messages: number;
}

const DAY = 86_400_000;

export function displayName(world: PageWorld, userId: string): string {
  const user = world.store.user(userId);
  if (!user) return 'someone';
  const member = world.store.member(world.guildId, userId);
  return member?.nick ?? user.globalName ?? user.username;
}

/** The people a visitor can be: every member who is not a bot. */
export function memberChoices(world: PageWorld): MemberChoice[] {
  const guild = world.store.guild(world.guildId);
  if (!guild) return [];
  const counts = new Map<string, number>();
  for (const m of world.store.messages.values()) {
    if (m.guildId === world.guildId) counts.set(m.authorId, (counts.get(m.authorId) ?? 0) + 1);
  }
  const out: MemberChoice[] = [];
  for (const member of guild.members.values()) {
    const user = world.store.user(member.userId);
    if (!user || user.bot) continue;
    out.push({
      user,
      name: displayName(world, user.id),
      joinedAt: member.joinedAt,
      moderator: isModerator(world, user.id),
      messages: counts.get(user.id) ?? 0,
    });
  }
  return out;
}

/** Groups for the "You are" picker: moderators, who joined in the last day (newest first), everyone else. */
export function groupedChoices(choices: MemberChoice[], now: number) {
  const byName = (a: MemberChoice, b: MemberChoice) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' });
  const moderators = choices.filter((c) => c.moderator).sort(byName);
  const newcomers = choices
    .filter((c) => !c.moderator && c.joinedAt > now - DAY)
    .sort((a, b) => b.joinedAt - a.joinedAt);
  const rest = choices.filter((c) => !c.moderator && c.joinedAt <= now - DAY).sort(byName);
  return { moderators, newcomers, rest };
}

export function isModerator(world: PageWorld, userId: string): boolean {
  const perms = guildPermissions(world.store, world.guildId, userId);
  return (perms & (Permission.ManageGuild | Permission.Administrator)) !== 0n;
}

/** Whether the member may open this channel here: private threads only when they are in them. */
export function canOpen(world: PageWorld, userId: string, channel: ChannelRecord): boolean {
  if (channel.type === ChannelType.DM) return channel.recipientId === userId;
  if (channel.guildId !== world.guildId || !world.members.canView(userId, channel)) return false;
  return channel.type !== ChannelType.PrivateThread || channel.thread!.members.has(userId);
}

export interface SidebarEntry {
  channel: ChannelRecord;
  /** Threads of a text channel the member can open (forum posts are listed in the forum itself). */
  threads: ChannelRecord[];
}

export function sidebar(world: PageWorld, userId: string): { channels: SidebarEntry[]; dm: ChannelRecord | null } {
  const channels = world.store
    .guildChannels(world.guildId)
    .filter((c) => !isThread(c) && c.type !== ChannelType.GuildCategory && canOpen(world, userId, c))
    .map((channel) => ({
      channel,
      threads:
        channel.type === ChannelType.GuildForum
          ? []
          : world.store.threadsOf(channel.id).filter((t) => canOpen(world, userId, t)),
    }));
  const dmId = world.store.dmChannels.get(userId);
  return { channels, dm: dmId ? (world.store.channel(dmId) ?? null) : null };
}

/** Forum posts the member can open, newest activity first. */
export function forumPosts(world: PageWorld, userId: string, forumId: string): ChannelRecord[] {
  return world.store
    .threadsOf(forumId)
    .filter((t) => canOpen(world, userId, t))
    .sort((a, b) => compareIds(b.lastMessageId ?? b.id, a.lastMessageId ?? a.id));
}

/** Up to `limit` messages the member sees in a channel, oldest first, ending before `before` if given. */
export function visibleMessages(
  world: PageWorld,
  userId: string,
  channelId: string,
  opts: { before?: string; limit: number },
): { messages: MessageRecord[]; earlier: boolean } {
  const ids = world.store.channelMessages.get(channelId) ?? [];
  const end = opts.before ? ids.indexOf(opts.before) : ids.length;
  const out: MessageRecord[] = [];
  let i = (end < 0 ? ids.length : end) - 1;
  for (; i >= 0 && out.length < opts.limit; i--) {
    const message = world.store.messages.get(ids[i]!);
    if (message && world.members.canSee(userId, message)) out.push(message);
  }
  return { messages: out.reverse(), earlier: i >= 0 };
}

/** The slash commands a member's client offers in this server: registered, usable here, permitted. */
export function commandsFor(world: PageWorld, userId: string): CommandRecord[] {
  const perms = guildPermissions(world.store, world.guildId, userId);
  const byName = new Map<string, CommandRecord>();
  for (const command of world.store.commands.values()) {
    if (command.type !== 1 || (command.guildId !== null && command.guildId !== world.guildId)) continue;
    const contexts = command.definition.contexts;
    if (Array.isArray(contexts) && !contexts.includes(0)) continue;
    const required = command.definition.default_member_permissions;
    if (typeof required === 'string' && (perms & BigInt(required)) !== BigInt(required)) continue;
    // A guild command of the same name shadows the global one, as in Discord's client.
    if (!byName.has(command.name) || command.guildId) byName.set(command.name, command);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** What a member did that a message answers, as Discord's client says it: "used /journey", "pressed “Yes”". */
export function interactionLine(
  world: PageWorld,
  interactionId: string,
): { userId: string; did: string; what: string } | null {
  const records = world.interactions();
  const record = records.find((r) => r.id === interactionId);
  if (!record) return null;
  if (record.type === InteractionType.ApplicationCommand)
    return { userId: record.userId, did: 'used', what: record.name };
  if (record.type === InteractionType.MessageComponent) {
    // The message as it was when pressed: an answer may since have replaced its buttons.
    const pressedOn = record.payload.message as { components?: unknown[] } | undefined;
    const label = findComponent(pressedOn?.components ?? [], record.name)?.label;
    return { userId: record.userId, did: 'pressed', what: typeof label === 'string' ? label : 'a button' };
  }
  if (record.type === InteractionType.ModalSubmit) {
    const opened = records.find((r) => r.result?.modal?.customId === record.name)?.result?.modal;
    return { userId: record.userId, did: 'sent', what: opened?.title ?? 'a form' };
  }
  return null;
}
