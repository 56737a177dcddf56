/**
 * Actions → Discord REST calls, through discord.js's REST client (which keeps Discord's per-route
 * buckets and the global 50/s limit and retries 429s by itself). Failures are classified for the
 * outbox: 4xx → permanent, 5xx / network → retryable.
 */
import { DiscordAPIError, HTTPError, RateLimitError, type REST, Routes } from 'discord.js';
import type { Action, MessageBody } from '../../actions.js';
import type { Database } from '../../db/database.js';
import type { ChannelId } from '../../events.js';
import {
  PermanentSendError,
  type PlatformSender,
  RetryableSendError,
  type SendContext,
} from '../../outbox/platformSender.js';
import { fitText, LIMITS } from '../../text/fit.js';
import { botIdOf, findCreatedThread, findPosted, type PostNote } from './lookBack.js';
import { files, messageJson, nonceFor, threadName } from './render.js';
import type { RestReach } from './restReach.js';
import { recordSent, sentNonces } from './sentNotes.js';

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

  private readonly botId: () => Promise<string>;
  /** The last post queued per channel (oneAtATime). */
  private readonly channelTurns = new Map<string, Promise<void>>();

  constructor(
    private readonly rest: REST,
    /** Where the sent notes go (the outbox's database, either engine). */
    private readonly db: Database,
    /** For requests that must not be repeated blindly (thread creation): no retries of its own. */
    private readonly noRetryRest: REST = rest,
    /** Watches whether the REST proxy answers (only when there is one). */
    private readonly reach: RestReach | null = null,
  ) {
    this.botId = botIdOf(rest);
  }

  async send(action: Action, ctx: SendContext): Promise<DiscordSendResult> {
    try {
      const result = await this.perform(action, ctx);
      this.reach?.observe(null);
      return result;
    } catch (error) {
      this.reach?.observe(error);
      throw this.reach?.unreachable(error) ?? classify(error);
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
    const nonce = nonceFor(ctx.id);
    const json = messageJson(body, {
      // The same outbox row always sends the same nonce; Discord returns the first message for a repeat
      // within its nonce window. After the window, the note below lets a retry look for it first.
      nonce,
      enforce_nonce: true,
      ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
    });
    return this.oneAtATime(channelId, async () => {
      const progress = progressOf(ctx);
      const note = progress.posting;
      if (note && note.channelId === channelId) {
        const shape = {
          content: json.content ?? '',
          nonce,
          embeds: json.embeds?.length ?? 0,
          files: files(body).length,
        };
        const found = await findPosted(this.rest, await this.botId(), note, shape, (ids) => sentNonces(this.db, ids));
        if (found) {
          await recordSent(this.db, { messageId: found.id, channelId: found.channel_id, nonce }, Date.now());
          return { channelId: found.channel_id, messageId: found.id };
        }
      }
      // Noted before the request: if we die before recording the result, a retry knows to look first.
      progress.posting = { channelId, at: Date.now() };
      await ctx.checkpoint(progress);
      const message = (await this.rest.post(Routes.channelMessages(channelId), { body: json, files: files(body) })) as {
        id: string;
        channel_id: string;
      };
      await recordSent(this.db, { messageId: message.id, channelId: message.channel_id, nonce }, Date.now());
      return { channelId: message.channel_id, messageId: message.id };
    });
  }

  /**
   * One post per channel at a time (Discord allows about 5 per 5 s per channel anyway). Then at most
   * one message of this process in a channel can be unrecorded when it dies, and a retry that looks
   * back cannot take an identical message of another row (two digests) for its own.
   */
  private oneAtATime<T>(channelId: string, work: () => Promise<T>): Promise<T> {
    const before = this.channelTurns.get(channelId) ?? Promise.resolve();
    const mine = before.then(work, work);
    const turn = mine.then(
      () => {},
      () => {},
    );
    this.channelTurns.set(channelId, turn);
    void turn.then(() => {
      if (this.channelTurns.get(channelId) === turn) this.channelTurns.delete(channelId);
    });
    return mine;
  }

  /**
   * Three steps (create, add members, post); thread creation is not idempotent on Discord, so each
   * step is noted in the outbox row before it is taken and its result recorded after: a retry
   * continues where the last attempt stopped, and first looks for a thread it may have created.
   */
  private async createThread(action: Extract<Action, { type: 'thread.create' }>, ctx: SendContext) {
    const progress = progressOf(ctx);
    const name = threadName(action.name);
    if (!progress.threadId && progress.creatingSince !== undefined) {
      const found = await findCreatedThread(
        this.rest,
        ctx.guildId,
        await this.botId(),
        action.channelId,
        name,
        progress.creatingSince,
      );
      if (found) {
        progress.threadId = found;
        await ctx.checkpoint(progress);
      }
    }
    if (!progress.threadId) {
      progress.creatingSince = Date.now();
      await ctx.checkpoint(progress);
      const thread = (await this.noRetryRest.post(Routes.threads(action.channelId), {
        body: { name, type: PRIVATE_THREAD, invitable: false },
      })) as { id: string };
      progress.threadId = thread.id;
      progress.added = [];
      await ctx.checkpoint(progress);
    }
    const threadId = progress.threadId;
    const added = new Set(progress.added ?? []);
    for (const memberId of action.memberIds) {
      if (added.has(memberId)) continue;
      await this.rest.put(Routes.threadMembers(threadId, memberId));
      added.add(memberId);
      progress.added = [...added];
      await ctx.checkpoint(progress);
    }
    const posted = await this.post(threadId as ChannelId, action.body, ctx);
    return { ...posted, threadId };
  }
}

/** What earlier attempts of a row noted (SendContext.progress), as one object this attempt adds to. */
interface Progress {
  threadId?: string;
  added?: string[];
  /** A thread was about to be created at this time (its id not recorded yet). */
  creatingSince?: number;
  /** A message was about to be posted here at this time. */
  posting?: PostNote;
}

function progressOf(ctx: SendContext): Progress {
  // The thread steps and the post share the row's progress: one object per attempt.
  let progress = attemptProgress.get(ctx);
  if (!progress) {
    const saved = ctx.progress;
    progress = saved && typeof saved === 'object' ? { ...(saved as Progress) } : {};
    attemptProgress.set(ctx, progress);
  }
  return progress;
}

const attemptProgress = new WeakMap<SendContext, Progress>();

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
