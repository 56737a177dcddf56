/**
 * Interactions as Discord runs them: INTERACTION_CREATE to the bot, one callback within 3 s (or the
 * interaction fails), then the interaction webhook (`/webhooks/:app/:token`) for editing @original and
 * sending follow-ups. Each interaction a test starts resolves with what the bot answered.
 */
import { randomBytes } from 'node:crypto';
import { permissionsIn } from './access.js';
import {
  alreadyAcknowledged,
  DiscordHttpError,
  invalidFormBody,
  unknownInteraction,
  unknownMessage,
  unknownWebhook,
} from './errors.js';
import type { Gateway } from './gateway.js';
import { type AttachmentRecord, type DiscordStore, MessageFlag, type MessageRecord } from './model.js';
import { renderChannel, renderMessage, renderPartialMember, renderUser } from './render.js';
import { collectAttachments, type UploadedFile } from './uploads.js';
import { validateMessageBody } from './validation.js';
import type { World } from './world.js';

export const InteractionType = {
  Ping: 1,
  ApplicationCommand: 2,
  MessageComponent: 3,
  Autocomplete: 4,
  ModalSubmit: 5,
} as const;

export const CallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  AutocompleteResult: 8,
  Modal: 9,
} as const;

/** What the bot answered to one interaction; the same object keeps filling in (edits, follow-ups). */
export interface InteractionResult {
  interactionId: string;
  /** Callback type the bot chose: 4 reply, 5 deferred reply, 6 deferred update, 7 update, 9 modal. */
  type: number;
  /** Callback `data` as sent. */
  data: Record<string, unknown>;
  deferred: boolean;
  ephemeral: boolean;
  /** Current state of @original (or of the component's message for 6/7). */
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: AttachmentRecord[];
  message: MessageRecord | null;
  followups: MessageRecord[];
  /** PATCH bodies sent to @original, in order. */
  edits: { at: number; body: Record<string, unknown> }[];
  /** Time from INTERACTION_CREATE to the callback. */
  ackMs: number;
  modal: { customId: string; title: string; components: unknown[] } | null;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  /** command line, custom id or modal id */
  name: string;
  guildId: string | null;
  channelId: string;
  userId: string;
  createdAt: number;
  payload: Record<string, unknown>;
  acknowledgedAt: number | null;
  /** Set when Discord would have shown "The application did not respond". */
  failed: string | null;
  result: InteractionResult | null;
  sourceMessageId: string | null;
}

export interface OpenedModal {
  customId: string;
  title: string;
  components: unknown[];
  /** The message whose component opened the modal, if any (the submit then carries it). */
  sourceMessageId: string | null;
}

interface Pending {
  record: InteractionRecord;
  resolve: (r: InteractionResult) => void;
  reject: (e: Error) => void;
  settled: boolean;
  timers: NodeJS.Timeout[];
}

export interface StartInteraction {
  type: number;
  name: string;
  guildId: string | null;
  channelId: string;
  userId: string;
  data: Record<string, unknown>;
  message?: MessageRecord;
  timeoutMs: number;
}

