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
 */
import { Cron } from 'croner';
import type { Action, MessageBody, OutboxItem } from '../../actions.js';
import { buttonId, UserFacingError } from '../../commands.js';
import type { Db } from '../../db/connection.js';
import { asChannelId, asMemberId, type GuildId, type MemberId, type Platform } from '../../events.js';
import { getSettings, updateSettings } from '../../guildSettings.js';
import { enqueue } from '../../outbox/store.js';
import { CandidateIndex, INDEX_LIMITS } from './candidates.js';
import { formGroups, type ScoredEdge } from './match.js';
import { buildProfiles, type DeclaredProfile, type Profile } from './profile.js';
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
  profileSource,
  recentRoundPairs,
  recordFeedback,
  roundById,
  roundPool,
  rowToProfile,
  saveProfiles,
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

/** How far back messages count for a profile. */
const PROFILE_WINDOW_MS = 365 * DAY_MS;
/** Profiles are rebuilt when older than this (the scan job) and before every round. */
export const PROFILE_MAX_AGE_MS = DAY_MS;
/** A round scores this many candidates per member and keeps this many edges per member. */
const ROUND_CANDIDATES = 24;
const ROUND_EDGES_PER_MEMBER = 6;
/** A declined /meet request is not asked again for this long. */
const DECLINE_QUIET_MS = 180 * DAY_MS;

const mention = (id: string) => `<@${id}>`;

// ---------------------------------------------------------------------------------------------
// Consent and profiles

export function join(db: Db, guildId: GuildId, memberId: MemberId, now: number) {
  return joinIntros(db, guildId, memberId, now);
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
    nextRoundAt: nextRoundAt(db, guildId, now),
  };
}

export function setProfile(db: Db, guildId: GuildId, memberId: MemberId, declared: DeclaredProfile, now: number) {
  setDeclared(db, guildId, memberId, declared, now);
}

/** Rebuild every consenting member's profile and the term index (when stale, or `force`). */
export function refreshProfiles(db: Db, guildId: GuildId, now: number, force = false): boolean {
  const last = lastBuild(db, guildId);
  if (!force && last && now - last.builtAt < PROFILE_MAX_AGE_MS) return false;
  const source = profileSource(db, guildId, now - PROFILE_WINDOW_MS, now);
  const { profiles, stats } = buildProfiles(source, now);
  saveProfiles(
    db,
    guildId,
    profiles,
    { degree: stats.degree, community: stats.community, hubDegree: stats.hubDegree },
    now,
  );
  return true;
}

// ---------------------------------------------------------------------------------------------
// /meet

export interface Suggestion {
  memberId: string;
  name: string;
  score: number;
  reasons: PairScore['reasons'];
  /** One or two lines, from the asker's point of view. */
  why: string;
}

function namesFor(db: Db, guildId: GuildId, scores: readonly PairScore[]): Names {
  const ids = new Set<string>();
  const chans = new Set<string>();
  for (const s of scores) {
    ids.add(s.a);
    ids.add(s.b);
    for (const r of s.reasons) {
      if (r.kind === 'answers') ids.add(r.helper).add(r.asker);
      if (r.kind === 'newcomer') ids.add(r.newcomer).add(r.guide);
      if (r.kind === 'channels') for (const c of r.channelIds) chans.add(c);
    }
  }
  const members = memberNames(db, guildId, [...ids]);
  const channelIds = channelNames(db, guildId, [...chans]);
  return {
    member: (id) => members.get(id) ?? 'a member',
    channel: (id) => (channelIds.has(id) ? `#${channelIds.get(id)}` : 'the same channels'),
  };
}

/**
 * The top people `memberId` should meet, each with its reason. Candidates come from the term
 * index and the neighbourhood (never a scan of every member); consent is filtered in each query
 * and again by the scorer.
 */
