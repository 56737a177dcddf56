/**
 * The member's side of Discord: what a Discord client does for a person. Each person holds a member
 * token (the emulator's stand-in for a logged-in session) and runs slash commands, presses buttons
 * and submits modals as the Discord client does, through `POST /interactions`; the emulator checks
 * what the member may see and use, then dispatches INTERACTION_CREATE to the bot, which answers
 * through the interaction callback like any interaction. Only people get a token: never the bot,
 * so nothing here lets anyone act as the bot.
 */
import { randomBytes } from 'node:crypto';
import { guildPermissions, permissionsIn } from './access.js';
import { buildCommandData, findCommand, type OptionInput } from './commandInvocation.js';
import { fillModal, findComponent } from './components.js';
import {
  invalidFormBody,
  missingAccess,
  missingPermissions,
  unknownChannel,
  unknownCommand,
  unknownInteraction,
  unknownMessage,
} from './errors.js';
import { type InteractionHub, type InteractionResult, InteractionType } from './interactions.js';
import { type ChannelRecord, ChannelType, type DiscordStore, isThread, type MessageRecord } from './model.js';
import { Permission } from './permissions.js';
import { canView } from './render.js';
import type { World } from './world.js';

/** How long a member's interaction waits for the bot's answer (Discord's client waits about as long). */
const ANSWER_TIMEOUT_MS = 15_000;

const formError = (path: string, message: string) => invalidFormBody([{ path: [path], code: 'INVALID', message }]);

export class MemberClient {
  private readonly userByToken = new Map<string, string>();
  private readonly tokenByUser = new Map<string, string>();
  private readonly submittedModals = new Set<string>();

  constructor(
    private readonly store: DiscordStore,
    private readonly world: World,
    private readonly hub: InteractionHub,
  ) {}

  /** The member token of a person (made on first use). Bots get none. */
  tokenFor(userId: string): string {
    const user = this.store.user(userId);
    if (!user) throw new Error(`sandbox: no user ${userId}`);
    if (user.bot) throw new Error(`sandbox: ${user.username} is a bot: only people get a member token`);
    let token = this.tokenByUser.get(userId);
    if (!token) {
      token = `${Buffer.from(userId).toString('base64url')}.member.${randomBytes(24).toString('base64url')}`;
      this.tokenByUser.set(userId, token);
      this.userByToken.set(token, userId);
    }
    return token;
  }

  /** The person an Authorization header speaks for; undefined for none, an unknown token or a bot token. */
  userFor(authorization: string | undefined): string | undefined {
    if (!authorization || authorization.startsWith('Bot ')) return undefined;
    return this.userByToken.get(authorization);
  }

  /** A member runs a registered slash command in a server channel or thread they can see. */
  command(
    userId: string,
    channelId: string,
    commandLine: string,
    inputs: Record<string, OptionInput>,
  ): Promise<InteractionResult> {
    const channel = this.visible(userId, channelId);
    const guildId = channel.guildId;
    if (!guildId) throw formError('channel_id', 'Commands run in a server channel here, not in direct messages.');
    const name = commandLine.trim().split(/\s+/)[0] ?? '';
    const command = findCommand(this.store, guildId, name);
    if (!command) throw unknownCommand();
    const required = command.definition.default_member_permissions;
    if (typeof required === 'string') {
      const needed = BigInt(required);
      // Discord's client does not offer it, and Discord refuses it for members without these permissions.
      if ((guildPermissions(this.store, guildId, userId) & needed) !== needed) throw missingPermissions();
    }
    let data: Record<string, unknown>;
    try {
      data = buildCommandData(
        { store: this.store, world: this.world, guildId, channelId, userId, bypassDefaultPermissions: false },
        commandLine,
        inputs,
      );
    } catch (error) {
      throw formError('data', (error as Error).message.replace(/^sandbox: /, ''));
    }
    return this.hub.start({
      type: InteractionType.ApplicationCommand,
      name: `/${commandLine.trim()}`,
      guildId,
      channelId,
      userId,
      data,
      timeoutMs: ANSWER_TIMEOUT_MS,
    });
  }

