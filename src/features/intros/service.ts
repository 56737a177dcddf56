/**
 * Introductions: reads the store, lets the pure files decide, writes decisions and their Actions
 * into the outbox in one transaction.
 *
 * Outbox keys (a restart neither loses nor duplicates anything):
 * - intros:<guild>:<round>:<groupIndex>          a round's thread (or :<member> for DMs)
 * - intros:<guild>:ask:<introId>                 "X would like to meet you" (Accept / Decline)
 * - intros:<guild>:meet:<introId>                the thread after an accept (or :<member> for DMs)
 * - intros:<guild>:declined:<introId>            "not this time" to the asker
 * - intros:<guild>:followup:<introId>:<member>   "Did you meet?"
 * - intros:<guild>:announce:<channel>            the "join intros" post
 *
 * A paired community (a Discord guild and its forum) is one community: its round, /meet and intros
 * span both platforms (community.ts). Its intros are recorded, and keyed, under the guild that runs
 * them, with members of the other platform as `<forum>/<id>` (across.ts); each person is written to
 * on the platform where they are active, under `<key>:<member key>`.
 */
import { Cron } from 'croner';
import type { Action, MessageBody, OutboxItem } from '../../actions.js';
import { buttonId, UserFacingError } from '../../commands.js';
import type { Db } from '../../db/connection.js';
import { asChannelId, asGuildId, asMemberId, type GuildId, type MemberId, type Platform } from '../../events.js';
import { getSettings, updateSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
import { platformWords } from '../links/identity.js';
import { awayIdOf, awayKey, type Handle, nameFor } from './across.js';
import { ensureProfile, refreshProfiles } from './build.js';
import { CandidateIndex, INDEX_LIMITS } from './candidates.js';
import {
  accountOfKey,
  type Community,
  type CommunityPool,
  communityBuild,
  communityConsent,
  communityOf,
  communityPool,
  handlesOf,
  keyOfAway,
  roundGuildOf,
} from './community.js';
import { formGroups, type ScoredEdge } from './match.js';
import type { DeclaredProfile, Profile } from './profile.js';
import { conversationStarter, explain, type Names, quiet } from './reasons.js';
import { consentingPool, type PairScore, pairKey, type ScoreContext, scorePair } from './score.js';
import type { IntrosSettings } from './settings.js';
import {
  candidatesByTerms,
  channelNames,
  consentingIds,
  consentingProfiles,
  dueFollowUps,
  type FeedbackAnswer,
  getIntro,
  graphFacts,
  type IntroRow,
  insertIntro,
  insertRound,
  introHistory,
  joinIntros,
  lastBuild,
  lastRoundSeq,
  leaveIntros,
  memberNames,
  membership,
  openRequest,
  type ProfileRow,
  platformOf,
  recentRoundPairs,
  recordFeedback,
  roundById,
  roundPool,
  rowToProfile,
  setDeclared,
  setSkipUntil,
  updateIntro,
} from './store.js';

const DAY_MS = 86_400_000;

/** Button ids (custom_id prefixes) of this feature. */
export const BUTTONS = {
  introduce: 'intros-introduce',
  accept: 'intros-accept',
  decline: 'intros-decline',
  feedback: 'intros-feedback',
  join: 'intros-join',
} as const;

/** A round scores this many candidates per member and keeps this many edges per member. */
const ROUND_CANDIDATES = 24;
const ROUND_EDGES_PER_MEMBER = 6;
/** A declined /meet request is not asked again for this long. */
const DECLINE_QUIET_MS = 180 * DAY_MS;

const mention = (id: string) => `<@${id}>`;

// ---------------------------------------------------------------------------------------------
// Consent and profiles

/** Join intros; their profile is built now (not at the next daily build), so /meet finds them at once. */
export function join(db: Db, guildId: GuildId, memberId: MemberId, now: number) {
  const outcome = joinIntros(db, guildId, memberId, now);
  if (outcome === 'joined') ensureProfile(db, guildId, memberId, now);
  return outcome;
}

export function leave(db: Db, guildId: GuildId, memberId: MemberId, now: number) {
  return leaveIntros(db, guildId, memberId, now);
}

export interface IntrosStatus {
  in: boolean;
  skipping: boolean;
  nextRoundAt: number | null;
}

export function status(db: Db, guildId: GuildId, memberId: MemberId, now: number): IntrosStatus {
  const m = membership(db, guildId, memberId);
  const isIn = !!m && m.leftAt === null && consentingIds(db, guildId, [memberId]).has(memberId);
  return {
    in: isIn,
    skipping: isIn && m!.skipUntil !== null && m!.skipUntil > now,
    // A paired forum's members are in the Discord guild's round (roundGuildOf).
    nextRoundAt: nextRoundAt(db, roundGuildOf(db, guildId), now),
  };
}

export function setProfile(db: Db, guildId: GuildId, memberId: MemberId, declared: DeclaredProfile, now: number) {
  setDeclared(db, guildId, memberId, declared, now);
}

export { PROFILE_MAX_AGE_MS, refreshProfiles } from './build.js';

// ---------------------------------------------------------------------------------------------
// /meet

export interface Suggestion {
  memberId: string;
  name: string;
  score: number;
  reasons: PairScore['reasons'];
  /** One or two lines, from the asker's point of view. */
  why: string;
  /** Paired communities only: where they are ("here on Discord", "on the forum (@mei)"). */
  where?: string;
}

function namesFor(
  db: Db,
  guildId: GuildId,
  scores: readonly PairScore[],
  c: Community | null = null,
  now?: number,
): Names {
  const ids = new Set<string>();
  const chans = new Set<string>();
  for (const s of scores) {
    ids.add(s.a);
    ids.add(s.b);
    for (const r of s.reasons) {
      if (r.kind === 'answers') ids.add(r.helper).add(r.asker);
      if (r.kind === 'newcomer') ids.add(r.newcomer).add(r.guide);
      if (r.kind === 'mutuals') for (const m of r.memberIds ?? []) ids.add(m);
      if (r.kind === 'channels') for (const c of r.channelIds) chans.add(c);
    }
  }
  const when = now !== undefined ? { now } : {};
  if (c) return { ...communityNames(db, c, ids, chans), ...when };
  return { ...namesFrom(memberNames(db, guildId, [...ids]), channelNames(db, guildId, [...chans])), ...when };
}

/** Names from looked-up display names and channel names, with the fallbacks messages use. */
const namesFrom = (members: ReadonlyMap<string, string>, channelIds: ReadonlyMap<string, string>): Names => ({
  member: (id) => members.get(id) ?? 'a member',
  channel: (id) => (channelIds.has(id) ? `#${channelIds.get(id)}` : 'the same channels'),
});

/** Names of community keys: home members from the home guild, `<away>/<id>` from the other one. */
function communityNames(db: Db, c: Community, ids: ReadonlySet<string>, chans: ReadonlySet<string>): Names {
  const split = (items: ReadonlySet<string>) => {
    const home: string[] = [];
    const away: string[] = [];
    for (const x of items) {
      const a = awayIdOf(c.away, x);
      if (a === null) home.push(x);
      else away.push(a);
    }
    return { home, away };
  };
  const m = split(ids);
  const members = memberNames(db, c.home, m.home);
  for (const [id, name] of memberNames(db, c.away, m.away)) members.set(awayKey(c.away, id), name);
  const ch = split(chans);
  const channelIds = channelNames(db, c.home, ch.home);
  for (const [id, name] of channelNames(db, c.away, ch.away)) channelIds.set(awayKey(c.away, id), name);
  return namesFrom(members, channelIds);
}

/** The scorer's context for a community pool (graph facts by key, both builds, the home's history). */
function communityContext(db: Db, c: Community, pool: CommunityPool, now: number): ScoreContext {
  const degree = new Map<string, number>();
  const community = new Map<string, number>();
  for (const [key, f] of pool.facts) {
    degree.set(key, f.degree);
    if (f.community !== null) community.set(key, f.community);
  }
  const build = communityBuild(db, c);
  return {
    profiles: pool.profiles,
    stats: {
      memberCount: build?.memberCount ?? pool.profiles.size,
      termFreq: new Map(),
      degree,
      hubDegree: build?.hubDegree ?? Number.POSITIVE_INFINITY,
      community,
    },
    consented: new Set(pool.profiles.keys()),
    history: introHistory(db, c.home, now),
    now,
  };
}

/** Profile rows of community keys: home ids (and linked people) from home, the rest from away. */
function rowsOf(db: Db, c: Community, keys: readonly string[]) {
  const home: string[] = [];
  const away: string[] = [];
  for (const key of keys) {
    const a = awayIdOf(c.away, key);
    if (a !== null) away.push(a);
    else {
      home.push(key);
      const other = c.homeToAway.get(key);
      if (other !== undefined) away.push(other);
    }
  }
  return {
    home: home.length > 0 ? consentingProfiles(db, c.home, home) : new Map<string, ProfileRow>(),
    away: away.length > 0 ? consentingProfiles(db, c.away, away) : new Map<string, ProfileRow>(),
  };
}

/** "here on Discord", "on the forum (@mei)", "on Discord (cyd)": where a suggested person is. */
function whereOf(h: Handle, homePlatform: Platform): string {
  if (h.platform === homePlatform) return `here on ${platformWords(h.platform)}`;
  return h.platform === 'discourse'
    ? `on the forum (@${quiet(h.username)})`
    : `on Discord (${quiet(h.username || h.displayName)})`;
}

/**
 * /meet's second source of candidates: the asker's strongest partners (those `hop` allows) who are
 * in intros, and the people those partners talk with and the asker does not yet.
 */
function voteTwoHops(
  db: Db,
  guildId: GuildId,
  memberId: string,
  asker: Profile,
  votes: Map<string, number>,
  hop: (id: string) => boolean = () => true,
): void {
  const hops = [...asker.neighbours]
    .filter(([z]) => hop(z))
    .sort((x, y) => y[1] - x[1])
    .slice(0, INDEX_LIMITS.hopNeighbours);
  const partners = consentingProfiles(
    db,
    guildId,
    hops.map(([z]) => z),
  );
  for (const row of partners.values()) {
    votes.set(row.memberId, (votes.get(row.memberId) ?? 0) + 0.05);
    for (const [other] of row.derived?.neighbours ?? []) {
      if (other !== memberId && !asker.neighbours.has(other)) votes.set(other, (votes.get(other) ?? 0) + 0.1);
    }
  }
}

/** The candidates /meet scores: the most voted, ties by id. */
const mostVoted = (votes: ReadonlyMap<string, number>) =>
  [...votes]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, INDEX_LIMITS.candidates)
    .map(([id]) => id);

