/**
 * Everything a digest is made of, read once: the guild and its partner, the eight weeks (stored, or
 * counted now with the features' numbers laid over the core's), each guild's answers from the
 * features' digest sources, and the core's fallbacks. Reads only: assemble.ts decides what the
 * digest says from these facts, and build.ts / post.ts write.
 */

import { type Deps, databaseOf } from '../../commands.js';
import type { GuildId, Platform } from '../../events.js';
import { type GuildSettings, readSettings } from '../../guildSettings.js';
import { readForumUrls } from '../links/knownForums.js';
import { overlaySources, type SourceAnswers, type SourceWeekAnswers } from './assemble.js';
import { type LocalDate, previousWindows, type Window, weekEndingAt } from './calendar.js';
import {
  type Community,
  combineWeeks,
  communityOf,
  coreResponses,
  pairSides,
  type Side,
  type SideWeek,
} from './community.js';
import { latestPulsePeriod, type PulseSummary, pulseOf } from './pulseStore.js';
import { digestTimezone } from './schedule.js';
import {
  firstResponders,
  liveliestThreads,
  memberNames,
  type ThreadActivity,
  type WaitingThread,
  waitingThreads,
} from './sectionsStore.js';
import type { DigestSource, DigestWindow } from './sources.js';
import {
  computeWeekStats,
  type FirstResponse,
  firstResponses,
  guildInfo,
  linkedOnBoth,
  newMemberRows,
  newMembers,
  storedWeek,
  type WeekStats,
} from './store.js';

/** A feature's digest source, with the feature's name for the log. */
export interface NamedSource {
  feature: string;
  source: DigestSource;
}

const WEEKS = 8;
/** How far back an unanswered thread still counts as "waiting" (older ones are a backlog, not news). */
const WAITING_DAYS = 28;
export const THREADS_SHOWN = 5;

/** Call a source hook; a failing source is logged and skipped so the digest still goes out. */
export async function ask<T>(
  deps: Deps,
  named: NamedSource,
  hook: string,
  call: () => T | Promise<T> | undefined,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    deps.log.warn({ err: error, feature: named.feature, hook }, 'digest source failed; that section is left out');
    return undefined;
  }
}

/** One guild of the community in the digest's week. */
export interface SideFacts {
  side: Side;
  /** Each source's answers for this guild, in the sources' order. */
  answers: SourceAnswers[];
  /** The core's waiting threads, read only when no source listed waiting questions. */
  coreWaiting: WaitingThread[] | null;
  /** The week's first responses (its numbers and, without a helpers source, its thanks). */
  threads: FirstResponse[];
  /** Names of the week's first responders. */
  responderNames: Map<string, string>;
  lively: ThreadActivity[];
  /** Newcomers of the week (a pair only: the welcome list takes linked people off). */
  newcomers: { memberId: string; name: string; joinedAt: number }[] | null;
}

export interface DigestFacts {
  settings: GuildSettings;
  info: { name: string; platform: Platform };
  endDate: LocalDate;
  period: string;
  window: Window;
  windows: Window[];
  community: Community;
  /** The eight weeks, oldest first (the last is the digest's week). */
  weeks: WeekStats[];
  /** Weeks counted now that have ended (stored with the post). */
  toStore: WeekStats[];
  /** The digest's week per guild, before a pair is combined. */
  thisWeekParts: SideWeek[];
  /** Linked people's names on the digest's own guild. */
  ownNames: Map<string, string>;
  sides: SideFacts[];
  /** The guild alone: its newcomers (count and names). */
  fresh: { count: number; names: string[] } | null;
  /** For a moderator's preview: the latest pulse. */
  pulse: PulseSummary | null;
  /** The addresses of the forums Convene knows, for links to their topics (forumBase). */
  forumUrls: readonly string[];
}

/** One guild's week: the core numbers and what the features measure better, laid over them (assemble.ts). */
async function sideWeek(
  deps: Deps,
  side: Side,
  w: Window,
  dw: DigestWindow,
  now: number,
  sources: readonly NamedSource[],
  threads?: FirstResponse[],
): Promise<SideWeek> {
  const db = databaseOf(deps);
  const rows = threads ?? (await firstResponses(db, side.guildId, w.start, w.end, now, side.bots));
  const stats = await computeWeekStats(db, side.guildId, w, now, side.bots, rows);
  const answers: SourceWeekAnswers[] = [];
  for (const named of sources) {
    const s = named.source;
    answers.push({
      responseTimes: s.responseTimes
        ? await ask(deps, named, 'responseTimes', () => s.responseTimes!(deps, dw))
        : undefined,
      goalMetrics: s.goalMetrics ? await ask(deps, named, 'goalMetrics', () => s.goalMetrics!(deps, dw)) : undefined,
    });
  }
  return overlaySources(stats, coreResponses(rows), answers);
}

