/**
 * A round of intros: the facts (fresh profiles, the pool and its scorer's context, the round's
 * number and the pairs of recent rounds), the decision (roundPlan.ts: groups), the names and
 * handles of the people grouped, then the round, its intros and every thread's outbox row in one
 * transaction.
 */
import { type Database, transaction } from '../../db/database.js';
import type { GuildId, Platform } from '../../events.js';
import { readSettings } from '../../guildSettings.js';
import { enqueueOn } from '../../outbox/store.js';
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
  consentingIds,
  consentingProfiles,
  insertIntros,
  insertRound,
  lastRoundSeq,
  lockMembers,
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
export async function runRound(
  db: Database,
  platform: Platform,
  guildId: GuildId,
  roundId: string,
  now: number,
  attempt = 1,
): Promise<RoundResult> {
  // A paired forum's round is the Discord guild's (one round for the community): run-now on the
  // forum runs that one. The scheduled job of the forum does not get here (jobs.ts skips it).
  const roundGuild = await roundGuildOf(db, guildId);
  if (roundGuild !== guildId) return runRound(db, await platformOf(db, roundGuild), roundGuild, roundId, now);
  const done = await roundById(db, guildId, roundId);
  if (done) return { roundId, pool: done.pool, groups: done.groups, enqueued: 0, existing: true };

  const f = await roundFacts(db, guildId, now);
  const pool = consentingPool(f.candidates, f.ctx);
  const { groups, scores } = planRound(pool, f.ctx, f.settings.size, forbiddenPairs(pool, f.ctx.history, f.recent));

  const names = await namesFor(db, guildId, [...scores.values()], f.c, now);
  const handles = f.community
    ? await handlesOf(
        db,
        f.community.contact,
        groups.flatMap((g) => g.members.map((i) => pool[i]!)),
      )
    : null;
  const draft = { platform, guildId, roundId, seq: f.seq, pool, settings: f.settings, now };
  const { round, intros, items } = composeRound(draft, groups, scores, names, handles);

  // A second process that ran the same round meanwhile made the insert of the round fail on its key
  // (the transaction rolls back): the caller's retry finds the round and changes nothing.
  const grouped = groups.flatMap((g) => g.members.map((i) => pool[i]!));
  const enqueued = await transaction(db, async (tx) => {
    // The pool was read before this transaction: a member erased (or gone from intros) meanwhile
    // must not be introduced. Checked again here, their intros rows locked on PostgreSQL; the round
    // is then planned again without them. (A paired round's people are keys of both platforms: see
    // the report of issue 15; not checked here.)
    if (!f.community) {
      await lockMembers(tx, guildId, grouped);
      const still = await consentingIds(tx, guildId, grouped);
      if (grouped.some((id) => !still.has(id))) return null;
    }
    await insertRound(tx, round);
    await insertIntros(tx, intros);
    return enqueueOn(tx, items, now);
  });
  if (enqueued === null) {
    if (attempt >= 3) throw new Error(`intros round ${roundId}: its pool kept changing while it was planned`);
    return runRound(db, platform, guildId, roundId, now, attempt + 1);
  }
  return { roundId, pool: pool.length, groups: groups.length, enqueued, existing: false };
}

/** Everything a round decides on; profiles are rebuilt first when stale (both platforms' when paired). */
async function roundFacts(db: Database, guildId: GuildId, now: number): Promise<RoundFacts> {
  const settings = (await readSettings(db, guildId)).intros;
  await refreshProfiles(db, guildId, now);
  const c = await communityOf(db, guildId);
  const seqFacts = async () => {
    const seq = (await lastRoundSeq(db, guildId)) + 1;
    return { seq, recent: await recentRoundPairs(db, guildId, seq - 1 - settings.noRepeatRounds) };
  };
  if (c) {
    // Both platforms' pools: consenting, not skipping; each person once (community.ts).
    await refreshProfiles(db, c.away, now);
    const inHome = new Set(await roundPool(db, c.home, now));
    const inAway = new Set(await roundPool(db, c.away, now));
    const homeRows = new Map([...(await consentingProfiles(db, c.home))].filter(([id]) => inHome.has(id)));
    const awayRows = new Map([...(await consentingProfiles(db, c.away))].filter(([id]) => inAway.has(id)));
    const community = await communityPool(db, c, homeRows, awayRows, now, true);
    const ctx = await communityContext(db, c, community, now);
    const candidates = [...community.profiles.keys()].sort();
    return { settings, c, community, candidates, ctx, ...(await seqFacts()) };
  }
  const poolIds = await roundPool(db, guildId, now);
  const inPool = new Set(poolIds);
  // All consenting profiles in one query (a round reads most of them), then the pool only.
  const rows = new Map([...(await consentingProfiles(db, guildId))].filter(([id]) => inPool.has(id)));
  const profiles = new Map<string, Profile>();
  for (const row of rows.values()) profiles.set(row.memberId, rowToProfile(row, now));
  const ctx = await scoreContext(db, guildId, profiles, new Set(rows.keys()), now, rows);
  return { settings, c, community: null, candidates: poolIds, ctx, ...(await seqFacts()) };
}
