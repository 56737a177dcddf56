/**
 * A round of intros: the facts (fresh profiles, the pool and its scorer's context, the round's
 * number and the pairs of recent rounds), the decision (roundPlan.ts: groups), the names and
 * handles of the people grouped, then the round, its intros and every thread's outbox row in one
 * transaction.
 */
import type { Db } from '../../db/connection.js';
import type { GuildId, Platform } from '../../events.js';
import { getSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
import { refreshProfiles } from './build.js';
import {
  type Community,
  type CommunityPool,
  communityOf,
  communityPool,
  handlesOf,
  roundGuildOf,
} from './community.js';
import { communityContext, namesFor, scoreContext } from './facts.js';
import type { Profile } from './profile.js';
import { composeRound, forbiddenPairs, planRound } from './roundPlan.js';
import { consentingPool, type ScoreContext } from './score.js';
import type { IntrosSettings } from './settings.js';
import {
  consentingProfiles,
  insertIntro,
  insertRound,
  lastRoundSeq,
  platformOf,
  recentRoundPairs,
  roundById,
  roundPool,
  rowToProfile,
} from './store.js';

export interface RoundResult {
  roundId: string;
  pool: number;
  groups: number;
  enqueued: number;
  /** The round existed already (a retry after a crash, or run-now twice in the same minute). */
  existing: boolean;
}

interface RoundFacts {
  settings: IntrosSettings;
  c: Community | null;
  /** Paired: both platforms' people by key, with where each is contacted. */
  community: CommunityPool | null;
  /** Who may be in the round (in intros, not skipping), before the scorer's consent check. */
  candidates: string[];
  ctx: ScoreContext;
  seq: number;
  /** Pairs grouped in the rounds of the no-repeat window. */
  recent: Set<string>;
}

/**
 * Pair the whole pool at once. The round, its intros and every thread's outbox row are written in
 * one transaction: a crash before the commit leaves nothing (the retry does it all), a crash after
 * it leaves everything (the retry finds the round and changes nothing; the outbox sends each
 * thread once, under its own key).
 */
export function runRound(db: Db, platform: Platform, guildId: GuildId, roundId: string, now: number): RoundResult {
  // A paired forum's round is the Discord guild's (one round for the community): run-now on the
  // forum runs that one. The scheduled job of the forum does not get here (jobs.ts skips it).
  const roundGuild = roundGuildOf(db, guildId);
  if (roundGuild !== guildId) return runRound(db, platformOf(db, roundGuild), roundGuild, roundId, now);
  const done = roundById(db, guildId, roundId);
  if (done) return { roundId, pool: done.pool, groups: done.groups, enqueued: 0, existing: true };

  const f = roundFacts(db, guildId, now);
  const pool = consentingPool(f.candidates, f.ctx);
  const { groups, scores } = planRound(pool, f.ctx, f.settings.size, forbiddenPairs(pool, f.ctx.history, f.recent));

  const names = namesFor(db, guildId, [...scores.values()], f.c, now);
  const handles = f.community
    ? handlesOf(
        db,
        f.community.contact,
        groups.flatMap((g) => g.members.map((i) => pool[i]!)),
      )
    : null;
  const draft = { platform, guildId, roundId, seq: f.seq, pool, settings: f.settings, now };
  const { round, intros, items } = composeRound(draft, groups, scores, names, handles);

  let enqueued = 0;
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    insertRound(t, round);
    for (const row of intros) insertIntro(t, row);
    enqueued = enqueue(t, items, now);
  });
  return { roundId, pool: pool.length, groups: groups.length, enqueued, existing: false };
}

/** Everything a round decides on; profiles are rebuilt first when stale (both platforms' when paired). */
function roundFacts(db: Db, guildId: GuildId, now: number): RoundFacts {
  const settings = getSettings(db, guildId).intros;
  refreshProfiles(db, guildId, now);
  const c = communityOf(db, guildId);
  const seqFacts = () => {
    const seq = lastRoundSeq(db, guildId) + 1;
    return { seq, recent: recentRoundPairs(db, guildId, seq - 1 - settings.noRepeatRounds) };
  };
  if (c) {
    // Both platforms' pools: consenting, not skipping; each person once (community.ts).
    refreshProfiles(db, c.away, now);
    const inHome = new Set(roundPool(db, c.home, now));
    const inAway = new Set(roundPool(db, c.away, now));
    const homeRows = new Map([...consentingProfiles(db, c.home)].filter(([id]) => inHome.has(id)));
    const awayRows = new Map([...consentingProfiles(db, c.away)].filter(([id]) => inAway.has(id)));
    const community = communityPool(db, c, homeRows, awayRows, now, true);
    const ctx = communityContext(db, c, community, now);
    return { settings, c, community, candidates: [...community.profiles.keys()].sort(), ctx, ...seqFacts() };
  }
  const poolIds = roundPool(db, guildId, now);
  const inPool = new Set(poolIds);
  // All consenting profiles in one query (a round reads most of them), then the pool only.
  const rows = new Map([...consentingProfiles(db, guildId)].filter(([id]) => inPool.has(id)));
  const profiles = new Map<string, Profile>();
  for (const row of rows.values()) profiles.set(row.memberId, rowToProfile(row, now));
  const ctx = scoreContext(db, guildId, profiles, new Set(rows.keys()), now, rows);
  return { settings, c, community: null, candidates: poolIds, ctx, ...seqFacts() };
}