/** Read every fact of the digest of `target` (window ending on `endDate`) for a guild. */
export async function gatherDigest(
  deps: Deps,
  guildId: GuildId,
  target: { endDate: LocalDate; period: string },
  now: number,
  sources: readonly NamedSource[],
  caps: { names: number; preview: boolean },
): Promise<DigestFacts> {
  const db = databaseOf(deps);
  const settings = await readSettings(db, guildId);
  const tz = digestTimezone(settings);
  const info = await guildInfo(db, guildId);
  if (!info) throw new Error(`unknown guild ${guildId}`);
  const window = weekEndingAt(target.endDate, tz);
  const windows = previousWindows(window, WEEKS, tz);
  // The digest's own guild, and its partner when the community spans Discord and the forum: every
  // number below is counted over these guilds, in the digest's own timezone, and no other.
  const community = await communityOf(db, guildId, info.platform);
  const { sides } = community;
  const digestWindow = (w: Window, side: Side = sides[0]): DigestWindow => ({
    guildId: side.guildId,
    platform: side.platform,
    start: w.start,
    end: w.end,
    timezone: tz,
    now,
  });
  const threads: FirstResponse[][] = [];
  for (const side of sides)
    threads.push(await firstResponses(db, side.guildId, window.start, window.end, now, side.bots));

  const weeks: WeekStats[] = [];
  const toStore: WeekStats[] = [];
  let thisWeekParts: SideWeek[] = [];
  for (const w of windows) {
    const isCurrent = w.start === window.start;
    const stored = isCurrent ? null : await storedWeek(db, guildId, w);
    // A week stored before the guild was paired (or while paired, once unpaired) counted other
    // guilds than the digest does now: it is counted again.
    if (stored && (stored.stats.pairedWith ?? null) === community.partnerId) {
      weeks.push(stored.stats);
      continue;
    }
    const parts: SideWeek[] = [];
    for (const [i, side] of sides.entries()) {
      parts.push(
        await sideWeek(deps, side, w, digestWindow(w, side), now, sources, isCurrent ? threads[i] : undefined),
      );
    }
    const pair = pairSides(community);
    const stats =
      pair && community.partnerId !== null
        ? combineWeeks(parts, await linkedOnBoth(db, pair, w.start, w.end), community.partnerId)
        : parts[0]!.stats;
    if (isCurrent) thisWeekParts = parts;
    weeks.push(stats);
    // A week is stored once it has ended. Every week is first stored by the digest right after it,
    // so week-over-week changes compare weeks seen at the same distance from their end.
    if (now >= w.end) toStore.push(stats);
  }

  // Every hook is asked once per guild of the community, with that guild's window.
  const sideFacts: SideFacts[] = [];
  for (const [i, side] of sides.entries()) {
    const current = digestWindow(window, side);
    const answers: SourceAnswers[] = [];
    for (const named of sources) {
      const s = named.source;
      answers.push({
        milestones: s.milestones ? await ask(deps, named, 'milestones', () => s.milestones!(deps, current)) : undefined,
        intros: s.intros ? await ask(deps, named, 'intros', () => s.intros!(deps, current)) : undefined,
        waiting: s.waitingQuestions
          ? await ask(deps, named, 'waitingQuestions', () => s.waitingQuestions!(deps, current))
          : undefined,
        helpers: s.topHelpers ? await ask(deps, named, 'topHelpers', () => s.topHelpers!(deps, current)) : undefined,
      });
    }
    const responders = [...firstResponders(threads[i]!).keys()].filter((id) => !side.bots.includes(id));
    sideFacts.push({
      side,
      answers,
      coreWaiting: answers.some((a) => a.waiting)
        ? null
        : await waitingThreads(db, side.guildId, now - WAITING_DAYS * 86_400_000, now, side.bots),
      threads: threads[i]!,
      responderNames: await memberNames(db, side.guildId, responders),
      lively: await liveliestThreads(db, side.guildId, window.start, window.end, THREADS_SHOWN, side.bots),
      // Enough rows that the names shown survive taking the linked people seen twice off.
      newcomers:
        sides.length > 1 ? await newMemberRows(db, side.guildId, window.start, window.end, 2 * caps.names) : null,
    });
  }

  const pulsePeriod = caps.preview ? await latestPulsePeriod(db, guildId) : null;
  return {
    settings,
    info,
    endDate: target.endDate,
    period: target.period,
    window,
    windows,
    community,
    weeks,
    toStore,
    thisWeekParts,
    // Linked people on the partner are named as they are known on the digest's own platform.
    ownNames: await memberNames(db, guildId, [...community.linked.values()]),
    sides: sideFacts,
    fresh: sides.length === 1 ? await newMembers(db, guildId, window.start, window.end, caps.names) : null,
    pulse: pulsePeriod ? await pulseOf(db, guildId, pulsePeriod) : null,
    forumUrls: await readForumUrls(db, deps.config),
  };
}
