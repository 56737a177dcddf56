/** Channels, messages (create/list/get/edit/delete), reactions, DMs, threads and thread members. */
import {
  cannotDm,
  DiscordHttpError,
  invalidFormBody,
  missingPermissions,
  threadArchived,
  unknownEmoji,
  unknownMember,
  unknownMessage,
  unknownUser,
} from '../errors.js';
import { type ChannelRecord, ChannelType, MessageFlag, type MessageRecord, type MessageReference } from '../model.js';
import { Permission } from '../permissions.js';
import { renderChannel, renderMessage, renderThreadMember, renderUser } from '../render.js';
import type { RestRequest, Router } from '../router.js';
import { compareIds } from '../snowflake.js';
import { collectAttachments } from '../uploads.js';
import { validateMessageBody } from '../validation.js';
import { botId, botPermissionsIn, intQuery, type RestContext, requireChannel, requirePermission } from './context.js';

/** Flags a bot may set on a new message: SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2. */
const CREATE_FLAGS = (1 << 2) | MessageFlag.SuppressNotifications | (1 << 15);

const wrongChannelType = () =>
  new DiscordHttpError(400, { code: 50024, message: 'Cannot execute action on this channel type' });
const notText = () => new DiscordHttpError(400, { code: 50008, message: 'Cannot send messages in a non-text channel' });
const cannotEditOthers = () =>
  new DiscordHttpError(403, { code: 50005, message: 'Cannot edit a message authored by another user' });
const threadAlreadyCreated = () =>
  new DiscordHttpError(400, { code: 160004, message: 'A thread has already been created for this message' });
const invalidRecipient = () => new DiscordHttpError(400, { code: 50033, message: 'Invalid Recipient(s)' });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTextLike(channel: ChannelRecord): boolean {
  return channel.type === ChannelType.GuildText || channel.type === ChannelType.DM || channel.thread !== undefined;
}