/** The asker's best `limit` pairs among `candidates` (positive scores, best first, ties by id). */
function bestPairs(memberId: string, candidates: Iterable<string>, ctx: ScoreContext, limit: number): PairScore[] {
  const scores: PairScore[] = [];
  for (const id of candidates) {
    const s = scorePair(memberId, id, ctx);
    if (s && s.score > 0) scores.push(s);
  }
  scores.sort((x, y) => y.score - x.score || (x.b < y.b ? -1 : 1));
  return scores.slice(0, limit);
}

/**
 * /meet in a paired community: the same as below over both platforms' indexes. A linked person
 * is one candidate (never the asker's own other account), suggested with where they are active.
 */
function suggestAcross(db: Db, c: Community, memberId: MemberId, now: number, limit: number): Suggestion[] {
  const own = rowsOf(db, c, [memberId]);
  const self = communityPool(db, c, own.home, own.away, now, false);
  const asker = self.profiles.get(memberId);
  if (!asker) throw new UserFacingError('You have not joined intros yet — try /intros join');

  const queryTerms = [...asker.terms].sort((x, y) => y[1] - x[1]).slice(0, INDEX_LIMITS.queryTerms);
  const votes = candidatesByTerms(db, c.home, queryTerms, memberId, 40);
  const ownAway = c.homeToAway.get(memberId) ?? '';
  for (const [id, v] of candidatesByTerms(db, c.away, queryTerms, ownAway, 40)) {
    const key = keyOfAway(c, id);
    votes.set(key, (votes.get(key) ?? 0) + v);
  }
  // Two hops through the asker's partners on the home platform (neighbours are keys: home ids are plain).
  voteTwoHops(db, c.home, memberId, asker, votes, (z) => awayIdOf(c.away, z) === null);
  votes.delete(memberId);
  const rows = rowsOf(db, c, mostVoted(votes));
  const pool = communityPool(db, c, rows.home, rows.away, now, false);
  pool.profiles.delete(memberId);
  const candidates = [...pool.profiles.keys()];
  pool.profiles.set(memberId, asker);
  const top = bestPairs(memberId, candidates, communityContext(db, c, pool, now), limit);
  const names = namesFor(db, c.home, top, c, now);
  const handles = handlesOf(
    db,
    pool.contact,
    top.map((s) => s.b),
  );
  return top.map((s) => {
    const h = handles.get(s.b);
    return {
      memberId: s.b,
      name: names.member(s.b),
      score: s.score,
      reasons: s.reasons,
      why: explain(s, names, memberId),
      ...(h ? { where: whereOf(h, c.homePlatform) } : {}),
    };
  });
}

