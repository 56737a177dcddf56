/**
 * Actions as data: what a feature decides to do, platform-neutral. They go into the outbox in the
 * same transaction as the decision, and a platform sender turns them into REST calls.
 *
 * Mentions are explicit: `mentions.members` / `mentions.roles` list exactly who may be pinged;
 * everything else in the text (including "@everyone" typed by a member) pings nobody.
 */
import type { ChannelId, GuildId, MemberId, MessageId, Platform, RoleId } from './events.js';

export interface EmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

export interface Embed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  fields?: EmbedField[];
  footer?: string;
  /** Name of an attachment of the same message to show as the embed image. */
  imageAttachment?: string;
}

export interface Button {
  /** custom_id: "<handler>:<arg>" — see defineButton in src/commands.ts. */
  id: string;
  label: string;
  style?: 'primary' | 'secondary' | 'success' | 'danger';
}

export interface Attachment {
  name: string;
  contentType: string;
  /** Base64 so that the Action stays plain JSON in the outbox. */
  dataBase64: string;
}

export interface MessageBody {
  content: string;
  embeds?: Embed[];
  buttons?: Button[];
  attachments?: Attachment[];
  /** Exactly who may be pinged. Absent: nobody. */
  mentions?: { members?: MemberId[]; roles?: RoleId[] };
}

export type Action =
  | { type: 'message.send'; channelId: ChannelId; body: MessageBody; replyTo?: MessageId }
  | {
      type: 'dm.send';
      memberId: MemberId;
      body: MessageBody;
      /** When the member's DMs are closed, post here instead (mentioning the member). */
      fallbackChannelId?: ChannelId;
    }
  | { type: 'role.add'; memberId: MemberId; roleId: RoleId; reason?: string }
  | { type: 'role.remove'; memberId: MemberId; roleId: RoleId; reason?: string }
  | {
      /** A private thread in `channelId` with exactly these members, opened with `body`. */
      type: 'thread.create';
      channelId: ChannelId;
      name: string;
      memberIds: MemberId[];
      body: MessageBody;
    }
  | {
      /**
       * Mark a thread with the tag its forum channel has for `tag` ("solved": the forum's own
       * "Solved"/"Resolved" tag, whatever its exact name). Nothing to do where the channel has no
       * such tag or the thread already carries it: that is success, not an error.
       */
      type: 'thread.tag';
      threadId: ChannelId;
      tag: 'solved';
    };

export interface OutboxItem {
  platform: Platform;
  guildId: GuildId;
  /** Idempotency key, e.g. "digest:123:2026-W48". A second enqueue with the same key does nothing. */
  key: string;
  action: Action;
  /** Not before this time (epoch ms); default now. */
  notBefore?: number;
}

/** Convenience for the common case: a message pinging nobody. */
export const quietBody = (content: string, extra: Omit<MessageBody, 'content' | 'mentions'> = {}): MessageBody => ({
  content,
  ...extra,
});
