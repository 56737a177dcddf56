/**
 * The community a digest counts: the guild alone, or, when a moderator paired the Discord guild
 * with the forum (/convene forum connect), both guilds of the pair. A linked person (a confirmed
 * account link) is one person across the two: counted once, named as on the digest's own platform.
 *
 * Only the pair's two guilds are ever read: the partner comes from `pairedGuild`, never from a
 * search, so a third guild in the same database cannot leak into the digest.
 */
import type { Database } from '../../db/database.js';
import type { GuildId, Platform } from '../../events.js';
import { readLinkedAcross, readPairedGuild } from '../links/identity.js';
import { METRICS } from './goals.js';
import type { DigestResponseTimes } from './sources.js';
import {
  botIds,
  coreGoalValues,
  type FirstResponse,
  guildInfo,
  median,
  responseTimesOf,
  type WeekStats,
} from './store.js';

/** One guild of the community. */
export interface Side {
  guildId: GuildId;
  platform: Platform;
  bots: string[];
}

export interface Community {
  /** The digest's own guild first, then its partner when paired. */
  sides: [Side] | [Side, Side];
  /** The partner's guild id, or null when the guild is alone. */
  partnerId: GuildId | null;
  /** Linked people: their id on the partner → their id on the digest's own guild. */
  linked: Map<string, string>;
}

export async function communityOf(db: Database, guildId: GuildId, platform: Platform): Promise<Community> {
  const own: Side = { guildId, platform, bots: await botIds(db, guildId) };
  const partnerId = (await readPairedGuild(db, guildId)) as GuildId | null;
  const partner = partnerId ? await guildInfo(db, partnerId) : null;
  // A pair with a guild the bot has not seen yet (no row) counts as no pair: there is nothing to add.
  if (!partnerId || !partner) return { sides: [own], partnerId: null, linked: new Map() };
  return {
    sides: [own, { guildId: partnerId, platform: partner.platform, bots: await botIds(db, partnerId) }],
    partnerId,
    linked: await readLinkedAcross(db, partnerId),
  };
}

/** The Discord guild and the forum of a paired community (the order account links are stored in). */
export function pairSides(c: Community): { discord: Side; forum: Side } | null {
  const [a, b] = c.sides;
  if (!b) return null;
  return a.platform === 'discourse' ? { discord: b, forum: a } : { discord: a, forum: b };
}

/**
 * One key per person: an id on the digest's own guild is the key itself (so an unpaired digest sorts
 * exactly as before); a linked account on the partner maps to its own-guild id; anyone else on the
 * partner is keyed with the partner's guild id (forum ids are small integers, never snowflakes, but
 * the prefix keeps the keys apart whatever the ids look like).
 */
export function personKey(c: Community, side: number, memberId: string): string {
  if (side === 0) return memberId;
  return c.linked.get(memberId) ?? `${c.sides[side]!.guildId}/${memberId}`;
}

/** The own-guild id of a person on `side`, when they have one (own member, or linked from the partner). */
export function ownIdOf(c: Community, side: number, memberId: string): string | null {
  return side === 0 ? memberId : (c.linked.get(memberId) ?? null);
}

/** The core's response numbers of one guild's week, with the waits behind its median. */
export function coreResponses(threads: readonly FirstResponse[]): DigestResponseTimes {
  return {
    ...responseTimesOf(threads),
    firstResponseWaitsMs: threads.flatMap((t) => (t.firstAt === null ? [] : [Math.max(0, t.firstAt - t.askedAt)])),
  };
}

/**
 * Two guilds' response numbers as one. Counts add up. The median is taken over both guilds' waits
 * when every guild with answers gave them; otherwise (a source that reports only its median) the two
 * medians are weighted by their answered counts, an approximation said so here.
 */
export function mergeResponses(parts: readonly DigestResponseTimes[]): DigestResponseTimes {
  const sum = (k: 'asked' | 'answered' | 'answeredWithin24h' | 'peerAnswered') => parts.reduce((a, p) => a + p[k], 0);
  const answered = parts.filter((p) => p.answered > 0 && p.medianFirstResponseMs !== null);
  let medianFirstResponseMs: number | null;
  if (answered.length <= 1) medianFirstResponseMs = answered[0]?.medianFirstResponseMs ?? null;
  else if (answered.every((p) => p.firstResponseWaitsMs))
    medianFirstResponseMs = median(answered.flatMap((p) => p.firstResponseWaitsMs!));
  else {
    const weight = answered.reduce((a, p) => a + p.answered, 0);
    medianFirstResponseMs = answered.reduce((a, p) => a + p.medianFirstResponseMs! * p.answered, 0) / weight;
  }
  return {
    asked: sum('asked'),
    answered: sum('answered'),
    answeredWithin24h: sum('answeredWithin24h'),
    medianFirstResponseMs,
    peerAnswered: sum('peerAnswered'),
  };
}

/** One guild's week as the digest computed it, before the pair is combined. */
export interface SideWeek {
  stats: WeekStats;
  responses: DigestResponseTimes;
  /** Goal values a feature's source gave (they replace the core's, and are combined by kind). */
  sourceGoals: WeekStats['goals'];
}

/**
 * The pair's week: every count added up, minus the linked people counted on both platforms
 * (`overlap`), the response numbers merged, and the core goal values recomputed from the sums.
 * A goal value a source gave is added up when it is a count; a share or a duration is averaged over
 * the guilds that have one (the hooks give no denominators), and the core value is used when none did.
 * The retention and activation cohorts are added up as they are (a person linked within a cohort
 * week is rare enough not to count twice on purpose).
 */
export function combineWeeks(
  parts: readonly SideWeek[],
  overlap: { active: number; newMembers: number },
  partnerId: GuildId,
): WeekStats {
  const first = parts[0]!.stats;
  const sum = (
    k: 'messages' | 'activeMembers' | 'newMembers' | 'retentionCohort' | 'retained' | 'activationCohort' | 'activated',
  ) => parts.reduce((a, p) => a + p.stats[k], 0);
  const stats = {
    start: first.start,
    end: first.end,
    messages: sum('messages'),
    dailyMessages: first.dailyMessages.map((_, d) => parts.reduce((a, p) => a + (p.stats.dailyMessages[d] ?? 0), 0)),
    activeMembers: Math.max(0, sum('activeMembers') - overlap.active),
    newMembers: Math.max(0, sum('newMembers') - overlap.newMembers),
    ...mergeResponses(parts.map((p) => p.responses)),
    retentionCohort: sum('retentionCohort'),
    retained: sum('retained'),
    activationCohort: sum('activationCohort'),
    activated: sum('activated'),
  };
  const goals: WeekStats['goals'] = coreGoalValues(stats);
  const metrics = new Set(parts.flatMap((p) => Object.keys(p.sourceGoals))) as Set<keyof WeekStats['goals']>;
  for (const metric of metrics) {
    const values = parts.flatMap((p) => {
      const v = p.sourceGoals[metric];
      return v === undefined || v === null ? [] : [v];
    });
    if (values.length === 0) {
      if (METRICS[metric].kind === 'count') goals[metric] = null;
      continue;
    }
    const total = values.reduce((a, b) => a + b, 0);
    goals[metric] = METRICS[metric].kind === 'count' ? total : total / values.length;
  }
  return { ...stats, goals, pairedWith: partnerId };
}