/**
 * The top people `memberId` should meet, each with its reason. Candidates come from the term
 * index and the neighbourhood (never a scan of every member); consent is filtered in each query
 * and again by the scorer.
 */
export function suggestFor(db: Db, guildId: GuildId, memberId: MemberId, now: number, limit = 3): Suggestion[] {
  const c = communityOf(db, guildId);
  if (c) return suggestAcross(db, c, memberId, now, limit);
  if (!consentingIds(db, guildId, [memberId]).has(memberId))
    throw new UserFacingError('You have not joined intros yet — try /intros join');
  ensureProfile(db, guildId, memberId, now);
  const own = consentingProfiles(db, guildId, [memberId]).get(memberId)!;
  const asker = rowToProfile(own, now);

  const queryTerms = [...asker.terms].sort((x, y) => y[1] - x[1]).slice(0, INDEX_LIMITS.queryTerms);
  const votes = candidatesByTerms(db, guildId, queryTerms, memberId, 40);
  // Two hops: the people the asker's (consenting) partners talk with.
  voteTwoHops(db, guildId, memberId, asker, votes);
  const candidates = consentingProfiles(db, guildId, mostVoted(votes));

  const profiles = new Map<string, Profile>([[memberId, asker]]);
  for (const row of candidates.values()) profiles.set(row.memberId, rowToProfile(row, now));
  const ctx = scoreContext(db, guildId, profiles, new Set(profiles.keys()), now);
  const top = bestPairs(memberId, candidates.keys(), ctx, limit);
  const names = namesFor(db, guildId, top, null, now);
  return top.map((s) => ({
    memberId: s.b,
    name: names.member(s.b),
    score: s.score,
    reasons: s.reasons,
    why: explain(s, names, memberId),
  }));
}

/**
 * The scorer's context for a set of loaded profiles: graph facts (from `rows` when the caller
 * has them, else one lookup), hubs, history.
 */
function scoreContext(
  db: Db,
  guildId: GuildId,
  profiles: Map<string, Profile>,
  consented: Set<string>,
  now: number,
  rows?: ReadonlyMap<string, { degree: number; community: number | null }>,
): ScoreContext {
  const facts = rows ?? graphFacts(db, guildId, [...profiles.keys()]);
  const degree = new Map<string, number>();
  const community = new Map<string, number>();
  for (const [id, f] of facts) {
    degree.set(id, f.degree);
    if (f.community !== null) community.set(id, f.community);
  }
  const build = lastBuild(db, guildId);
  return {
    profiles,
    stats: {
      memberCount: build?.memberCount ?? profiles.size,
      termFreq: new Map(),
      degree,
      hubDegree: build?.hubDegree ?? Number.POSITIVE_INFINITY,
      community,
    },
    consented,
    history: introHistory(db, guildId, now),
    now,
  };
}

// ---------------------------------------------------------------------------------------------
// Introduce us → Accept / Decline

const introIdFor = (a: string, b: string, now: number) =>
  `m${now.toString(36)}${(hashOf(`${a}|${b}`) % 46656).toString(36)}`;

function hashOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** "Introduce us": ask `otherId` (DM with Accept / Decline). Returns the intro id. */
export function requestIntro(
  db: Db,
  platform: Platform,
  guildId: GuildId,
  askerId: MemberId,
  otherId: MemberId,
  now: number,
): { introId: string; otherName: string; already: boolean; where?: string } {
  if (askerId === otherId) throw new UserFacingError('That is you! Try /meet for other people.');
  const c = communityOf(db, guildId);
  const consent = inIntros(db, guildId, c, [askerId, otherId]);
  if (!consent.has(askerId)) throw new UserFacingError('You have not joined intros yet — try /intros join');
  const names = displayNames(db, guildId, c, [askerId, otherId]);
  const otherName = names.get(otherId) ?? 'them';
  // Someone who left intros is never contacted: the asker hears only that it is not possible now.
  if (!consent.has(otherId))
    throw new UserFacingError('That introduction is not possible right now. /meet has others.');
  const open = openRequest(db, guildId, askerId, otherId, now - 30 * DAY_MS);
  if (open) return { introId: open.introId, otherName, already: true };
  const history = introHistory(db, guildId, now);
  const past = history.pairs.get(pairKey(askerId, otherId));
  if (past?.outcome === 'declined' && now - past.at < DECLINE_QUIET_MS) {
    throw new UserFacingError('Not this time. /meet has more people for you.');
  }

  let ctx: ScoreContext;
  let pool: CommunityPool | null = null;
  if (c) {
    const rows = rowsOf(db, c, [askerId, otherId]);
    pool = communityPool(db, c, rows.home, rows.away, now, false);
    ctx = communityContext(db, c, pool, now);
  } else {
    const rows = consentingProfiles(db, guildId, [askerId, otherId]);
    const profiles = new Map([...rows.values()].map((r) => [r.memberId, rowToProfile(r, now)]));
    ctx = scoreContext(db, guildId, profiles, new Set(rows.keys()), now);
  }
  const score = scorePair(askerId, otherId, ctx) ?? { a: askerId, b: otherId, score: 0, reasons: [] };
  const why = explain(score, namesFor(db, guildId, [score], c, now), otherId);
  const introId = introIdFor(askerId, otherId, now);
  // Someone only on the other platform cannot press Accept or Decline (Discourse has no buttons):
  // they get a private message there with the asker's handle, and the intro counts as made.
  if (c && pool && awayIdOf(c.away, otherId) !== null) {
    const recent = history.pairs.get(pairKey(askerId, otherId));
    if (recent && recent.outcome !== 'declined' && now - recent.at < 30 * DAY_MS) {
      const h = handlesOf(db, pool.contact, [askerId, otherId]);
      const [me, them] = [h.get(askerId), h.get(otherId)];
      return { introId, otherName, already: true, where: me && them ? nameFor(them, me, quiet).text : 'elsewhere' };
    }
    return requestAcross(db, c, pool, askerId, otherId, score, why, introId, otherName, now);
  }
  const askerName = quiet(names.get(askerId) ?? 'A member');
  const body: MessageBody = {
    content: `Hi! ${askerName} would like to meet you through Convene. ${why}. Would you like an introduction?`,
    buttons: [
      { id: buttonId(BUTTONS.accept, `${guildId}:${introId}`), label: 'Accept', style: 'success' },
      { id: buttonId(BUTTONS.decline, `${guildId}:${introId}`), label: 'Decline', style: 'secondary' },
    ],
  };
  db.transaction((tx) => {
    insertIntro(tx as unknown as Db, {
      ...meetRow(guildId, introId, [askerId, otherId], score, now),
      status: 'asked',
    });
    enqueue(
      tx as unknown as Db,
      [
        {
          platform,
          guildId,
          key: `intros:${guildId}:ask:${introId}`,
          action: { type: 'dm.send', memberId: otherId, body },
        },
      ],
      now,
    );
  });
  return { introId, otherName, already: false };
}

/** A /meet intro as first written: asked, not decided, no thread, no follow-up yet. */
function meetRow(guildId: GuildId, introId: string, memberIds: string[], score: PairScore, now: number): IntroRow {
  return {
    guildId,
    introId,
    kind: 'meet',
    roundId: null,
    roundSeq: null,
    groupIndex: null,
    memberIds,
    reasons: score.reasons,
    score: score.score,
    status: 'asked',
    threadKey: null,
    createdAt: now,
    decidedAt: null,
    followUpAt: null,
    followedUpAt: null,
  };
}

/** Who of `ids` is in intros: by this guild's consent, or the community's when it is paired. */
const inIntros = (db: Db, guildId: GuildId, c: Community | null, ids: readonly string[]) =>
  c ? communityConsent(db, c, ids) : consentingIds(db, guildId, ids);

/** Display names of `ids` (community keys when paired); absent: unknown. */
function displayNames(db: Db, guildId: GuildId, c: Community | null, ids: readonly string[]): Map<string, string> {
  if (!c) return memberNames(db, guildId, ids);
  const names = communityNames(db, c, new Set(ids), new Set());
  return new Map(ids.map((id) => [id, names.member(id)]));
}

/**
 * "Introduce us" to someone only on the other platform: a private message there naming the asker
 * with how to reach them; the asker is told how to reach them back (requestIntro's reply and the
 * button say where). Recorded as a made /meet intro (follow-up included), under the asker's guild.
 */
