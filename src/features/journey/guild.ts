/** A guild as the journey's rules see it (plain data), and the outbox items they make for it. */
import type { Action, OutboxItem } from '../../actions.js';
import type { GuildId, Platform } from '../../events.js';
import type { GuildSettings } from '../../guildSettings.js';
import type { ChannelRef, Places } from './compose.js';
import type { JourneySettings } from './settings.js';
import type { Track } from './track.js';

export interface GuildContext {
  guildId: GuildId;
  platform: Platform;
  serverName: string;
  settings: GuildSettings;
  journey: JourneySettings;
  track: Track;
  places: Places & { help: ChannelRef | null };
}

/** An outbox item of the guild. */
export const contextItem = (ctx: GuildContext, key: string, action: Action): OutboxItem => ({
  platform: ctx.platform,
  guildId: ctx.guildId,
  key,
  action,
});
