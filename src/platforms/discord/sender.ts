/**
 * Actions → Discord REST calls, through discord.js's REST client (which keeps Discord's per-route
 * buckets and the global 50/s limit and retries 429s by itself). Failures are classified for the
 * outbox: 4xx → permanent, 5xx / network → retryable.
 */
import { DiscordAPIError, HTTPError, RateLimitError, type REST, Routes } from 'discord.js';
import type { Action, MessageBody } from '../../actions.js';
import type { ChannelId } from '../../events.js';
import {
  PermanentSendError,
  type PlatformSender,
  RetryableSendError,
  type SendContext,
} from '../../outbox/platformSender.js';
import { fitText, LIMITS } from '../../text/fit.js';
import { files, messageJson, nonceFor, threadName } from './render.js';

/** Discord error code: the member does not accept DMs from this bot (closed DMs, blocked). */
const CANNOT_DM = 50007;
const PRIVATE_THREAD = 12;
/** Discord: a forum post carries at most 5 tags. */
const MAX_APPLIED_TAGS = 5;
/** How forums name the tag of each neutral tag (an emoji before the word is common: "✅ Solved"). */
const TAG_NAMES: Record<'solved', RegExp> = {
  solved: /^(?:\p{Extended_Pictographic}\uFE0F?\s*)?(?:solved|resolved)$/iu,
};

export interface DiscordSendResult {
  channelId?: string;
  messageId?: string;
  threadId?: string;
  /** Set when a DM could not be delivered and the fallback channel was used. */
  fellBack?: boolean;
}

export class DiscordSender implements PlatformSender {
  readonly platform = 'discord' as const;

  constructor(private readonly rest: REST) {}

  async send(action: Action, ctx: SendContext): Promise<DiscordSendResult> {
    try {
      return await this.perform(action, ctx);
    } catch (error) {
      throw classify(error);
    }
  }

  private async perform(action: Action, ctx: SendContext): Promise<DiscordSendResult> {
    switch (action.type) {
      case 'message.send':
        return this.post(action.channelId, action.body, ctx, action.replyTo);
      case 'dm.send': {
        try {
          const dm = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: action.memberId } })) as {
            id: string;
          };
          return await this.post(dm.id as ChannelId, action.body, ctx);
        } catch (error) {
          if (error instanceof DiscordAPIError && error.code === CANNOT_DM && action.fallbackChannelId) {
            const body: MessageBody = {
              ...action.body,
              content: fitText(`<@${action.memberId}> ${action.body.content}`, LIMITS.content),
              mentions: { members: [action.memberId] },
            };
            return { ...(await this.post(action.fallbackChannelId, body, ctx)), fellBack: true };
          }
          throw error;
        }
      }
      case 'role.add':
        await this.rest.put(Routes.guildMemberRole(ctx.guildId, action.memberId, action.roleId), {
          reason: action.reason,
        });
        return {};
      case 'role.remove':
        await this.rest.delete(Routes.guildMemberRole(ctx.guildId, action.memberId, action.roleId), {
          reason: action.reason,
        });
        return {};
      case 'thread.create':
        return this.createThread(action, ctx);
      case 'thread.tag':
        return this.tagThread(action.threadId, action.tag);
    }
  }

  /**
   * Apply the forum's tag for `tag` to a forum post (PATCH applied_tags keeps the others). A forum
   * without such a tag, a thread of a text channel, or a post already at Discord's 5 tags: nothing.
   */
  private async tagThread(threadId: ChannelId, tag: 'solved'): Promise<DiscordSendResult & { tagged?: boolean }> {
    const thread = (await this.rest.get(Routes.channel(threadId))) as { parent_id?: string; applied_tags?: string[] };
    if (!thread.parent_id) return { tagged: false };
    const forum = (await this.rest.get(Routes.channel(thread.parent_id))) as {
      available_tags?: { id: string; name: string }[];
    };
    const match = (forum.available_tags ?? []).find((t) => TAG_NAMES[tag].test(t.name.trim()));
    const applied = thread.applied_tags ?? [];
    if (!match || applied.includes(match.id) || applied.length >= MAX_APPLIED_TAGS) return { tagged: false };
    await this.rest.patch(Routes.channel(threadId), { body: { applied_tags: [...applied, match.id] } });
    return { tagged: true };
  }

  private async post(channelId: ChannelId, body: MessageBody, ctx: SendContext, replyTo?: string) {
    const json = messageJson(body, {
      // The same outbox row always sends the same nonce; Discord returns the first message for a repeat.
      nonce: nonceFor(ctx.id),
      enforce_nonce: true,
      ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
    });
    const message = (await this.rest.post(Routes.channelMessages(channelId), { body: json, files: files(body) })) as {
      id: string;
      channel_id: string;
    };
    return { channelId: message.channel_id, messageId: message.id };
  }

  /**
   * Three steps (create, add members, post); thread creation is not idempotent on Discord, so each
   * step is checkpointed in the outbox row and a retry continues where the last attempt stopped.
   */
  private async createThread(action: Extract<Action, { type: 'thread.create' }>, ctx: SendContext) {
    const progress = (ctx.progress ?? {}) as { threadId?: string; added?: string[] };
    let threadId = progress.threadId;
    if (!threadId) {
      const thread = (await this.rest.post(Routes.threads(action.channelId), {
        body: { name: threadName(action.name), type: PRIVATE_THREAD, invitable: false },
      })) as { id: string };
      threadId = thread.id;
      ctx.checkpoint({ threadId, added: [] });
    }
    const added = new Set(progress.added ?? []);
    for (const memberId of action.memberIds) {
      if (added.has(memberId)) continue;
      await this.rest.put(Routes.threadMembers(threadId, memberId));
      added.add(memberId);
      ctx.checkpoint({ threadId, added: [...added] });
    }
    const posted = await this.post(threadId as ChannelId, action.body, ctx);
    return { ...posted, threadId };
  }
}

function classify(error: unknown): Error {
  if (error instanceof PermanentSendError || error instanceof RetryableSendError) return error;
  if (error instanceof RateLimitError) return new RetryableSendError(error.message, error.retryAfter);
  if (error instanceof DiscordAPIError) {
    if (error.status === 429 || error.status >= 500) return new RetryableSendError(`${error.status} ${error.message}`);
    return new PermanentSendError(`${error.status} ${error.code}: ${error.message}`);
  }
  if (error instanceof HTTPError) {
    return error.status >= 500 || error.status === 429
      ? new RetryableSendError(`${error.status} ${error.message}`)
      : new PermanentSendError(`${error.status} ${error.message}`);
  }
  return new RetryableSendError(error instanceof Error ? error.message : String(error));
}