function requestAcross(
  db: Db,
  c: Community,
  pool: CommunityPool,
  askerId: string,
  otherId: string,
  score: PairScore,
  why: string,
  introId: string,
  otherName: string,
  now: number,
): { introId: string; otherName: string; already: boolean; where: string } {
  const handles = handlesOf(db, pool.contact, [askerId, otherId]);
  const asker = handles.get(askerId);
  const other = handles.get(otherId);
  if (!asker || !other) throw new UserFacingError('That introduction is not possible right now. /meet has others.');
  const settings = getSettings(db, c.home).intros;
  const askerName = nameFor(asker, other, quiet);
  const key = `intros:${c.home}:ask:${introId}`;
  const item: OutboxItem = {
    platform: other.platform,
    guildId: asGuildId(other.guildId),
    key,
    action: {
      type: 'dm.send',
      memberId: asMemberId(other.memberId),
      body: {
        content: `Hi! ${quiet(asker.displayName)} (${askerName.text}) would like to meet you through Convene. ${why}. If you would like that too, say hello to them there. (Not now? Nothing to do: they will not hear more. /intros leave stops intros.)`,
        mentions: { members: askerName.mention ? [asMemberId(askerName.mention)] : [] },
      },
    },
  };
  db.transaction((tx) => {
    insertIntro(tx as unknown as Db, {
      ...meetRow(c.home, introId, [askerId, otherId], score, now),
      status: 'made',
      threadKey: key,
      decidedAt: now,
      followUpAt: now + settings.followUpDays * DAY_MS,
    });
    enqueue(tx as unknown as Db, [item], now);
  });
  return { introId, otherName, already: false, where: nameFor(other, asker, quiet).text };
}

function invitation(db: Db, guildId: GuildId, introId: string, memberId: MemberId): IntroRow {
  const intro = getIntro(db, guildId, introId);
  if (intro?.kind !== 'meet') throw new UserFacingError('This invitation is no longer open.');
  if (intro.memberIds[1] !== memberId) throw new UserFacingError('This invitation is for someone else.');
  return intro as IntroRow;
}

/** The other member accepted: open a private thread (or a DM to each), in one transaction. */
export function acceptIntro(
  db: Db,
  platform: Platform,
  guildId: GuildId,
  introId: string,
  memberId: MemberId,
  now: number,
): 'made' | 'already' | 'declined' | 'gone' {
  const intro = invitation(db, guildId, introId, memberId);
  if (intro.status === 'made') return 'already';
  if (intro.status === 'declined') return 'declined';
  const [askerId, otherId] = intro.memberIds as [string, string];
  const c = communityOf(db, guildId);
  const consent = inIntros(db, guildId, c, [askerId, otherId]);
  if (!consent.has(askerId) || !consent.has(otherId)) {
    db.transaction((tx) => updateIntro(tx as unknown as Db, guildId, introId, { status: 'declined', decidedAt: now }));
    return 'gone';
  }
  const settings = getSettings(db, guildId).intros;
  const names = namesFor(db, guildId, [{ a: askerId, b: otherId, score: intro.score, reasons: intro.reasons }], c, now);
  const items = introductionActions(
    platform,
    guildId,
    `intros:${guildId}:meet:${introId}`,
    settings,
    [askerId, otherId],
    intro.reasons,
    names,
    introId,
    'meet',
  );
  db.transaction((tx) => {
    updateIntro(tx as unknown as Db, guildId, introId, {
      status: 'made',
      decidedAt: now,
      threadKey: items[0]!.key,
      followUpAt: now + settings.followUpDays * DAY_MS,
    });
    enqueue(tx as unknown as Db, items, now);
  });
  return 'made';
}

/** The other member declined: the asker hears "not this time" and nothing more. */
export function declineIntro(
  db: Db,
  platform: Platform,
  guildId: GuildId,
  introId: string,
  memberId: MemberId,
  now: number,
): 'declined' | 'already' {
  const intro = invitation(db, guildId, introId, memberId);
  if (intro.status !== 'asked') return 'already';
  const [askerId, otherId] = intro.memberIds as [string, string];
  const c = communityOf(db, guildId);
  const otherName = quiet(displayNames(db, guildId, c, [otherId]).get(otherId) ?? 'them');
  const askerIn = inIntros(db, guildId, c, [askerId]).has(askerId);
  db.transaction((tx) => {
    updateIntro(tx as unknown as Db, guildId, introId, { status: 'declined', decidedAt: now });
    if (askerIn) {
      enqueue(
        tx as unknown as Db,
        [
          {
            platform,
            guildId,
            key: `intros:${guildId}:declined:${introId}`,
            action: {
              type: 'dm.send',
              memberId: asMemberId(askerId),
              body: { content: `About meeting ${otherName}: not this time. /meet has more people for you.` },
            },
          },
        ],
        now,
      );
    }
  });
  return 'declined';
}

/**
 * In a group of three, what each member is told: the reasons of their own strongest pair in the group,
 * naming that partner. The group's strongest pair's reasons, told to all three, said "you are both
 * active in #category 7" to members who never posted there (9 of the urho3d replay's trio DMs).
 */
function ownPairWhy(
  memberIds: readonly string[],
  scores: ReadonlyMap<string, PairScore>,
  names: Names,
): (id: string) => string {
  return (id) => {
    let best: PairScore | undefined;
    for (const other of memberIds) {
      if (other === id) continue;
      const s = scores.get(pairKey(id, other));
      if (s && (!best || s.score > best.score)) best = s;
    }
    const partner = best && (best.a === id ? best.b : best.a);
    if (!best || !partner || best.reasons.length === 0) return 'The three of you joined intros';
    return `With ${quiet(names.member(partner))}: ${lowerFirst(explain(best, names, id))}`;
  };
}

const lowerFirst = (text: string) => (text.startsWith('You') ? `y${text.slice(1)}` : text);

