/**
 * A round's decisions (pure): who may not be grouped again, the groups (candidate edges from the
 * index, then maximum-weight matching), and the intros and outbox items that introduce each group.
 */
import type { OutboxItem } from '../../actions.js';
import type { GuildId, Platform } from '../../events.js';
import type { Handle } from './across.js';
import { CandidateIndex } from './candidates.js';
import { formGroups, type Group, type ScoredEdge } from './match.js';
import { acrossActions, introductionActions, ownPairWhy } from './messages.js';
import type { Names } from './reasons.js';
import { type IntroHistory, type PairScore, pairKey, type ScoreContext, scorePair } from './score.js';
import type { IntrosSettings } from './settings.js';
import type { IntroRow } from './store.js';

const DAY_MS = 86_400_000;

/** A round scores this many candidates per member and keeps this many edges per member. */
const ROUND_CANDIDATES = 24;
const ROUND_EDGES_PER_MEMBER = 6;

/**
 * Pairs a round may not group (indexes into `pool`): grouped in a recent round (`recent`, the
 * no-repeat window), or whose last intro was declined or met.
 */
export function forbiddenPairs(pool: readonly string[], history: IntroHistory, recent: ReadonlySet<string>) {
  return (i: number, j: number) => {
    const key = pairKey(pool[i]!, pool[j]!);
    const past = history.pairs.get(key)?.outcome;
    return recent.has(key) || past === 'declined' || past === 'met';
  };
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

export interface RoundDraft {
  platform: Platform;
  guildId: GuildId;
  roundId: string;
  seq: number;
  pool: readonly string[];
  settings: Pick<IntrosSettings, 'channelId' | 'followUpDays'>;
  now: number;
}

/**
 * What a round writes (pure): the round row, one intro per group (explained by its strongest pair)
 * and the Actions that introduce it. A group all reached here gets a thread (or DMs) as always;
 * with `handles` (paired), a group with anyone on the other platform gets a private message to each
 * person on their own platform.
 */
export function composeRound(
  d: RoundDraft,
  groups: readonly Group[],
  scores: ReadonlyMap<string, PairScore>,
  names: Names,
  handles: ReadonlyMap<string, Handle> | null,
) {
  const { platform, guildId, roundId, pool, settings, now } = d;
  const items: OutboxItem[] = [];
  const intros: IntroRow[] = [];
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
    intros.push({
      guildId,
      introId: `${roundId}:${gi}`,
      kind: 'round',
      roundId,
      roundSeq: d.seq,
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
  const round = {
    guildId,
    roundId,
    seq: d.seq,
    startedAt: now,
    pool: pool.length,
    groups: groups.length,
    totalScore: groups.reduce((s, g) => s + g.score, 0),
  };
  return { round, intros, items };
}
