/**
 * A reconciled page of channel history (reconcile.ts's plan) as the events the store must hear:
 * messages created and edited, reactions added and taken back (who reacted is listed from Discord
 * where the plan says the count alone cannot tell), messages deleted.
 */
import type { Message } from 'discord.js';
import { asChannelId, asGuildId, asMemberId, asMessageId, type CommunityEvent, type GuildId } from '../../events.js';
import type { Logger } from '../../log.js';
import { messageEvent, reactionEmoji } from './mapping.js';
import { type HeldMessage, type PagePlan, reactionChanges, type SeenMessage } from './reconcile.js';

/** Discord lists at most 100 reacting users per request. */
const USERS_PER_PAGE = 100;

export interface PageContext {
  guildId: GuildId;
  channelId: string;
  /** When the page was read: the time of reactions Discord does not date. */
  fetchedAt: number;
  /** When the backfill noticed a deletion (Discord does not say when). */
  noticedAt: number;
  contentGranted: boolean;
  log: Logger;
}

/** What reconcile.ts needs of a message from the history page. */
export function seenMessage(message: Message): SeenMessage {
  const reactions = new Map<string, number>();
  for (const r of message.reactions.cache.values()) reactions.set(reactionEmoji(r.emoji), r.count ?? 0);
  return { id: message.id, editedAt: message.editedTimestamp, reactions };
}

export async function pageEvents(
  plan: PagePlan,
  seen: readonly Message[],
  held: readonly HeldMessage[],
  context: PageContext,
): Promise<CommunityEvent[]> {
  const byId = new Map(seen.map((m) => [m.id, m]));
  const heldById = new Map(held.map((m) => [m.id, m]));
  const events: CommunityEvent[] = [];
  for (const id of plan.create) {
    const event = messageEvent(byId.get(id)!, context.contentGranted);
    if (event) events.push(event);
  }
  // Without Message Content an edit shows as empty text: keep the terms we have.
  if (context.contentGranted) {
    for (const id of plan.edit) {
      const message = byId.get(id)!;
      events.push({
        ...where(message),
        kind: 'message.updated',
        at: message.editedTimestamp!,
        content: message.content ?? '',
      });
    }
  }
  const reaction = (message: Message, kind: 'reaction.added' | 'reaction.removed', memberId: string, emoji: string) =>
    events.push({ ...where(message), kind, at: context.fetchedAt, memberId: asMemberId(memberId), emoji });
  for (const { messageId, emoji } of plan.recount) {
    const message = byId.get(messageId)!;
    const users = await reactingUsers(message, emoji, context.log);
    if (!users) continue;
    const { added, removed } = reactionChanges(users, heldById.get(messageId)?.reactions.get(emoji) ?? []);
    for (const id of added) reaction(message, 'reaction.added', id, emoji);
    for (const id of removed) reaction(message, 'reaction.removed', id, emoji);
  }
  for (const { messageId, emoji, memberIds } of plan.unreact) {
    for (const id of memberIds) reaction(byId.get(messageId)!, 'reaction.removed', id, emoji);
  }
  for (const id of plan.remove) {
    events.push({
      kind: 'message.deleted',
      platform: 'discord',
      guildId: context.guildId,
      at: context.noticedAt,
      messageId: asMessageId(id),
      channelId: asChannelId(context.channelId),
    });
  }
  return events;
}

/** Everyone who reacted with `emoji` on Discord now, page by page; undefined when Discord refused. */
async function reactingUsers(message: Message, emoji: string, log: Logger): Promise<string[] | undefined> {
  const reaction = message.reactions.cache.find((r) => reactionEmoji(r.emoji) === emoji);
  if (!reaction) return [];
  const users: string[] = [];
  try {
    let after: string | undefined;
    for (;;) {
      const page = await reaction.users.fetch({ limit: USERS_PER_PAGE, ...(after ? { after } : {}) });
      users.push(...page.keys());
      if (page.size < USERS_PER_PAGE) return users;
      after = [...page.keys()].sort(compareIds).at(-1);
    }
  } catch (error) {
    log.warn({ err: error, messageId: message.id, emoji }, 'backfill: could not list who reacted');
    return undefined;
  }
}

function where(message: Message) {
  return {
    platform: 'discord' as const,
    guildId: asGuildId(message.guildId!),
    messageId: asMessageId(message.id),
    channelId: asChannelId(message.channelId),
  };
}

/** Snowflakes in numeric order (as strings they do not sort when their lengths differ). */
export function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