export class InteractionHub {
  readonly records: InteractionRecord[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly byToken = new Map<string, string>();
  /** Modals the bot opened, by custom id, so a test can submit them. */
  readonly modals = new Map<string, OpenedModal>();

  constructor(
    private readonly store: DiscordStore,
    private readonly world: World,
    private readonly gateway: Gateway,
    private readonly ackTimeoutMs: number,
  ) {}

  get failures(): InteractionRecord[] {
    return this.records.filter((r) => r.failed !== null);
  }

  start(input: StartInteraction): Promise<InteractionResult> {
    const now = Date.now();
    const id = this.store.ids.at(now);
    const token = `aW50ZXJhY3Rpb24:${id}:${randomBytes(24).toString('base64url')}`;
    const app = this.store.application;
    const channel = this.store.channel(input.channelId)!;
    const payload: Record<string, unknown> = {
      id,
      application_id: app.id,
      type: input.type,
      token,
      version: 1,
      data: input.data,
      channel_id: channel.id,
      channel: renderChannel(this.store, channel),
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: 10_485_760,
      app_permissions: (channel.guildId ? permissionsIn(this.store, channel, app.botUserId) : 0n).toString(),
    };
    if (input.guildId) {
      const member = this.store.member(input.guildId, input.userId);
      if (!member) throw new Error(`sandbox: ${input.userId} is not a member of ${input.guildId}`);
      Object.assign(payload, {
        guild_id: input.guildId,
        guild: { id: input.guildId, locale: 'en-US', features: ['COMMUNITY'] },
        guild_locale: 'en-US',
        member: {
          ...renderPartialMember(this.store, member),
          user: renderUser(this.store.user(input.userId)!),
          permissions: permissionsIn(this.store, channel, input.userId).toString(),
        },
        authorizing_integration_owners: { '0': input.guildId },
        context: 0,
      });
    } else {
      Object.assign(payload, {
        user: renderUser(this.store.user(input.userId)!),
        authorizing_integration_owners: { '0': '0' },
        context: 1,
      });
    }
    if (input.message) {
      payload.message = renderMessage(this.store, input.message, { contentVisible: true });
    }
    const record: InteractionRecord = {
      id,
      token,
      type: input.type,
      name: input.name,
      guildId: input.guildId,
      channelId: input.channelId,
      userId: input.userId,
      createdAt: now,
      payload,
      acknowledgedAt: null,
      failed: null,
      result: null,
      sourceMessageId: input.message?.id ?? null,
    };
    this.records.push(record);
    this.byToken.set(token, id);
    this.store.interactionMeta.set(id, { id, type: input.type, userId: input.userId, guildId: input.guildId });
    return new Promise<InteractionResult>((resolve, reject) => {
      const pending: Pending = { record, resolve, reject, settled: false, timers: [] };
      this.pending.set(id, pending);
      pending.timers.push(
        setTimeout(() => {
          if (record.acknowledgedAt !== null) return;
          // Discord: no callback within 3 s and the interaction token is dead ("did not respond").
          record.failed = `not acknowledged within ${this.ackTimeoutMs} ms`;
          this.settle(pending, new Error(`sandbox: interaction "${record.name}" was ${record.failed}`));
        }, this.ackTimeoutMs),
        setTimeout(() => {
          this.settle(
            pending,
            new Error(`sandbox: no answer to interaction "${record.name}" within ${input.timeoutMs} ms`),
          );
        }, input.timeoutMs),
      );
      this.gateway.dispatch({ t: 'INTERACTION_CREATE', guildId: input.guildId, intents: 0, data: () => payload });
    });
  }

  private settle(pending: Pending, outcome: InteractionResult | Error): void {
    if (pending.settled) return;
    pending.settled = true;
    for (const t of pending.timers) clearTimeout(t);
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  close(): void {
    for (const p of this.pending.values()) this.settle(p, new Error('sandbox: closed'));
  }

  // ----------------------------------------------------------------------------------- callback

  callback(
    id: string,
    token: string,
    body: Record<string, unknown>,
    files: UploadedFile[],
    withResponse: boolean,
  ): { status: number; body?: unknown } {
    const pending = this.pending.get(id);
    if (!pending || pending.record.token !== token || pending.record.failed) throw unknownInteraction();
    const record = pending.record;
    if (record.acknowledgedAt !== null) throw alreadyAcknowledged();
    const type = body.type;
    const data = (body.data ?? {}) as Record<string, unknown>;
    const isComponent =
      record.type === InteractionType.MessageComponent ||
      (record.type === InteractionType.ModalSubmit && record.sourceMessageId);
    const allowed: number[] = [CallbackType.ChannelMessageWithSource, CallbackType.DeferredChannelMessageWithSource];
    if (isComponent) allowed.push(CallbackType.DeferredUpdateMessage, CallbackType.UpdateMessage);
    if (record.type !== InteractionType.ModalSubmit) allowed.push(CallbackType.Modal);
    if (typeof type !== 'number' || !allowed.includes(type)) {
      throw invalidFormBody([
        { path: ['type'], code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Invalid interaction response type' },
      ]);
    }
    if (type === CallbackType.ChannelMessageWithSource || type === CallbackType.UpdateMessage) {
      validateMessageBody(data, { partial: type === CallbackType.UpdateMessage, fileCount: files.length });
    }
    if (type === CallbackType.Modal) {
      if (typeof data.custom_id !== 'string' || typeof data.title !== 'string' || !Array.isArray(data.components)) {
        throw invalidFormBody([{ path: ['data'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
      }
    }
    const now = Date.now();
    record.acknowledgedAt = now;
    const flags = typeof data.flags === 'number' ? data.flags : 0;
    const ephemeral = (flags & MessageFlag.Ephemeral) !== 0;
    const result: InteractionResult = {
      interactionId: id,
      type,
      data,
      deferred: type === CallbackType.DeferredChannelMessageWithSource || type === CallbackType.DeferredUpdateMessage,
      ephemeral,
      content: '',
      embeds: [],
      components: [],
      attachments: [],
      message: null,
      followups: [],
      edits: [],
      ackMs: now - record.createdAt,
      modal: null,
    };
    record.result = result;
    const messageType = record.type === InteractionType.ApplicationCommand ? 20 : 0;
    switch (type) {
      case CallbackType.ChannelMessageWithSource: {
        const message = this.world.postMessage({
          channelId: record.channelId,
          authorId: this.store.application.botUserId,
          content: typeof data.content === 'string' ? data.content : '',
          embeds: Array.isArray(data.embeds) ? data.embeds : [],
          components: Array.isArray(data.components) ? data.components : [],
          attachments: collectAttachments(this.world, record.channelId, data.attachments, files) ?? [],
          allowedMentions: data.allowed_mentions,
          flags: flags & (MessageFlag.Ephemeral | MessageFlag.SuppressNotifications | (1 << 2) | (1 << 15)),
          tts: data.tts === true,
          type: messageType,
          interactionId: id,
          webhookId: this.store.application.id,
          ephemeral,
        });
        this.track(result, message);
        this.settle(pending, result);
        break;
      }
      case CallbackType.DeferredChannelMessageWithSource: {
        const message = this.world.postMessage({
          channelId: record.channelId,
          authorId: this.store.application.botUserId,
          flags: MessageFlag.Loading | (ephemeral ? MessageFlag.Ephemeral : 0),
          type: messageType,
          interactionId: id,
          webhookId: this.store.application.id,
          ephemeral,
        });
        this.track(result, message);
        break;
      }
      case CallbackType.DeferredUpdateMessage: {
        this.track(result, this.store.messages.get(record.sourceMessageId!) ?? null);
        break;
      }
      case CallbackType.UpdateMessage: {
        const source = this.store.messages.get(record.sourceMessageId!)!;
        this.world.editMessage(source, this.patchFrom(data, files, source));
        this.track(result, source);
        this.settle(pending, result);
        break;
      }
      case CallbackType.Modal: {
        result.modal = {
          customId: data.custom_id as string,
          title: data.title as string,
          components: data.components as unknown[],
        };
        this.modals.set(result.modal.customId, { ...result.modal, sourceMessageId: record.sourceMessageId });
        this.settle(pending, result);
        break;
      }
    }
    if (!withResponse) return { status: 204 };
    const message = result.message;
    return {
      status: 200,
      body: {
        interaction: {
          id,
          type: record.type,
          activity_instance_id: null,
          response_message_id: message?.id ?? null,
          response_message_loading: message ? (message.flags & MessageFlag.Loading) !== 0 : null,
          response_message_ephemeral: message ? message.ephemeral : null,
        },
        resource: {
          type,
          ...(message ? { message: renderMessage(this.store, message, { contentVisible: true }) } : {}),
        },
      },
    };
  }

  private track(result: InteractionResult, message: MessageRecord | null): void {
    result.message = message;
    if (!message) return;
    result.content = message.content;
    result.embeds = message.embeds;
    result.components = message.components;
    result.attachments = message.attachments;
  }

  private patchFrom(data: Record<string, unknown>, files: UploadedFile[], existing: MessageRecord) {
    return {
      ...(typeof data.content === 'string' || data.content === null
        ? { content: (data.content as string | null) ?? '' }
        : {}),
      ...(Array.isArray(data.embeds) || data.embeds === null
        ? { embeds: (data.embeds as unknown[] | null) ?? [] }
        : {}),
      ...(Array.isArray(data.components) || data.components === null
        ? { components: (data.components as unknown[] | null) ?? [] }
        : {}),
      ...(data.allowed_mentions !== undefined ? { allowedMentions: data.allowed_mentions } : {}),
      attachments: collectAttachments(this.world, existing.channelId, data.attachments, files, existing.attachments),
    };
  }

  // ---------------------------------------------------------------------------------- webhook

  private byWebhook(applicationId: string, token: string): Pending {
    const id = this.byToken.get(token);
    const pending = id ? this.pending.get(id) : undefined;
    // A failed (unacknowledged) interaction's token is dead, as on Discord.
    if (!pending || pending.record.failed || applicationId !== this.store.application.id) throw unknownWebhook();
    return pending;
  }

  private target(pending: Pending, messageId: string): MessageRecord {
    const result = pending.record.result;
    if (messageId === '@original') {
      if (!result?.message) throw unknownMessage();
      return result.message;
    }
    const followup = result?.followups.find((m) => m.id === messageId);
    if (!followup || followup.deleted) throw unknownMessage();
    return followup;
  }

  getMessage(applicationId: string, token: string, messageId: string): unknown {
    const message = this.target(this.byWebhook(applicationId, token), messageId);
    if (message.deleted) throw unknownMessage();
    return renderMessage(this.store, message, { contentVisible: true });
  }

  editMessage(
    applicationId: string,
    token: string,
    messageId: string,
    body: Record<string, unknown>,
    files: UploadedFile[],
  ): unknown {
    const pending = this.byWebhook(applicationId, token);
    const message = this.target(pending, messageId);
    if (message.deleted) throw unknownMessage();
    validateMessageBody(body, { partial: true, fileCount: files.length });
    const patch = this.patchFrom(body, files, message);
    const flags = message.flags & ~MessageFlag.Loading;
    this.world.editMessage(message, { ...patch, flags });
    const result = pending.record.result!;
    if (messageId === '@original') {
      result.edits.push({ at: Date.now(), body });
      this.track(result, message);
      this.settle(pending, result);
    }
    return renderMessage(this.store, message, { contentVisible: true });
  }

  deleteMessage(applicationId: string, token: string, messageId: string): void {
    const message = this.target(this.byWebhook(applicationId, token), messageId);
    if (message.deleted) throw unknownMessage();
    this.world.deleteMessage(message);
  }

  followUp(applicationId: string, token: string, body: Record<string, unknown>, files: UploadedFile[]): MessageRecord {
    const pending = this.byWebhook(applicationId, token);
    const record = pending.record;
    const result = record.result;
    if (!result) throw new DiscordHttpError(400, { code: 40061, message: 'Interaction has not been acknowledged' });
    validateMessageBody(body, { partial: false, fileCount: files.length });
    const original = result.message;
    // Discord: the first follow-up after a deferred reply replaces the "thinking…" message.
    if (
      result.type === CallbackType.DeferredChannelMessageWithSource &&
      original &&
      (original.flags & MessageFlag.Loading) !== 0
    ) {
      this.editMessage(applicationId, record.token, '@original', body, files);
      return original;
    }
    const flags = typeof body.flags === 'number' ? body.flags : 0;
    const message = this.world.postMessage({
      channelId: record.channelId,
      authorId: this.store.application.botUserId,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? body.embeds : [],
      components: Array.isArray(body.components) ? body.components : [],
      attachments: collectAttachments(this.world, record.channelId, body.attachments, files) ?? [],
      allowedMentions: body.allowed_mentions,
      flags: flags & MessageFlag.Ephemeral,
      interactionId: record.id,
      webhookId: this.store.application.id,
      ephemeral: (flags & MessageFlag.Ephemeral) !== 0,
    });
    result.followups.push(message);
    this.settle(pending, result);
    return message;
  }
}