/**
 * The Actions that introduce a group: one private thread in the intros channel (key `key`), or a
 * DM to each member when no channel is set (key `<key>:<member>`).
 */
function introductionActions(
  platform: Platform,
  guildId: GuildId,
  key: string,
  settings: IntrosSettings,
  memberIds: readonly string[],
  reasons: PairScore['reasons'],
  names: Names,
  seed: string,
  kind: 'round' | 'meet',
  whyFor: (id: string) => string = (id) => explain({ reasons }, names, id),
  /** The pair `reasons` are about, when the group is larger: the thread names them. */
  pair?: readonly [string, string],
): OutboxItem[] {
  const why = pair
    ? `${quiet(names.member(pair[0]))} and ${quiet(names.member(pair[1]))}: ${lowerFirst(explain({ reasons }, names, null))}`
    : explain({ reasons }, names, null);
  const starter = conversationStarter(reasons, seed);
  const origin = kind === 'round' ? 'this round of intros' : 'a /meet request you both accepted';
  const footer = `(From ${origin}. /intros leave stops future intros.)`;
  if (settings.channelId) {
    const who = memberIds.map(mention);
    const greeting = `👋 ${who.slice(0, -1).join(', ')}${who.length > 2 ? ',' : ''} meet ${who[who.length - 1]}!`;
    const title = memberIds.map((id) => names.member(id)).join(' & ');
    const action: Action = {
      type: 'thread.create',
      channelId: asChannelId(settings.channelId),
      // Discord: thread names are at most 100 characters.
      name: `Intro: ${title}`.slice(0, 100),
      memberIds: memberIds.map(asMemberId),
      body: {
        content: `${greeting}\n${why}.\nTo get you started: ${starter}\n${footer}`,
        mentions: { members: memberIds.map(asMemberId) },
      },
    };
    return [{ platform, guildId, key, action }];
  }
  return memberIds.map((id) => {
    const others = memberIds.filter((m) => m !== id).map((m) => quiet(names.member(m)));
    return {
      platform,
      guildId,
      key: `${key}:${id}`,
      action: {
        type: 'dm.send',
        memberId: asMemberId(id),
        body: {
          content: `👋 Meet ${others.join(' and ')}! ${whyFor(id)}.\nTo get you started: ${starter}\nSay hello to them directly. ${footer}`,
        },
      },
    };
  });
}

/**
 * The Actions that introduce a group across platforms: a private message to each person on the
 * platform where they are active (key `<key>:<member key>`), naming the others with how to reach
 * them. Mentions list only Discord members of the recipient's own guild (across.ts nameFor).
 */
