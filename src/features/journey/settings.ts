/** The journey section of a guild's settings (validated on import, defaults when absent). */
import { z } from 'zod';
import { defaultTrack, trackSchema } from './track.js';

const channelId = z.string().min(1).max(32);

export const welcomeSettings = z
  .object({
    enabled: z.boolean().default(true),
    /** Welcome by DM (falls back to `channelId` when the member's DMs are closed). */
    dm: z.boolean().default(true),
    /** Welcome channel: used instead of the DM when `dm` is off, as the DM fallback, or as well. */
    channelId: channelId.nullable().default(null),
    /** Post in the welcome channel as well as the DM. */
    alsoInChannel: z.boolean().default(false),
    /** Custom text with {member} and {server} (also {channels}, {first_step}); empty = the default. */
    text: z.string().max(1500).default(''),
  })
  .strict();

export const journeySettings = z
  .object({
    track: trackSchema.default(defaultTrack),
    /** Roles only: no congratulations and no nudges (welcomes follow `welcome`). */
    silent: z.boolean().default(false),
    congratulate: z
      .object({
        via: z.enum(['dm', 'channel']).default('dm'),
        /** Where 'channel' congratulations go (DM when null). */
        channelId: channelId.nullable().default(null),
      })
      .strict()
      .prefault({}),
    /** The introductions channel; null = the first channel whose name says "intro". */
    introductionsChannelId: channelId.nullable().default(null),
    welcome: welcomeSettings.prefault({}),
    nudges: z
      .object({
        enabled: z.boolean().default(true),
        /** A member silent this many days after joining gets one invitation. */
        afterDays: z.number().int().min(1).max(30).default(3),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export type JourneySettings = z.infer<typeof journeySettings>;
