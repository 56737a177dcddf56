/** What REST route modules share: the world, the interaction hub, and lookups that answer like Discord. */
import { permissionsIn } from '../access.js';
import { invalidFormBody, missingAccess, missingPermissions, unknownChannel, unknownGuild } from '../errors.js';
import type { InteractionHub } from '../interactions.js';
import type { ChannelRecord, DiscordStore, GuildRecord } from '../model.js';
import { canView } from '../render.js';
import type { World } from '../world.js';

export interface RestContext {
  store: DiscordStore;
  world: World;
  hub: InteractionHub;
  gatewayUrl: () => string;
  /** GET /gateway/bot's recommended shard count. */
  recommendedShards: () => number;
  /** IDENTIFYs allowed per 5 s per bucket (session_start_limit.max_concurrency). */
  maxConcurrency: number;
  /** Seconds within which a repeated nonce (with enforce_nonce) returns the first message. */
  nonceWindowMs: number;
}

export function botId(ctx: RestContext): string {
  return ctx.store.application.botUserId;
}

/** A guild the bot is in: 404 Unknown Guild if it does not exist, 403 Missing Access if not a member. */
export function requireGuild(ctx: RestContext, guildId: string): GuildRecord {
  const guild = ctx.store.guild(guildId);
  if (!guild) throw unknownGuild();
  if (!guild.members.has(botId(ctx))) throw missingAccess();
  return guild;
}

/** A channel the bot can see: 404 Unknown Channel, or 403 Missing Access without VIEW_CHANNEL. */
export function requireChannel(ctx: RestContext, channelId: string): ChannelRecord {
  const channel = ctx.store.channel(channelId);
  if (!channel) throw unknownChannel();
  if (channel.guildId) {
    requireGuild(ctx, channel.guildId);
    if (!canView(ctx.store, channel, botId(ctx))) throw missingAccess();
  }
  return channel;
}

export function botPermissionsIn(ctx: RestContext, channel: ChannelRecord): bigint {
  return permissionsIn(ctx.store, channel, botId(ctx));
}

export function requirePermission(ctx: RestContext, channel: ChannelRecord, bit: bigint): void {
  if (channel.guildId && (botPermissionsIn(ctx, channel) & bit) !== bit) throw missingPermissions();
}

/** An integer query parameter; out of range answers 50035 as Discord does (it does not clamp). */
export function intQuery(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) {
    throw invalidFormBody([{ path: [name], code: 'NUMBER_TYPE_COERCE', message: `Value "${raw}" is not int.` }]);
  }
  if (n < min) {
    throw invalidFormBody([
      { path: [name], code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${min}.` },
    ]);
  }
  if (n > max) {
    throw invalidFormBody([
      { path: [name], code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${max}.` },
    ]);
  }
  return n;
}
