/**
 * The welcome (pure): whether a member is due one, which channels it names, and the Actions that
 * carry it (a DM, a channel message, or both).
 */
import type { MessageBody, OutboxItem } from '../../actions.js';
import { asChannelId, asMemberId } from '../../events.js';
import { type ChannelRef, renderWelcome } from './compose.js';
import { type GuildContext, contextItem as item } from './guild.js';
import type { JourneyRow } from './row.js';

const HOUR = 3_600_000;
/** A join older than this when we first see it (the bot was down) gets no welcome. */
export const WELCOME_WINDOW_MS = 24 * HOUR;
/** How far back "People here talk in …" looks for the channels members talk in. */
export const TOPIC_WINDOW_MS = 30 * 24 * HOUR;

/** Welcome once ever, and only while the join is recent (a join seen a day late is not welcomed). */
export const welcomeDue = (ctx: GuildContext, row: Pick<JourneyRow, 'welcomedAt'>, joinedAt: number, now: number) =>
  row.welcomedAt === null && now - joinedAt <= WELCOME_WINDOW_MS && ctx.journey.welcome.enabled;

/**
 * The busiest topic channels to name in a welcome (not the welcome or introductions channel itself),
 * from the guild's busiest channels: "People here talk in …" names only channels where members did
 * talk lately.
 */
export function welcomeTopics(ctx: GuildContext, busiest: (ChannelRef & { messages: number })[]): ChannelRef[] {
  const skip = new Set([ctx.places.introductions?.channelId, ctx.journey.welcome.channelId]);
  return busiest
    .filter((c) => c.messages > 0 && !skip.has(c.channelId))
    .slice(0, 3)
    .map(({ channelId, name }) => ({ channelId, name }));
}

export function welcomeBody(ctx: GuildContext, memberId: string, topics: ChannelRef[]): MessageBody {
  return renderWelcome({
    memberId,
    serverName: ctx.serverName,
    topicChannels: topics,
    introductions: ctx.places.introductions,
    help: ctx.places.help,
    customText: ctx.journey.welcome.text,
  });
}

export function welcomeItems(ctx: GuildContext, memberId: string, key: string, topics: ChannelRef[]): OutboxItem[] {
  const w = ctx.journey.welcome;
  const body = welcomeBody(ctx, memberId, topics);
  const out: OutboxItem[] = [];
  const member = asMemberId(memberId);
  if (w.dm) {
    out.push(
      item(ctx, key, {
        type: 'dm.send',
        memberId: member,
        body,
        ...(w.channelId ? { fallbackChannelId: asChannelId(w.channelId) } : {}),
      }),
    );
  }
  if (w.channelId && (!w.dm || w.alsoInChannel)) {
    out.push(
      item(ctx, w.dm ? `${key}:channel` : key, { type: 'message.send', channelId: asChannelId(w.channelId), body }),
    );
  }
  return out;
}

/**
 * Welcome the member of `row` (mutating it) when due; `topics` are the channels to name (read only
 * when the welcome is due). Returns the Actions, none when not due or nowhere to send it.
 */
export function decideWelcome(
  ctx: GuildContext,
  row: JourneyRow,
  joinedAt: number,
  topics: ChannelRef[],
  now: number,
): OutboxItem[] {
  if (!welcomeDue(ctx, row, joinedAt, now)) return [];
  const welcome = welcomeItems(ctx, row.memberId, `welcome:${ctx.guildId}:${row.memberId}`, topics);
  if (welcome.length === 0) return [];
  row.welcomedAt = now;
  row.lastContactAt = now;
  return welcome;
}