function acrossActions(
  key: string,
  memberIds: readonly string[],
  handles: ReadonlyMap<string, Handle>,
  reasons: PairScore['reasons'],
  names: Names,
  seed: string,
  kind: 'round' | 'meet',
  whyFor: (id: string) => string = (id) => explain({ reasons }, names, id),
): OutboxItem[] {
  const starter = conversationStarter(reasons, seed);
  const origin = kind === 'round' ? 'this round of intros' : 'a /meet request you both accepted';
  const footer = `(From ${origin}. /intros leave stops future intros.)`;
  const out: OutboxItem[] = [];
  for (const id of memberIds) {
    const to = handles.get(id);
    if (!to) continue;
    const mentions: MemberId[] = [];
    const others = memberIds
      .filter((m) => m !== id)
      .map((m) => {
        const h = handles.get(m);
        if (!h) return quiet(names.member(m));
        const n = nameFor(h, to, quiet);
        if (n.mention) mentions.push(asMemberId(n.mention));
        return n.text;
      });
    out.push({
      platform: to.platform,
      guildId: asGuildId(to.guildId),
      key: `${key}:${id}`,
      action: {
        type: 'dm.send',
        memberId: asMemberId(to.memberId),
        body: {
          content: `👋 Meet ${others.join(' and ')}! ${whyFor(id)}.\nTo get you started: ${starter}\nSay hello to them where they are. ${footer}`,
          mentions: { members: mentions },
        },
      },
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rounds

export interface RoundResult {
  roundId: string;
  pool: number;
  groups: number;
  enqueued: number;
  /** The round existed already (a retry after a crash, or run-now twice in the same minute). */
  existing: boolean;
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
  const settings = getSettings(db, guildId).intros;
  refreshProfiles(db, guildId, now);

  const c = communityOf(db, guildId);
  let pool: string[];
  let ctx: ScoreContext;
  let community: CommunityPool | null = null;
  if (c) {
    // Both platforms' pools: consenting, not skipping; each person once (community.ts).
    refreshProfiles(db, c.away, now);
    const inHome = new Set(roundPool(db, c.home, now));
    const inAway = new Set(roundPool(db, c.away, now));
    const homeRows = new Map([...consentingProfiles(db, c.home)].filter(([id]) => inHome.has(id)));
    const awayRows = new Map([...consentingProfiles(db, c.away)].filter(([id]) => inAway.has(id)));
    community = communityPool(db, c, homeRows, awayRows, now, true);
    ctx = communityContext(db, c, community, now);
    pool = consentingPool([...community.profiles.keys()].sort(), ctx);
  } else {
    const poolIds = roundPool(db, guildId, now);
    const inPool = new Set(poolIds);
    // All consenting profiles in one query (a round reads most of them), then the pool only.
    const rows = new Map([...consentingProfiles(db, guildId)].filter(([id]) => inPool.has(id)));
    const profiles = new Map<string, Profile>();
    for (const row of rows.values()) profiles.set(row.memberId, rowToProfile(row, now));
    ctx = scoreContext(db, guildId, profiles, new Set(rows.keys()), now, rows);
    pool = consentingPool(poolIds, ctx);
  }

  const seq = lastRoundSeq(db, guildId) + 1;
  const recent = recentRoundPairs(db, guildId, seq - 1 - settings.noRepeatRounds);
  const forbidden = (i: number, j: number) => {
    const key = pairKey(pool[i]!, pool[j]!);
    const past = ctx.history.pairs.get(key)?.outcome;
    return recent.has(key) || past === 'declined' || past === 'met';
  };
  const { groups, scores } = planRound(pool, ctx, settings.size, forbidden);

  const names = namesFor(db, guildId, [...scores.values()], c, now);
  const handles =
    c && community
      ? handlesOf(
          db,
          community.contact,
          groups.flatMap((g) => g.members.map((i) => pool[i]!)),
        )
      : null;
  const items: OutboxItem[] = [];
  const introRows: IntroRow[] = [];
  groups.forEach((group, gi) => {
    const memberIds = group.members.map((i) => pool[i]!);
    // The group's reason is its strongest pair's.
    let best: PairScore | undefined;
    for (let x = 0; x < memberIds.length; x++)
      for (let y = x + 1; y < memberIds.length; y++) {
        const s = scores.get(pairKey(memberIds[x]!, memberIds[y]!));
        if (s && (!best || s.score > best.score)) best = s;
      }
    const reasons = best?.reasons ?? [];
    const key = `intros:${guildId}:${roundId}:${gi}`;
    const whyFor = memberIds.length > 2 ? ownPairWhy(memberIds, scores, names) : undefined;
    // A group all reached here is introduced as always; any other gets a private message to each
    // person on their own platform.
    const actions =
      handles && memberIds.some((id) => handles.get(id)?.guildId !== guildId)
        ? acrossActions(key, memberIds, handles, reasons, names, key, 'round', whyFor)
        : introductionActions(
            platform,
            guildId,
            key,
            settings,
            memberIds,
            reasons,
            names,
            key,
            'round',
            whyFor,
            // A thread for three told all of them "you both …": it names the pair the reasons are about.
            memberIds.length > 2 && best ? [best.a, best.b] : undefined,
          );
    items.push(...actions);
    introRows.push({
      guildId,
      introId: `${roundId}:${gi}`,
      kind: 'round',
      roundId,
      roundSeq: seq,
      groupIndex: gi,
      memberIds,
      reasons,
      score: group.score,
      status: 'made',
      threadKey: actions[0]?.key ?? key,
      createdAt: now,
      decidedAt: now,
      followUpAt: now + settings.followUpDays * DAY_MS,
      followedUpAt: null,
    });
  });
  let enqueued = 0;
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    insertRound(t, {
      guildId,
      roundId,
      seq,
      startedAt: now,
      pool: pool.length,
      groups: groups.length,
      totalScore: groups.reduce((s, g) => s + g.score, 0),
    });
    for (const row of introRows) insertIntro(t, row);
    enqueued = enqueue(t, items, now);
  });
  return { roundId, pool: pool.length, groups: groups.length, enqueued, existing: false };
}

/**
 * The pure part of a round: candidate edges from the index (best few per member), then groups by
 * maximum-weight matching. Returns the groups (indexes into `pool`) and the pair scores used.
 */
export function planRound(
  pool: readonly string[],
  ctx: ScoreContext,
  size: 2 | 3,
  forbidden: (i: number, j: number) => boolean,
  matcher: 'blossom' | 'greedy' = 'blossom',
) {
  const consented = new Set(pool);
  const roundCtx: ScoreContext = { ...ctx, consented };
  const index = new CandidateIndex(roundCtx);
  const pos = new Map(pool.map((id, i) => [id, i]));
  const scores = new Map<string, PairScore>();
  const edges: ScoredEdge[] = [];
  for (const id of pool) {
    // Scores without reasons here: only the pairs that end up in a group are explained.
    for (const s of index.bestFor(id, ROUND_EDGES_PER_MEMBER, ROUND_CANDIDATES, false)) {
      scores.set(pairKey(s.a, s.b), s);
      edges.push({ a: pos.get(s.a)!, b: pos.get(s.b)!, score: s.score });
    }
  }
  const fallback = (i: number, j: number) => {
    const key = pairKey(pool[i]!, pool[j]!);
    let s = scores.get(key);
    if (!s) {
      s = scorePair(pool[i]!, pool[j]!, roundCtx, false) ?? undefined;
      if (s) scores.set(key, s);
    }
    return s ? s.score : 0;
  };
  const groups = formGroups(pool.length, edges, { size, forbidden, fallback, matcher });
  // Reasons for the pairs inside groups (the message explains each group by its strongest pair).
  const explained = new Map<string, PairScore>();
  for (const g of groups) {
    for (let x = 0; x < g.members.length; x++) {
      for (let y = x + 1; y < g.members.length; y++) {
        const s = scorePair(pool[g.members[x]!]!, pool[g.members[y]!]!, roundCtx);
        if (s) explained.set(pairKey(s.a, s.b), s);
      }
    }
  }
  return { groups, scores: explained };
}

// ---------------------------------------------------------------------------------------------
// "Did you meet?" and feedback

export function sendFollowUps(db: Db, platform: Platform, guildId: GuildId, now: number): number {
  const due = dueFollowUps(db, guildId, now);
  if (due.length === 0) return 0;
  const everyone = [...new Set(due.flatMap((d) => d.memberIds))];
  // Paired: members of the other platform are asked there (their key says which account; a linked
  // person is asked on this guild's platform, where the buttons work).
  const c = communityOf(db, guildId);
  const consent = inIntros(db, guildId, c, everyone);
  const names = displayNames(db, guildId, c, everyone);
  let enqueued = 0;
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    for (const intro of due) {
      const items: OutboxItem[] = [];
      for (const id of intro.memberIds) {
        // Someone who left intros since is not contacted again.
        if (!consent.has(id)) continue;
        const others = intro.memberIds.filter((m) => m !== id).map((m) => quiet(names.get(m) ?? 'them'));
        const arg = (answer: string) => `${guildId}:${intro.introId}:${answer}`;
        const to = c ? accountOfKey(c, id) : { platform, guildId, memberId: id };
        items.push({
          platform: to.platform,
          guildId: to.guildId,
          key: `intros:${guildId}:followup:${intro.introId}:${id}`,
          action: {
            type: 'dm.send',
            memberId: asMemberId(to.memberId),
            body: {
              content: `Did you meet ${others.join(' and ')}? Your answer helps the next intros fit better.`,
              buttons: [
                { id: buttonId(BUTTONS.feedback, arg('met')), label: 'We met', style: 'success' },
                { id: buttonId(BUTTONS.feedback, arg('not_yet')), label: 'Not yet', style: 'secondary' },
                { id: buttonId(BUTTONS.feedback, arg('skip')), label: 'Skip me next round', style: 'secondary' },
              ],
            },
          },
        });
      }
      enqueued += enqueue(t, items, now);
      updateIntro(t, guildId, intro.introId, { followedUpAt: now });
    }
  });
  return enqueued;
}

