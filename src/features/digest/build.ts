/**
 * Building a digest: read its facts (gather.ts), decide what it says (assemble.ts, pure), draw the
 * chart and compose the message. Writes nothing: post.ts writes the post with the weeks it counted.
 */
import type { MessageBody } from '../../actions.js';
import type { Deps } from '../../commands.js';
import type { GuildId } from '../../events.js';
import { assembleDigest, NAMES_LISTED, NAMES_SHOWN } from './assemble.js';
import { shortDate, type Window } from './calendar.js';
import { renderDigestChart } from './chart.js';
import { composeDigest, type DigestData } from './compose.js';
import { gatherDigest, type NamedSource } from './gather.js';
import type { DigestTarget } from './schedule.js';
import type { WeekStats } from './store.js';

export interface BuiltDigest {
  body: MessageBody;
  data: DigestData;
  window: Window;
  /** The eight weeks, oldest first (the last is the digest's week). */
  weeks: WeekStats[];
  /** Weeks computed now that have ended: stored with the post so later digests read, not recompute. */
  toStore: WeekStats[];
}

/** Said on the chart of a community that spans both platforms. */
const BOTH_PLATFORMS = 'Discord + forum';

/** Build the digest of `target` for a guild: every section, the chart, the message body. */
export async function buildDigest(
  deps: Deps,
  guildId: GuildId,
  target: DigestTarget,
  now: number,
  sources: readonly NamedSource[],
  options: { preview?: boolean; lists?: boolean } = {},
): Promise<BuiltDigest> {
  const facts = await gatherDigest(deps, guildId, target, now, sources, {
    names: options.lists ? NAMES_LISTED : NAMES_SHOWN,
    preview: options.preview === true,
  });
  const { weeks, windows, window } = facts;

  let chartAttachment: string | null = null;
  let chartPng: Buffer | null = null;
  // The lists alone (a "Full lists" click) need no chart.
  if (!options.lists)
    try {
      chartPng = renderDigestChart({
        dailyMessages: weeks.flatMap((w) => w.dailyMessages),
        weeklyMedianMs: weeks.map((w) => w.medianFirstResponseMs),
        weekLabels: windows.map((w) => shortDate(w.firstDate)),
        ...(facts.community.sides.length > 1 ? { scope: BOTH_PLATFORMS } : {}),
      });
      chartAttachment = `digest-${target.period}.png`;
    } catch (error) {
      // The numbers are in the text too: a digest without its chart beats no digest.
      deps.log.error({ err: error, guildId }, 'digest chart failed; posting without it');
    }

  const data = assembleDigest(facts, options, chartAttachment);
  const composed = composeDigest(data, now);
  const body: MessageBody =
    chartPng && chartAttachment
      ? {
          ...composed,
          attachments: [{ name: chartAttachment, contentType: 'image/png', dataBase64: chartPng.toString('base64') }],
        }
      : composed;
  return { body, data, window, weeks, toStore: facts.toStore };
}
