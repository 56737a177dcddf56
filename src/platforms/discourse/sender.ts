/**
 * Actions → Discourse calls, for the outbox drain.
 *   message.send  → a reply in the topic (channel id = topic id), or a new topic when the channel is a
 *                   category ("category:4": digests);
 *   dm.send       → a private message (falling back to a mention in `fallbackChannelId` if refused);
 *   role.add/remove → group membership (role id = group id), or a badge for "badge:<id>";
 *   thread.create → one private message to all the members.
 * Attachments are uploaded first and checkpointed, so a retry does not upload them twice.
 */
import type { Action, MessageBody } from '../../actions.js';
import type { Database } from '../../db/database.js';
import type { GuildId } from '../../events.js';
import { LeaseLostError } from '../../lease.js';
import type { Logger } from '../../log.js';
import {
  PermanentSendError,
  type PlatformSender,
  RetryableSendError,
  type SendContext,
} from '../../outbox/platformSender.js';
import { type DiscourseClient, DiscourseRequestError, type Post } from './client.js';
import { parseChannelId, parseRoleId } from './ids.js';
import {
  channelIdsIn,
  fitMinimum,
  MIN_PM_POST_LENGTH,
  MIN_POST_LENGTH,
  MIN_TOPIC_TITLE,
  type RenderContext,
  renderBody,
  titleFor,
  type UploadedFile,
} from './render.js';
import { channelNames, postNumberOf, usernamesOf, writeIndex } from './store.js';

export interface DiscourseSendResult {
  postId: string;
  topicId: string;
  /** Same ids in the names other platforms use, for features that read results generically. */
  messageId: string;
  channelId: string;
}

interface Progress {
  uploads?: Record<string, UploadedFile>;
}

const MEMBER_TOKEN = /<@!?([^>\s&][^>\s]*)>/g;
const ROLE_TOKEN = /<@&([^>\s]+)>/g;

/** Discourse refuses a repeat of a recent post ("Body is too similar to what you recently posted"). */
const TOO_SIMILAR = /too similar/i;

export class DiscourseSender implements PlatformSender {
  readonly platform = 'discourse' as const;
  private groupNames: Map<string, string> | null = null;
  /** Signs a reply too short for Discourse's minimum post length. */
  private readonly signature = 'Convene';

  constructor(
    private readonly db: Database,
    private readonly client: DiscourseClient,
    private readonly guildId: GuildId,
    private readonly log: Logger,
    private readonly siteName = 'Convene',
    /** Command paths, so feature text naming "/nudges off" reads "@convene nudges off" on the forum. */
    private readonly commandNames: readonly string[] = [],
  ) {}

  async send(action: Action, ctx: SendContext): Promise<unknown> {
    switch (action.type) {
      case 'message.send':
        return this.sendMessage(action.channelId, action.body, action.replyTo, ctx);
      case 'dm.send':
        return this.sendDm(action.memberId, action.body, action.fallbackChannelId, ctx);
      case 'role.add':
      case 'role.remove':
        return this.changeRole(action.type === 'role.add', action.memberId, action.roleId, action.reason);
      case 'thread.create':
        return this.createPrivateThread(action.name, action.memberIds, action.body, ctx);
      case 'thread.tag':
        // A forum topic's solved state is the Solved plugin's accepted answer, which the forum
        // already reports to us; tags may be off or restricted to staff there. Nothing to send.
        return {};
    }
  }

  private async sendMessage(
    channelId: string,
    body: MessageBody,
    replyTo: string | undefined,
    ctx: SendContext,
  ): Promise<DiscourseSendResult | { duplicate: true }> {
    const ref = parseChannelId(channelId);
    if (!ref) throw new PermanentSendError(`"${channelId}" is not a Discourse topic or category id`);
    const render = await this.renderContext(body, ctx);
    const raw = fitMinimum(renderBody(body, render), MIN_POST_LENGTH, this.signature);
    return this.posting(ctx, async () => {
      if (ref.kind === 'category') {
        return this.client.createTopic(titleFor(body, render, MIN_TOPIC_TITLE, this.siteName), raw, ref.id);
      }
      return this.client.reply(ref.id, raw, replyTo ? await this.postNumber(replyTo, ref.id) : undefined);
    });
  }