  /** A member presses a button (or picks in a string select) on a message they can see. */
  component(
    userId: string,
    channelId: string,
    messageId: string,
    customId: string,
    values?: string[],
  ): Promise<InteractionResult> {
    const channel = this.visible(userId, channelId);
    const message = this.store.message(channel.id, messageId);
    if (!message || !this.canSee(userId, message)) throw unknownMessage();
    const component = findComponent(message.components, customId);
    if (!component) throw formError('data.custom_id', `The message has no component "${customId}".`);
    if (component.disabled === true) throw formError('data.custom_id', `"${customId}" is disabled.`);
    const componentType = component.type as number;
    if (componentType !== 2 && componentType !== 3)
      throw formError('data.component_type', `Component type ${componentType} cannot be used here.`);
    if (componentType === 3 && !Array.isArray(values))
      throw formError('data.values', 'A select needs the chosen values.');
    return this.hub.start({
      type: InteractionType.MessageComponent,
      name: customId,
      guildId: channel.guildId,
      channelId: channel.id,
      userId,
      message,
      data: { custom_id: customId, component_type: componentType, ...(componentType === 3 ? { values } : {}) },
      timeoutMs: ANSWER_TIMEOUT_MS,
    });
  }

  /** A member submits the modal the bot opened for them (in answer to `interactionId`). */
  submitModal(userId: string, interactionId: string, values: Record<string, string>): Promise<InteractionResult> {
    const record = this.hub.records.find((r) => r.id === interactionId);
    const modal = record?.result?.modal;
    if (!record || !modal || record.userId !== userId || this.submittedModals.has(interactionId))
      throw unknownInteraction();
    this.submittedModals.add(interactionId);
    const source = record.sourceMessageId ? this.store.messages.get(record.sourceMessageId) : undefined;
    return this.hub.start({
      type: InteractionType.ModalSubmit,
      name: modal.customId,
      guildId: record.guildId,
      channelId: record.channelId,
      userId,
      ...(source ? { message: source } : {}),
      data: { custom_id: modal.customId, components: fillModal(modal.components, values) },
      timeoutMs: ANSWER_TIMEOUT_MS,
    });
  }

  /** The modal the bot opened in answer to this member's interaction, if it is still to be filled. */
  openModal(userId: string, interactionId: string): { customId: string; title: string; components: unknown[] } | null {
    const record = this.hub.records.find((r) => r.id === interactionId);
    if (!record || record.userId !== userId || this.submittedModals.has(interactionId)) return null;
    return record.result?.modal ?? null;
  }

  /** A member writes a message in a channel, thread or their DM with the bot (MESSAGE_CREATE). */
  post(userId: string, channelId: string, content: string): MessageRecord {
    const channel = this.visible(userId, channelId);
    if (!content.trim()) throw formError('content', 'Cannot send an empty message');
    if (content.length > 2000) throw formError('content', 'Must be 2000 or fewer in length.');
    if (channel.type === ChannelType.GuildForum)
      throw formError('channel_id', 'Write in a post, not the forum itself.');
    if (channel.guildId) {
      const needed = isThread(channel) ? Permission.SendMessagesInThreads : Permission.SendMessages;
      if (!(permissionsIn(this.store, channel, userId) & needed)) throw missingPermissions();
    }
    return this.world.postMessage({ channelId: channel.id, authorId: userId, content });
  }

  /** Whether this member sees the message: ephemeral answers only to whoever ran the interaction. */
  canSee(userId: string, message: MessageRecord): boolean {
    if (message.deleted) return false;
    if (!message.ephemeral) return true;
    const meta = message.interactionId ? this.store.interactionMeta.get(message.interactionId) : undefined;
    return meta?.userId === userId;
  }

  /** Whether this member sees the channel: server channels by permission, private threads when in them, their own DM. */
  canView(userId: string, channel: ChannelRecord): boolean {
    if (this.store.user(userId)?.bot) return false;
    if (channel.type === ChannelType.DM) return channel.recipientId === userId;
    return canView(this.store, channel, userId);
  }

  private visible(userId: string, channelId: string): ChannelRecord {
    const channel = this.store.channel(channelId);
    if (!channel) throw unknownChannel();
    if (!this.canView(userId, channel)) throw missingAccess();
    return channel;
  }
}
