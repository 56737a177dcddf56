/**
 * A guild as the journey sees it: settings parsed once per change, the introductions and help
 * channels detected and cached briefly. Reads only; every journey operation starts here.
 */
import type { Database } from '../../db/database.js';
import { opsOf } from '../../db/handle.js';
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

/**
 * Per database (its connection or pool: a transaction's handle shares the cache of the database it
 * runs on). The settings are read on every use, so a change made by another process is seen.
 */
const contexts = new WeakMap<object, Map<string, CachedContext>>();

export async function cachedContext(db: Database, guildId: GuildId): Promise<CachedContext | null> {
  const guild = await guildRow(db, guildId);
  if (!guild) return null;
  const root = opsOf(db).root;
  let perDb = contexts.get(root);
  if (!perDb) {
    perDb = new Map();
    contexts.set(root, perDb);
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
        ? ((await channelById(db, guildId, configured)) ?? { channelId: configured, name: 'introductions' })
        : ((await channelNamed(db, guildId, INTRO_NAMES)) ?? null),
      help: (await channelNamed(db, guildId, HELP_NAMES)) ?? null,
    };
    cached.placesUses = PLACES_USES;
  }
  return cached;
}

export const loadContext = async (db: Database, guildId: GuildId): Promise<GuildContext | null> =>
  (await cachedContext(db, guildId))?.context ?? null;

/** A channel appeared or changed: look the introductions and help channels up again on next use. */
export function forgetPlaces(db: Database, guildId: GuildId): void {
  const cached = contexts.get(opsOf(db).root)?.get(guildId);
  if (cached) cached.placesUses = 0;
}