  private async sendDm(
    memberId: string,
    body: MessageBody,
    fallbackChannelId: string | undefined,
    ctx: SendContext,
  ): Promise<unknown> {
    const username = await this.username(memberId);
    const render = await this.renderContext(body, ctx);
    try {
      return await this.posting(ctx, () =>
        this.client.privateMessage(
          [username],
          titleFor(body, render, 2, this.siteName),
          fitMinimum(renderBody(body, render), MIN_PM_POST_LENGTH, this.signature),
        ),
      );
    } catch (error) {
      // The member does not accept PMs (Discourse answers 4xx): say it where they will see it instead.
      if (!(error instanceof DiscourseRequestError) || !fallbackChannelId) throw error;
      this.log.info({ memberId, status: error.status }, 'discourse: PM refused, posting in the fallback topic');
      const mentioned: MessageBody = {
        ...body,
        content: `<@${memberId}> ${body.content}`,
        mentions: { ...body.mentions, members: [...(body.mentions?.members ?? []), memberId as never] },
      };
      return this.sendMessage(fallbackChannelId, mentioned, undefined, ctx);
    }
  }

  private async changeRole(add: boolean, memberId: string, roleId: string, reason: string | undefined) {
    const ref = parseRoleId(roleId);
    if (!ref) throw new PermanentSendError(`"${roleId}" is not a Discourse group or badge id`);
    const username = await this.username(memberId);
    if (ref.kind === 'group') {
      try {
        const result = add
          ? await this.client.addGroupMembers(ref.id, [username])
          : await this.client.removeGroupMembers(ref.id, [username]);
        return { groupId: String(ref.id), usernames: result.usernames };
      } catch (error) {
        // Adding someone who is already a member is a 422 on Discourse: the goal is reached.
        if (add && error instanceof DiscourseRequestError && error.status === 422 && /already/i.test(error.message)) {
          return { groupId: String(ref.id), usernames: [username], already: true };
        }
        throw error;
      }
    }
    if (add) {
      const granted = await this.client.grantBadge(username, ref.id, reason);
      return { badgeId: String(ref.id), userBadgeId: String(granted.id) };
    }
    const held = (await this.client.userBadges(username)).filter((b) => b.badge_id === ref.id);
    for (const badge of held) await this.client.revokeBadge(badge.id);
    return { badgeId: String(ref.id), revoked: held.length };
  }

