/**
 * /meet: the facts (the asker's profile and the candidates the term index and their partners
 * give, with the scorer's context), the decision (pick.ts: the best pairs), then the names of the
 * people the chosen reasons mention and the suggestions as the asker reads them. Reads only (and
 * the asker's first profile build, build.ts).
 */
import { UserFacingError } from '../../commands.js';
import type { Database } from '../../db/database.js';
import type { GuildId, MemberId } from '../../events.js';
import { awayIdOf } from './across.js';
import { ensureProfile } from './build.js';
import { type Community, type CommunityPool, communityOf, communityPool, handlesOf, keyOfAway } from './community.js';
import { communityContext, namesFor, rowsOf, scoreContext } from './facts.js';
import {
  addTwoHopVotes,
  bestPairs,
  mostVoted,
  queryTermsOf,
  type Suggestion,
  suggestionsOf,
  twoHopIds,
} from './pick.js';
import type { Profile } from './profile.js';
import type { ScoreContext } from './score.js';
import { candidatesByTerms, consentingIds, consentingProfiles, rowToProfile } from './store.js';

/** Candidates voted per query term in the index. */
const PER_TERM = 40;

interface MeetFacts {
  /** The asker and every candidate, with the graph facts and history to score them. */
  ctx: ScoreContext;
  candidates: string[];
  /** Paired: where each candidate is contacted (for "where they are"). */
  contact: CommunityPool['contact'] | null;
}

const notJoined = () => new UserFacingError('You have not joined intros yet — try /intros join');

/**
 * The top people `memberId` should meet, each with its reason. Candidates come from the term
 * index and the neighbourhood (never a scan of every member); consent is filtered in each query
 * and again by the scorer. In a paired community the same runs over both platforms' indexes: a
 * linked person is one candidate (never the asker's own other account), suggested with where
 * they are active.
 */
export async function suggestFor(
  db: Database,
  guildId: GuildId,
  memberId: MemberId,
  now: number,
  limit = 3,
): Promise<Suggestion[]> {
  const c = await communityOf(db, guildId);
  const facts = c ? await acrossFacts(db, c, memberId, now) : await guildFacts(db, guildId, memberId, now);
  const top = bestPairs(memberId, facts.candidates, facts.ctx, limit);
  const names = await namesFor(db, guildId, top, c, now);
  if (!c || !facts.contact) return suggestionsOf(top, names, memberId);
  const handles = await handlesOf(
    db,
    facts.contact,
    top.map((s) => s.b),
  );
  return suggestionsOf(top, names, memberId, handles, c.homePlatform);
}

async function guildFacts(db: Database, guildId: GuildId, memberId: MemberId, now: number): Promise<MeetFacts> {
  if (!(await consentingIds(db, guildId, [memberId])).has(memberId)) throw notJoined();
  await ensureProfile(db, guildId, memberId, now);
  const own = (await consentingProfiles(db, guildId, [memberId])).get(memberId)!;
  const asker = rowToProfile(own, now);

  const votes = await candidatesByTerms(db, guildId, queryTermsOf(asker), memberId, PER_TERM);
  // Two hops: the people the asker's (consenting) partners talk with.
  addTwoHopVotes(votes, (await consentingProfiles(db, guildId, twoHopIds(asker))).values(), memberId, asker);
  const candidates = await consentingProfiles(db, guildId, mostVoted(votes));

  const profiles = new Map<string, Profile>([[memberId, asker]]);
  for (const row of candidates.values()) profiles.set(row.memberId, rowToProfile(row, now));
  const ctx = await scoreContext(db, guildId, profiles, new Set(profiles.keys()), now);
  return { ctx, candidates: [...candidates.keys()], contact: null };
}

async function acrossFacts(db: Database, c: Community, memberId: MemberId, now: number): Promise<MeetFacts> {
  const own = await rowsOf(db, c, [memberId]);
  const self = await communityPool(db, c, own.home, own.away, now, false);
  const asker = self.profiles.get(memberId);
  if (!asker) throw notJoined();

  const queryTerms = queryTermsOf(asker);
  const votes = await candidatesByTerms(db, c.home, queryTerms, memberId, PER_TERM);
  const ownAway = c.homeToAway.get(memberId) ?? '';
  for (const [id, v] of await candidatesByTerms(db, c.away, queryTerms, ownAway, PER_TERM)) {
    const key = keyOfAway(c, id);
    votes.set(key, (votes.get(key) ?? 0) + v);
  }
  // Two hops through the asker's partners on the home platform (neighbours are keys: home ids are plain).
  const hops = twoHopIds(asker, (z) => awayIdOf(c.away, z) === null);
  addTwoHopVotes(votes, (await consentingProfiles(db, c.home, hops)).values(), memberId, asker);
  votes.delete(memberId);
  const rows = await rowsOf(db, c, mostVoted(votes));
  const pool = await communityPool(db, c, rows.home, rows.away, now, false);
  pool.profiles.delete(memberId);
  const candidates = [...pool.profiles.keys()];
  pool.profiles.set(memberId, asker);
  return { ctx: await communityContext(db, c, pool, now), candidates, contact: pool.contact };
}
