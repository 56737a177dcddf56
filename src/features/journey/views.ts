/**
 * What the journey shows: where a member stands (/journey), the track (/convene journey show), and
 * the funnel (how many reached each stage, how fast). Reads only.
 */
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { readSettings } from '../../guildSettings.js';
import type { JourneyView, TrackView } from './compose.js';
import { loadContext } from './context.js';
import { progressOf } from './evaluate.js';
import { linkedAccount } from './facts.js';
import { personFacts } from './progress.js';
import { coreMember, getJourney } from './store.js';
import { milestonesBetween, stageCounts } from './sweepStore.js';
import { stageIndex } from './track.js';

export interface FunnelStage {
  stage: string;
  name: string;
  /** Members who reached the stage in [from, to). */
  members: number;
  /** Median time from joining to reaching it (ms), over those with a known join; null if none. */
  medianMs: number | null;
}

/** Per stage of the guild's track: how many members reached it in [from, to), and the median time to it. */
export async function funnel(db: Database, guildId: GuildId, from: number, to: number): Promise<FunnelStage[]> {
  const track = (await readSettings(db, guildId)).journey.track;
  const byStage = new Map<string, number[]>();
  const counts = new Map<string, number>();
  for (const m of await milestonesBetween(db, guildId, from, to)) {
    counts.set(m.stage, (counts.get(m.stage) ?? 0) + 1);
    if (m.joinedAt === null) continue;
    const list = byStage.get(m.stage) ?? [];
    list.push(Math.max(0, m.reachedAt - m.joinedAt));
    byStage.set(m.stage, list);
  }
  return track.stages.map((s) => ({
    stage: s.id,
    name: s.name,
    members: counts.get(s.id) ?? 0,
    medianMs: median(byStage.get(s.id) ?? []),
  }));
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Where a member stands, for /journey (read-only). `self`: the member asked about themselves. */
export async function journeyView(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
  self: boolean,
  now: number,
): Promise<JourneyView> {
  const aboutName = self ? null : ((await coreMember(db, guildId, memberId))?.displayName ?? 'This member');
  const ctx = await loadContext(db, guildId);
  const track = ctx?.track ?? (await readSettings(db, guildId)).journey.track;
  const row = await getJourney(db, guildId, memberId);
  const facts = row
    ? personFacts(row, await linkedAccount(db, row.guildId, row.memberId, false))
    : { joinedAt: null, counters: {} };
  const index = Math.max(0, stageIndex(track, row?.stage || null));
  const next = track.stages[index + 1] ?? null;
  return {
    serverName: ctx?.serverName ?? guildId,
    aboutName,
    track,
    index,
    stageAt: row?.stageAt ?? null,
    next,
    progress: next ? progressOf(facts, next, now) : [],
    places: ctx?.places ?? { introductions: null },
  };
}

export async function trackView(db: Database, guildId: GuildId): Promise<TrackView> {
  const ctx = await loadContext(db, guildId);
  const journey = ctx?.journey ?? (await readSettings(db, guildId)).journey;
  return {
    track: journey.track,
    silent: journey.silent,
    congratulateVia: journey.congratulate.via,
    congratulateChannelId: journey.congratulate.channelId,
    counts: await stageCounts(db, guildId),
    places: ctx?.places ?? { introductions: null },
  };
}