  private async createPrivateThread(name: string, memberIds: readonly string[], body: MessageBody, ctx: SendContext) {
    if (memberIds.length === 0) throw new PermanentSendError('thread.create needs at least one member');
    const indexed = await usernamesOf(this.db, this.guildId, memberIds);
    const usernames: string[] = [];
    for (const id of memberIds) usernames.push(await this.username(id, indexed));
    const render = await this.renderContext(body, ctx);
    const title = titleFor({ content: name }, render, 2, this.siteName);
    const result = await this.posting(ctx, () =>
      this.client.privateMessage(
        usernames,
        title,
        fitMinimum(renderBody(body, render), MIN_PM_POST_LENGTH, this.signature),
      ),
    );
    return 'duplicate' in result ? result : { ...result, threadId: result.topicId };
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** One POST /posts.json; a "too similar" refusal on a retry means the first attempt got through. */
  private async posting(
    ctx: SendContext,
    create: () => Promise<Post>,
  ): Promise<DiscourseSendResult | { duplicate: true }> {
    try {
      const post = await create();
      return {
        postId: String(post.id),
        topicId: String(post.topic_id),
        messageId: String(post.id),
        channelId: String(post.topic_id),
      };
    } catch (error) {
      if (
        ctx.attempt > 1 &&
        error instanceof DiscourseRequestError &&
        error.status === 422 &&
        TOO_SIMILAR.test(error.message)
      ) {
        this.log.warn({ key: ctx.key }, 'discourse: post already made by an earlier attempt');
        return { duplicate: true };
      }
      throw error;
    }
  }

  private async postNumber(postId: string, topicId: number): Promise<number | undefined> {
    const known = await postNumberOf(this.db, this.guildId, postId);
    if (known) return known.postNumber;
    try {
      const post = await this.client.post(Number(postId));
      return post.topic_id === topicId ? post.post_number : undefined;
    } catch (error) {
      // A deleted post: reply to the topic instead of failing the whole message.
      if (error instanceof DiscourseRequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** A member's username: our index, else the admin API by id (and remembered). */
  private async username(memberId: string, indexed?: ReadonlyMap<string, string>): Promise<string> {
    const known = (indexed ?? (await usernamesOf(this.db, this.guildId, [memberId]))).get(memberId);
    if (known) return known;
    if (!/^-?\d+$/.test(memberId)) throw new PermanentSendError(`"${memberId}" is not a Discourse user id`);
    try {
      const user = await this.client.userById(Number(memberId));
      await writeIndex(
        this.db,
        this.guildId,
        { posts: [], users: [{ userId: memberId, username: user.username }] },
        Date.now(),
      );
      return user.username;
    } catch (error) {
      if (error instanceof DiscourseRequestError && error.status === 404) {
        throw new PermanentSendError(`unknown Discourse user ${memberId}`);
      }
      throw error;
    }
  }

  private async groupName(roleId: string): Promise<string | undefined> {
    if (!this.groupNames?.has(roleId)) {
      const groups = await this.client.groups();
      this.groupNames = new Map(groups.map((g) => [String(g.id), g.name]));
    }
    return this.groupNames.get(roleId);
  }

  /** Everything renderBody needs, resolved ahead (usernames, group names, channel names, uploads). */
  private async renderContext(body: MessageBody, ctx: SendContext): Promise<RenderContext> {
    const texts = [
      body.content,
      ...(body.embeds ?? []).flatMap((e) => [
        e.title ?? '',
        e.description ?? '',
        e.footer ?? '',
        ...(e.fields ?? []).flatMap((f) => [f.name, f.value]),
      ]),
    ];
    const memberIds = texts.flatMap((text) => [...text.matchAll(MEMBER_TOKEN)].map((match) => match[1]!));
    const indexed = await usernamesOf(this.db, this.guildId, memberIds);
    const names = await channelNames(this.db, this.guildId, texts.flatMap(channelIdsIn));
    const usernames = new Map<string, string>();
    const groups = new Map<string, string>();
    for (const text of texts) {
      for (const match of text.matchAll(MEMBER_TOKEN)) {
        const id = match[1]!;
        if (usernames.has(id)) continue;
        try {
          usernames.set(id, await this.username(id, indexed));
        } catch (error) {
          // An unknown member is written as "someone" rather than failing the whole message.
          if (!(error instanceof PermanentSendError)) throw error;
        }
      }
      for (const match of text.matchAll(ROLE_TOKEN)) {
        const name = parseRoleId(match[1]!)?.kind === 'group' ? await this.groupName(match[1]!) : undefined;
        if (name) groups.set(match[1]!, name);
      }
    }
    return {
      baseUrl: this.client.baseUrl,
      usernameOf: (id) => usernames.get(id),
      groupNameOf: (id) => groups.get(id),
      botUsername: this.client.apiUsername,
      commands: this.commandNames,
      channelNameOf: (channelId) => names.get(channelId),
      uploads: await this.uploadAttachments(body, ctx),
    };
  }

  private async uploadAttachments(body: MessageBody, ctx: SendContext): Promise<Map<string, UploadedFile>> {
    const progress: Progress = (ctx.progress as Progress | null) ?? {};
    const uploads = new Map(Object.entries(progress.uploads ?? {}));
    for (const attachment of body.attachments ?? []) {
      if (uploads.has(attachment.name)) continue;
      try {
        const upload = await this.client.upload({
          name: attachment.name,
          contentType: attachment.contentType,
          data: Buffer.from(attachment.dataBase64, 'base64'),
        });
        uploads.set(attachment.name, {
          shortUrl: upload.short_url ?? upload.url,
          width: upload.width,
          height: upload.height,
        });
        await ctx.checkpoint({ ...progress, uploads: Object.fromEntries(uploads) });
      } catch (error) {
        // LeaseLostError: another process holds the row now and finishes it; this one must stop here.
        if (error instanceof RetryableSendError || error instanceof LeaseLostError) throw error;
        // Uploads may be off or the type not allowed on this forum: the post says so instead.
        this.log.warn({ err: error, attachment: attachment.name }, 'discourse: upload refused; posting without it');
      }
    }
    return uploads;
  }
}
