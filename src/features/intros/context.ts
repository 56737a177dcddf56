/**
 * Facts turned into what the pure files take (pure): the scorer's context from loaded profiles and
 * graph facts, the ids a set of scores will name, and names with the fallbacks messages use.
 */
import type { Profile } from './profile.js';
import type { Names } from './reasons.js';
import type { IntroHistory, PairScore, ScoreContext } from './score.js';

/** A member's place in the interaction graph (from the last profile build). */
export interface GraphFact {
  degree: number;
  community: number | null;
}

/** The scorer's context: graph facts by id, the build's size and hub threshold, the intro history. */
export function contextOf(
  profiles: Map<string, Profile>,
  facts: Iterable<readonly [string, GraphFact]>,
  build: { memberCount: number; hubDegree: number } | null | undefined,
  consented: Set<string>,
  history: IntroHistory,
  now: number,
): ScoreContext {
  const degree = new Map<string, number>();
  const community = new Map<string, number>();
  for (const [id, f] of facts) {
    degree.set(id, f.degree);
    if (f.community !== null) community.set(id, f.community);
  }
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
    history,
    now,
  };
}

/** The members and channels that messages about `scores` name: both people and those their reasons mention. */
export function mentionedIn(scores: readonly PairScore[]): { members: Set<string>; channels: Set<string> } {
  const members = new Set<string>();
  const channels = new Set<string>();
  for (const s of scores) {
    members.add(s.a);
    members.add(s.b);
    for (const r of s.reasons) {
      if (r.kind === 'answers') members.add(r.helper).add(r.asker);
      if (r.kind === 'newcomer') members.add(r.newcomer).add(r.guide);
      if (r.kind === 'mutuals') for (const m of r.memberIds ?? []) members.add(m);
      if (r.kind === 'channels') for (const c of r.channelIds) channels.add(c);
    }
  }
  return { members, channels };
}

/** Names from looked-up display names and channel names, with the fallbacks messages use. */
export const namesFrom = (
  members: ReadonlyMap<string, string>,
  channelIds: ReadonlyMap<string, string>,
  now?: number,
): Names => ({
  member: (id) => members.get(id) ?? 'a member',
  channel: (id) => (channelIds.has(id) ? `#${channelIds.get(id)}` : 'the same channels'),
  ...(now !== undefined ? { now } : {}),
});