export function channelRoutes(router: Router, ctx: RestContext): void {
  const { store, world } = ctx;
  /** enforce_nonce: "channel:author:nonce" -> first message (Discord keeps nonces for a few minutes). */
  const nonces = new Map<string, { at: number; message: MessageRecord }>();

  const render = (message: MessageRecord) =>
    renderMessage(store, message, {
      contentVisible: world.contentVisibleToBot(message, store.application.privilegedIntents.messageContent),
      withReferenced: true,
    });

  const requireMessage = (channel: ChannelRecord, messageId: string): MessageRecord => {
    const message = store.message(channel.id, messageId);
    if (!message || message.ephemeral) throw unknownMessage();
    return message;
  };

  /** Checks for posting into a channel; also reopens an archived (not locked) thread, as Discord does. */
  const checkCanPost = (channel: ChannelRecord, fileCount: number) => {
    if (!isTextLike(channel)) throw notText();
    if (channel.type === ChannelType.DM) {
      const recipient = store.user(channel.recipientId!)!;
      const sharesGuild = [...store.guilds.values()].some(
        (g) => g.members.has(recipient.id) && g.members.has(botId(ctx)),
      );
      // Discord: 50007 when the member closed DMs, is a bot, or shares no server with us.
      if (!recipient.dmsOpen || recipient.bot || !sharesGuild) throw cannotDm();
      return;
    }
    requirePermission(ctx, channel, channel.thread ? Permission.SendMessagesInThreads : Permission.SendMessages);
    if (fileCount > 0) requirePermission(ctx, channel, Permission.AttachFiles);
    if (channel.thread?.archived) {
      if (channel.thread.locked && !(botPermissionsIn(ctx, channel) & Permission.ManageThreads)) throw threadArchived();
      world.updateThread(channel, { archived: false });
    }
  };

  const referenceFrom = (channel: ChannelRecord, raw: unknown): MessageReference | null => {
    if (!isObject(raw)) return null;
    const channelId = typeof raw.channel_id === 'string' ? raw.channel_id : channel.id;
    const messageId = String(raw.message_id ?? '');
    const target = store.message(channelId, messageId);
    if (!target || target.ephemeral) {
      if (raw.fail_if_not_exists === false) return null;
      throw invalidFormBody([
        { path: ['message_reference'], code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' },
      ]);
    }
    return {
      messageId: target.id,
      channelId,
      guildId: target.guildId,
      failIfNotExists: raw.fail_if_not_exists !== false,
    };
  };

  const createMessage = (channel: ChannelRecord, req: Pick<RestRequest, 'body' | 'files'>, id?: string) => {
    const body = req.body;
    const attachments = collectAttachments(world, channel.id, body.attachments, req.files) ?? [];
    return world.postMessage({
      ...(id ? { id } : {}),
      channelId: channel.id,
      authorId: botId(ctx),
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? body.embeds : [],
      components: Array.isArray(body.components) ? body.components : [],
      attachments,
      reference: referenceFrom(channel, body.message_reference),
      allowedMentions: body.allowed_mentions,
      nonce: body.nonce === undefined || body.nonce === null ? null : String(body.nonce),
      flags: (typeof body.flags === 'number' ? body.flags : 0) & CREATE_FLAGS,
      tts: body.tts === true,
    });
  };

  // ---------------------------------------------------------------------------------- channels

  router.get('/channels/:channel_id', (req) => ({
    status: 200,
    body: renderChannel(store, requireChannel(ctx, req.params.channel_id!)),
  }));

  router.patch('/channels/:channel_id', (req) => {
    const channel = requireChannel(ctx, req.params.channel_id!);
    const body = req.body;
    if (channel.thread) {
      const perms = botPermissionsIn(ctx, channel);
      const manages = (perms & Permission.ManageThreads) !== 0n;
      const owns = channel.thread.ownerId === botId(ctx);
      if (!manages && (!owns || body.locked !== undefined)) throw missingPermissions();
      let appliedTags: string[] | undefined;
      if (Array.isArray(body.applied_tags)) {
        const parent = store.channel(channel.parentId!)!;
        appliedTags = (body.applied_tags as unknown[]).map(String);
        const unknownTag = appliedTags.find((t) => !parent.availableTags.some((tag) => tag.id === t));
        if (unknownTag || appliedTags.length > 5) {
          throw invalidFormBody([{ path: ['applied_tags'], code: 'BASE_TYPE_CHOICES', message: 'Invalid tag' }]);
        }
      }
      const meta = isObject(body.thread_metadata) ? body.thread_metadata : body;
      world.updateThread(channel, {
        ...(typeof body.name === 'string' ? { name: body.name } : {}),
        ...(typeof meta.archived === 'boolean' ? { archived: meta.archived } : {}),
        ...(typeof meta.locked === 'boolean' ? { locked: meta.locked } : {}),
        ...(appliedTags ? { appliedTags } : {}),
      });
      return { status: 200, body: renderChannel(store, channel) };
    }
    requirePermission(ctx, channel, Permission.ManageChannels);
    world.updateChannel(channel, {
      ...(typeof body.name === 'string' ? { name: body.name } : {}),
      ...(typeof body.topic === 'string' || body.topic === null ? { topic: body.topic as string | null } : {}),
    });
    return { status: 200, body: renderChannel(store, channel) };
  });

  router.post('/channels/:channel_id/typing', (req) => {
    requireChannel(ctx, req.params.channel_id!);
    return { status: 204 };
  });

  // ---------------------------------------------------------------------------------- messages

  router.get('/channels/:channel_id/messages', (req) => {
    const channel = requireChannel(ctx, req.params.channel_id!);
    const limit = intQuery(req.query, 'limit', 50, 1, 100);
    // Discord: without READ_MESSAGE_HISTORY the list is simply empty.
    if (channel.guildId && !(botPermissionsIn(ctx, channel) & Permission.ReadMessageHistory)) {
      return { status: 200, body: [] };
    }
    const all = store.history(channel.id);
    const before = req.query.get('before');
    const after = req.query.get('after');
    const around = req.query.get('around');
    let page: MessageRecord[];
    if (around) {
      const index = all.findIndex((m) => compareIds(m.id, around) >= 0);
      const start = Math.max(0, (index === -1 ? all.length : index) - Math.floor(limit / 2));
      page = all.slice(start, start + limit);
    } else if (before) {
      page = all.filter((m) => compareIds(m.id, before) < 0).slice(-limit);
    } else if (after) {
      page = all.filter((m) => compareIds(m.id, after) > 0).slice(0, limit);
    } else {
      page = all.slice(-limit);
    }
    // Discord: a listed message carries no nonce (only the create response and MESSAGE_CREATE do).
    return { status: 200, body: page.reverse().map((m) => withoutNonce(render(m))) };
  });

  router.get('/channels/:channel_id/messages/:message_id', (req) => {
    const channel = requireChannel(ctx, req.params.channel_id!);
    if (channel.guildId && !(botPermissionsIn(ctx, channel) & Permission.ReadMessageHistory))
      throw missingPermissions();
    return { status: 200, body: render(requireMessage(channel, req.params.message_id!)) };
  });

  router.post('/channels/:channel_id/messages', (req) => {
    const channel = requireChannel(ctx, req.params.channel_id!);
    validateMessageBody(req.body, { partial: false, fileCount: req.files.length });
    checkCanPost(channel, req.files.length);
    const nonce = req.body.nonce;
    const nonceKey =
      req.body.enforce_nonce === true && nonce !== undefined && nonce !== null
        ? `${channel.id}:${botId(ctx)}:${String(nonce)}`
        : null;
    const now = Date.now();
    if (nonceKey) {
      const prior = nonces.get(nonceKey);
      if (prior && now - prior.at < ctx.nonceWindowMs) return { status: 200, body: render(prior.message) };
    }
    const message = createMessage(channel, req);
    if (nonceKey) {
      for (const [key, entry] of nonces) if (now - entry.at >= ctx.nonceWindowMs) nonces.delete(key);
      nonces.set(nonceKey, { at: now, message });
    }
    return { status: 200, body: render(message) };
  });

  router.patch('/channels/:channel_id/messages/:message_id', (req) => {
    const channel = requireChannel(ctx, req.params.channel_id!);
    const message = requireMessage(channel, req.params.message_id!);
    validateMessageBody(req.body, { partial: true, fileCount: req.files.length });
    const body = req.body;
    const onlyFlags = Object.keys(body).every((k) => k === 'flags');
    if (message.authorId !== botId(ctx) && !onlyFlags) throw cannotEditOthers();
    const attachments = collectAttachments(world, channel.id, body.attachments, req.files, message.attachments);
    world.editMessage(message, {
      ...('content' in body ? { content: typeof body.content === 'string' ? body.content : '' } : {}),
      ...('embeds' in body ? { embeds: Array.isArray(body.embeds) ? body.embeds : [] } : {}),
      ...('components' in body ? { components: Array.isArray(body.components) ? body.components : [] } : {}),
      ...(attachments ? { attachments } : {}),
      ...(typeof body.flags === 'number' ? { flags: body.flags & CREATE_FLAGS } : {}),
      ...('allowed_mentions' in body ? { allowedMentions: body.allowed_mentions } : {}),
    });
    return { status: 200, body: render(message) };
  });

  router.delete('/channels/:channel_id/messages/:message_id', (req) => {
    const channel = requireChannel(ctx, req.params.channel_id!);
    const message = requireMessage(channel, req.params.message_id!);
    if (message.authorId !== botId(ctx)) requirePermission(ctx, channel, Permission.ManageMessages);
    world.deleteMessage(message);
    return { status: 204 };
  });

  // --------------------------------------------------------------------------------- reactions

  const parseEmoji = (raw: string): { id: string | null; name: string } => {
    // Custom emojis come as name:id; the sandbox has none, so Discord would not know them either.
    if (/^(?:a:)?[\w~-]+:\d+$/.test(raw)) throw unknownEmoji();
    if (raw === '' || /^[\w\s:~-]*$/.test(raw)) throw unknownEmoji();
    return { id: null, name: raw };
  };

  const reactionTarget = (req: RestRequest) => {
    const channel = requireChannel(ctx, req.params.channel_id!);
    if (channel.guildId && !(botPermissionsIn(ctx, channel) & Permission.ReadMessageHistory))
      throw missingPermissions();
    return { channel, message: requireMessage(channel, req.params.message_id!), emoji: parseEmoji(req.params.emoji!) };
  };

  router.put('/channels/:channel_id/messages/:message_id/reactions/:emoji/@me', (req) => {
    const { channel, message, emoji } = reactionTarget(req);
    const exists = message.reactions.some((r) => r.emoji.name === emoji.name);
    if (!exists) requirePermission(ctx, channel, Permission.AddReactions);
    world.react(message, botId(ctx), emoji, true);
    return { status: 204 };
  });

  router.delete('/channels/:channel_id/messages/:message_id/reactions/:emoji/@me', (req) => {
    const { message, emoji } = reactionTarget(req);
    world.react(message, botId(ctx), emoji, false);
    return { status: 204 };
  });

  router.delete('/channels/:channel_id/messages/:message_id/reactions/:emoji/:user_id', (req) => {
    const { channel, message, emoji } = reactionTarget(req);
    requirePermission(ctx, channel, Permission.ManageMessages);
    world.react(message, req.params.user_id!, emoji, false);
    return { status: 204 };
  });

  // Discord lists reacting users in id order, `limit` (1-100, default 25) at a time `after` a user
  // id; type 1 lists super-reactions, which the sandbox has none of.
  router.get('/channels/:channel_id/messages/:message_id/reactions/:emoji', (req) => {
    const { message, emoji } = reactionTarget(req);
    const reaction = message.reactions.find((r) => r.emoji.name === emoji.name);
    const limit = intQuery(req.query, 'limit', 25, 1, 100);
    const after = req.query.get('after');
    if (req.query.get('type') === '1') return { status: 200, body: [] };
    const users = [...(reaction?.userIds ?? [])]
      .sort(compareIds)
      .filter((id) => !after || compareIds(id, after) > 0)
      .slice(0, limit)
      .map((id) => renderUser(store.user(id)!));
    return { status: 200, body: users };
  });

  // --------------------------------------------------------------------------------------- DMs

  router.post('/users/@me/channels', (req) => {
    const recipientId = req.body.recipient_id;
    if (typeof recipientId !== 'string') {
      throw invalidFormBody([
        { path: ['recipient_id'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' },
      ]);
    }
    if (!store.user(recipientId)) throw invalidRecipient();
    return { status: 200, body: renderChannel(store, world.openDm(recipientId)) };
  });

  // ----------------------------------------------------------------------------------- threads

  const threadName = (body: Record<string, unknown>): string => {
    const name = body.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 100) {
      throw invalidFormBody([
        { path: ['name'], code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' },
      ]);
    }
    return name;
  };
  const archiveDuration = (body: Record<string, unknown>) =>
    [60, 1440, 4320, 10080].includes(body.auto_archive_duration as number)
      ? (body.auto_archive_duration as number)
      : undefined;

  router.post('/channels/:channel_id/threads', (req) => {
    const parent = requireChannel(ctx, req.params.channel_id!);
    const name = threadName(req.body);
    if (parent.type === ChannelType.GuildForum) {
      requirePermission(ctx, parent, Permission.SendMessages);
      const starter = req.body.message;
      if (!isObject(starter)) {
        throw invalidFormBody([{ path: ['message'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
      }
      validateMessageBody(starter, { partial: false, fileCount: req.files.length });
      const appliedTags = Array.isArray(req.body.applied_tags) ? (req.body.applied_tags as unknown[]).map(String) : [];
      if (appliedTags.some((t) => !parent.availableTags.some((tag) => tag.id === t)) || appliedTags.length > 5) {
        throw invalidFormBody([{ path: ['applied_tags'], code: 'BASE_TYPE_CHOICES', message: 'Invalid tag' }]);
      }
      const thread = world.createThread({
        parentId: parent.id,
        ownerId: botId(ctx),
        name,
        type: ChannelType.PublicThread,
        appliedTags,
        autoArchiveDuration: archiveDuration(req.body),
      });
      // Discord: a forum post's starter message has the thread's id.
      const message = createMessage(thread, { body: starter, files: req.files }, thread.id);
      return { status: 201, body: { ...renderChannel(store, thread), message: render(message) } };
    }
    if (parent.type !== ChannelType.GuildText) throw wrongChannelType();
    const type = req.body.type === ChannelType.PublicThread ? ChannelType.PublicThread : ChannelType.PrivateThread;
    requirePermission(
      ctx,
      parent,
      type === ChannelType.PublicThread ? Permission.CreatePublicThreads : Permission.CreatePrivateThreads,
    );
    const thread = world.createThread({
      parentId: parent.id,
      ownerId: botId(ctx),
      name,
      type,
      autoArchiveDuration: archiveDuration(req.body),
      invitable: req.body.invitable !== false,
    });
    return { status: 201, body: renderChannel(store, thread) };
  });

  router.post('/channels/:channel_id/messages/:message_id/threads', (req) => {
    const parent = requireChannel(ctx, req.params.channel_id!);
    if (parent.type !== ChannelType.GuildText) throw wrongChannelType();
    const message = requireMessage(parent, req.params.message_id!);
    const name = threadName(req.body);
    if (message.threadId) throw threadAlreadyCreated();
    requirePermission(ctx, parent, Permission.CreatePublicThreads);
    const thread = world.createThread({
      parentId: parent.id,
      ownerId: botId(ctx),
      name,
      type: ChannelType.PublicThread,
      fromMessageId: message.id,
      autoArchiveDuration: archiveDuration(req.body),
    });
    return { status: 201, body: renderChannel(store, thread) };
  });

  const addThreadMember = (req: RestRequest, userId: string) => {
    const thread = requireChannel(ctx, req.params.channel_id!);
    if (!thread.thread) throw wrongChannelType();
    if (thread.thread.archived) throw threadArchived();
    if (!store.member(thread.guildId!, userId)) throw unknownMember();
    if (userId !== botId(ctx)) requirePermission(ctx, thread, Permission.SendMessagesInThreads);
    world.addThreadMember(thread, userId);
    return { status: 204 };
  };
  router.put('/channels/:channel_id/thread-members/@me', (req) => addThreadMember(req, botId(ctx)));
  router.put('/channels/:channel_id/thread-members/:user_id', (req) => {
    if (!store.user(req.params.user_id!)) throw unknownUser();
    return addThreadMember(req, req.params.user_id!);
  });

  router.get('/channels/:channel_id/thread-members', (req) => {
    const thread = requireChannel(ctx, req.params.channel_id!);
    if (!thread.thread) throw wrongChannelType();
    return {
      status: 200,
      body: [...thread.thread.members].map(([userId, at]) => renderThreadMember(thread.id, userId, at)),
    };
  });
}

function withoutNonce<T extends { nonce?: unknown }>(message: T): Omit<T, 'nonce'> {
  const { nonce: _nonce, ...rest } = message;
  return rest;
}
