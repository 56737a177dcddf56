/**
 * A guild as the journey sees it: settings parsed once per change, the introductions and help
 * channels detected and cached briefly. Reads only; every journey operation starts here.
 */
import type { Db } from '../../db/connection.js';
import type { GuildId } from '../../events.js';
import { settingsSchema } from '../../guildSettings.js';
import type { GuildContext } from './guild.js';
import { channelById, channelNamed } from './placesStore.js';
import { guildRow } from './store.js';

/** Names that identify the introductions and the help channels when none is configured. */
const INTRO_NAMES = ['intro'];
const HELP_NAMES = ['help', 'question', 'support'];
/**
 * Detected channels are looked up again after this many uses, and whenever a channel event passes
 * through handleEvent. Counted in uses, not time: a replay's clock jumps hours between events.
 */
const PLACES_USES = 500;

export interface CachedContext {
  settingsText: string;
  name: string;
  context: GuildContext;
  /** Uses left before the detected channels are looked up again (0: now). */
  placesUses: number;
  /** The track the last full sweep evaluated everyone against (JSON), to skip needless full sweeps. */
  sweptTrack: string | null;
}
export type { GuildContext };

const contexts = new WeakMap<Db, Map<string, CachedContext>>();

export function cachedContext(db: Db, guildId: GuildId): CachedContext | null {
  const guild = guildRow(db, guildId);
  if (!guild) return null;
  let perDb = contexts.get(db);
  if (!perDb) {
    perDb = new Map();
    contexts.set(db, perDb);
  }
  let cached = perDb.get(guildId);
  if (!cached || cached.settingsText !== guild.settingsText || cached.name !== guild.name) {
    const settings = settingsSchema.parse(JSON.parse(guild.settingsText || '{}'));
    cached = {
      settingsText: guild.settingsText,
      name: guild.name,
      placesUses: 0,
      sweptTrack: null,
      context: {
        guildId,
        platform: guild.platform,
        serverName: guild.name,
        settings,
        journey: settings.journey,
        track: settings.journey.track,
        places: { introductions: null, help: null },
      },
    };
    perDb.set(guildId, cached);
  }
  if (cached.placesUses-- <= 0) {
    const configured = cached.context.journey.introductionsChannelId;
    cached.context.places = {
      introductions: configured
        ? (channelById(db, guildId, configured) ?? { channelId: configured, name: 'introductions' })
        : (channelNamed(db, guildId, INTRO_NAMES) ?? null),
      help: channelNamed(db, guildId, HELP_NAMES) ?? null,
    };
    cached.placesUses = PLACES_USES;
  }
  return cached;
}

export const loadContext = (db: Db, guildId: GuildId): GuildContext | null =>
  cachedContext(db, guildId)?.context ?? null;

/** A channel appeared or changed: look the introductions and help channels up again on next use. */
export function forgetPlaces(db: Db, guildId: GuildId): void {
  const cached = contexts.get(db)?.get(guildId);
  if (cached) cached.placesUses = 0;
}