export function suggestFor(db: Db, guildId: GuildId, memberId: MemberId, now: number, limit = 3): Suggestion[] {
  const rows = consentingProfiles(db, guildId, [memberId]);
  const own = rows.get(memberId);
  if (!own) throw new UserFacingError('You have not joined intros yet — try /intros join');
  const asker = rowToProfile(own, now);

  const queryTerms = [...asker.terms].sort((x, y) => y[1] - x[1]).slice(0, INDEX_LIMITS.queryTerms);
  const votes = candidatesByTerms(db, guildId, queryTerms, memberId, 40);
  // Two hops: the people the asker's (consenting) partners talk with.
  const hops = [...asker.neighbours].sort((x, y) => y[1] - x[1]).slice(0, INDEX_LIMITS.hopNeighbours);
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
  const ids = [...votes]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, INDEX_LIMITS.candidates)
    .map(([id]) => id);
  const candidates = consentingProfiles(db, guildId, ids);

  const profiles = new Map<string, Profile>([[memberId, asker]]);
  for (const row of candidates.values()) profiles.set(row.memberId, rowToProfile(row, now));
  const ctx = scoreContext(db, guildId, profiles, new Set(profiles.keys()), now);
  const scores: PairScore[] = [];
  for (const id of candidates.keys()) {
    const s = scorePair(memberId, id, ctx);
    if (s && s.score > 0) scores.push(s);
  }
  scores.sort((x, y) => y.score - x.score || (x.b < y.b ? -1 : 1));
  const top = scores.slice(0, limit);
  const names = namesFor(db, guildId, top);
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
): { introId: string; otherName: string; already: boolean } {
  if (askerId === otherId) throw new UserFacingError('That is you! Try /meet for other people.');
  const consent = consentingIds(db, guildId, [askerId, otherId]);
  if (!consent.has(askerId)) throw new UserFacingError('You have not joined intros yet — try /intros join');
  const names = memberNames(db, guildId, [askerId, otherId]);
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

  const rows = consentingProfiles(db, guildId, [askerId, otherId]);
  const profiles = new Map([...rows.values()].map((r) => [r.memberId, rowToProfile(r, now)]));
  const ctx = scoreContext(db, guildId, profiles, new Set(rows.keys()), now);
  const score = scorePair(askerId, otherId, ctx) ?? { a: askerId, b: otherId, score: 0, reasons: [] };
  const why = explain(score, namesFor(db, guildId, [score]), otherId);
  const introId = introIdFor(askerId, otherId, now);
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
      guildId,
      introId,
      kind: 'meet',
      roundId: null,
      roundSeq: null,
      groupIndex: null,
      memberIds: [askerId, otherId],
      reasons: score.reasons,
      score: score.score,
      status: 'asked',
      threadKey: null,
      createdAt: now,
      decidedAt: null,
      followUpAt: null,
      followedUpAt: null,
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
  const consent = consentingIds(db, guildId, [askerId, otherId]);
  if (!consent.has(askerId) || !consent.has(otherId)) {
    db.transaction((tx) => updateIntro(tx as unknown as Db, guildId, introId, { status: 'declined', decidedAt: now }));
    return 'gone';
  }
  const settings = getSettings(db, guildId).intros;
  const names = namesFor(db, guildId, [{ a: askerId, b: otherId, score: intro.score, reasons: intro.reasons }]);
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
  const otherName = quiet(memberNames(db, guildId, [otherId]).get(otherId) ?? 'them');
  const askerIn = consentingIds(db, guildId, [askerId]).has(askerId);
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
): OutboxItem[] {
  const why = explain({ reasons }, names, null);
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
          content: `👋 Meet ${others.join(' and ')}! ${explain({ reasons }, names, id)}.\nTo get you started: ${starter}\nSay hello to them directly. ${footer}`,
        },
      },
    };
  });
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
  const done = roundById(db, guildId, roundId);
  if (done) return { roundId, pool: done.pool, groups: done.groups, enqueued: 0, existing: true };
  const settings = getSettings(db, guildId).intros;
  refreshProfiles(db, guildId, now);

  const poolIds = roundPool(db, guildId, now);
  const inPool = new Set(poolIds);
  // All consenting profiles in one query (a round reads most of them), then the pool only.
  const rows = new Map([...consentingProfiles(db, guildId)].filter(([id]) => inPool.has(id)));
  const profiles = new Map<string, Profile>();
  for (const row of rows.values()) profiles.set(row.memberId, rowToProfile(row, now));
  const ctx = scoreContext(db, guildId, profiles, new Set(rows.keys()), now, rows);
  const pool = consentingPool(poolIds, ctx);

  const seq = lastRoundSeq(db, guildId) + 1;
  const recent = recentRoundPairs(db, guildId, seq - 1 - settings.noRepeatRounds);
  const forbidden = (i: number, j: number) => {
    const key = pairKey(pool[i]!, pool[j]!);
    const past = ctx.history.pairs.get(key)?.outcome;
    return recent.has(key) || past === 'declined' || past === 'met';
  };
  const { groups, scores } = planRound(pool, ctx, settings.size, forbidden);

  const names = namesFor(db, guildId, [...scores.values()]);
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
    const actions = introductionActions(platform, guildId, key, settings, memberIds, reasons, names, key, 'round');
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
      threadKey: actions[0]!.key,
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
  const consent = consentingIds(db, guildId, [...new Set(due.flatMap((d) => d.memberIds))]);
  const names = memberNames(db, guildId, [...new Set(due.flatMap((d) => d.memberIds))]);
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
        items.push({
          platform,
          guildId,
          key: `intros:${guildId}:followup:${intro.introId}:${id}`,
          action: {
            type: 'dm.send',
            memberId: asMemberId(id),
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