export function giveFeedback(
  db: Db,
  guildId: GuildId,
  introId: string,
  memberId: MemberId,
  answer: FeedbackAnswer,
  now: number,
): void {
  const intro = getIntro(db, guildId, introId);
  if (!intro?.memberIds.includes(memberId)) throw new UserFacingError('This question was for someone else.');
  db.transaction((tx) => {
    recordFeedback(tx as unknown as Db, guildId, introId, memberId, answer, now);
    if (answer === 'skip') {
      const next = nextRoundAt(db, guildId, now);
      // Out of the next round only: the one after it includes them again.
      setSkipUntil(tx as unknown as Db, guildId, memberId, (next ?? now + 7 * DAY_MS) + 3_600_000, now);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Schedule and settings

const CRON_DAY = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 } as const;

export function scheduleOf(settings: ReturnType<typeof getSettings>) {
  const s = settings.intros;
  if (!s.enabled) return null;
  const [hh, mm] = s.time.split(':').map(Number) as [number, number];
  return {
    cron: `${mm} ${hh} * * ${CRON_DAY[s.day]}`,
    timezone: s.timezone ?? settings.core.timezone,
    ...(s.since !== null ? { since: s.since } : {}),
  };
}

/** The local date of a due time: the period of a round (and of its outbox keys). */
export function periodOf(dueAt: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(dueAt));
}

/** Every 2 or 4 weeks: the weekly schedule fires every week and only every k-th week runs. */
export function isRoundWeek(period: string, every: IntrosSettings['every']): boolean {
  const k = every === '1w' ? 1 : every === '2w' ? 2 : 4;
  const days = Math.floor(Date.parse(`${period}T12:00:00Z`) / DAY_MS);
  return Math.floor(days / 7) % k === 0;
}

export function nextRoundAt(db: Db, guildId: GuildId, now: number): number | null {
  const settings = getSettings(db, guildId);
  const schedule = scheduleOf(settings);
  if (!schedule) return null;
  const cron = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true });
  let from = new Date(now);
  for (let i = 0; i < 8; i++) {
    const next = cron.nextRun(from);
    if (!next) return null;
    if (isRoundWeek(periodOf(next.getTime(), schedule.timezone), settings.intros.every)) return next.getTime();
    from = next;
  }
  return null;
}

export interface IntrosConfig {
  channelId: string;
  every: IntrosSettings['every'];
  day: IntrosSettings['day'];
  time: string;
  timezone: string | null;
  size: 2 | 3;
}

/** /convene intros set: save the schedule and post the "join intros" invitation in the channel once. */
export function configure(
  db: Db,
  platform: Platform,
  guildId: GuildId,
  actorId: MemberId,
  config: IntrosConfig,
  now: number,
) {
  let saved!: IntrosSettings;
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    saved = updateSettings(
      t,
      guildId,
      actorId,
      'intros.set',
      (s) => ({ ...s, intros: { ...s.intros, ...config, enabled: true, since: now } }),
      now,
    ).intros;
    enqueue(
      t,
      [
        {
          platform,
          guildId,
          key: `intros:${guildId}:announce:${config.channelId}`,
          action: {
            type: 'message.send',
            channelId: asChannelId(config.channelId),
            body: {
              content:
                'Intros are on! Every round, Convene pairs people who would enjoy talking — with a short reason why. Join whenever you like; /intros leave takes you out any time.',
              buttons: [{ id: buttonId(BUTTONS.join, guildId), label: 'Join intros', style: 'primary' }],
            },
          },
        },
      ],
      now,
    );
  });
  return saved;
}

export function turnOff(db: Db, guildId: GuildId, actorId: MemberId, now: number): boolean {
  const was = getSettings(db, guildId).intros.enabled;
  updateSettings(db, guildId, actorId, 'intros.off', (s) => ({ ...s, intros: { ...s.intros, enabled: false } }), now);
  return was;
}

export { consentingIds as consentingMembers };
