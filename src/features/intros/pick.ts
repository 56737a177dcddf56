/**
 * /meet's choices (pure): which indexed candidates to score (term votes plus two hops through the
 * asker's partners), the asker's best pairs among them, and the suggestions as the asker sees them.
 */
import type { Platform } from '../../events.js';
import { platformWords } from '../links/identity.js';
import type { Handle } from './across.js';
import { INDEX_LIMITS } from './candidates.js';
import type { Profile } from './profile.js';
import { explain, type Names, quiet } from './reasons.js';
import { type PairScore, type ScoreContext, scorePair } from './score.js';
import type { ProfileRow } from './store.js';

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

/** The asker's strongest terms: what the term index is asked for. */
export const queryTermsOf = (asker: Profile): [string, number][] =>
  [...asker.terms].sort((x, y) => y[1] - x[1]).slice(0, INDEX_LIMITS.queryTerms);

/** The asker's strongest partners (those `hop` allows): whose partners /meet looks at. */
export const twoHopIds = (asker: Profile, hop: (id: string) => boolean = () => true): string[] =>
  [...asker.neighbours]
    .filter(([z]) => hop(z))
    .sort((x, y) => y[1] - x[1])
    .slice(0, INDEX_LIMITS.hopNeighbours)
    .map(([z]) => z);

/**
 * /meet's second source of candidates: the asker's partners who are in intros (`partners`, as the
 * store returns them), and the people those partners talk with and the asker does not yet.
 */
export function addTwoHopVotes(
  votes: Map<string, number>,
  partners: Iterable<Pick<ProfileRow, 'memberId' | 'derived'>>,
  memberId: string,
  asker: Profile,
): void {
  for (const row of partners) {
    votes.set(row.memberId, (votes.get(row.memberId) ?? 0) + 0.05);
    for (const [other] of row.derived?.neighbours ?? []) {
      if (other !== memberId && !asker.neighbours.has(other)) votes.set(other, (votes.get(other) ?? 0) + 0.1);
    }
  }
}

/** The candidates /meet scores: the most voted, ties by id. */
export const mostVoted = (votes: ReadonlyMap<string, number>) =>
  [...votes]
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
    .slice(0, INDEX_LIMITS.candidates)
    .map(([id]) => id);

/** The asker's best `limit` pairs among `candidates` (positive scores, best first, ties by id). */
export function bestPairs(
  memberId: string,
  candidates: Iterable<string>,
  ctx: ScoreContext,
  limit: number,
): PairScore[] {
  const scores: PairScore[] = [];
  for (const id of candidates) {
    const s = scorePair(memberId, id, ctx);
    if (s && s.score > 0) scores.push(s);
  }
  scores.sort((x, y) => y.score - x.score || (x.b < y.b ? -1 : 1));
  return scores.slice(0, limit);
}

/** "here on Discord", "on the forum (@mei)", "on Discord (cyd)": where a suggested person is. */
export function whereOf(h: Handle, homePlatform: Platform): string {
  if (h.platform === homePlatform) return `here on ${platformWords(h.platform)}`;
  return h.platform === 'discourse'
    ? `on the forum (@${quiet(h.username)})`
    : `on Discord (${quiet(h.username || h.displayName)})`;
}

/** The picks as the asker reads them; with `handles` (paired), where each one is. */
export function suggestionsOf(
  top: readonly PairScore[],
  names: Names,
  memberId: string,
  handles: ReadonlyMap<string, Handle> | null = null,
  homePlatform: Platform = 'discord',
): Suggestion[] {
  return top.map((s) => {
    const h = handles?.get(s.b);
    return {
      memberId: s.b,
      name: names.member(s.b),
      score: s.score,
      reasons: s.reasons,
      why: explain(s, names, memberId),
      ...(h ? { where: whereOf(h, homePlatform) } : {}),
    };
  });
}
