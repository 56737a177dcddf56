/**
 * A profile as intros_profiles.derived keeps it (plain JSON, rounded) and read back at a later
 * `now` (pure).
 */
import {
  ACTIVITY_HALF_LIFE,
  type Answered,
  type DeclaredProfile,
  interestForms,
  interestTerms,
  type Profile,
} from './profile.js';

/** A profile as stored (intros_profiles.derived): plain JSON, declared part kept apart. */
export interface StoredProfile {
  terms: [string, number][];
  asked: [string, number][];
  /** [term, answers, this month, accepted, last at]. */
  answered: [string, number, number, number, number?][];
  /** [term, the word shown for it]. */
  forms?: [string, string][];
  channels: [string, number][];
  /** [member, weight, their degree]. */
  neighbours: [string, number, number][];
  helpfulness: number;
  acceptedThisMonth: number;
  answersThisMonth: number;
  messageCount: number;
  firstSeenAt: number;
  lastActiveAt: number;
  activity: number;
  hours: number[];
  stage: string | null;
  joinedAt: number | null;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function storeProfile(p: Profile): StoredProfile {
  return {
    terms: [...p.terms].map(([t, w]) => [t, round4(w)]),
    asked: [...p.asked],
    answered: [...p.answered].map(([t, [c, r, x, at]]) => [t, c, r, x, at]),
    forms: [...p.forms],
    channels: [...p.channels].map(([c, w]) => [c, round4(w)]),
    neighbours: [...p.neighbours].map(([m, w]) => [m, round4(w), p.neighbourDegree.get(m) ?? 1]),
    helpfulness: round4(p.helpfulness),
    acceptedThisMonth: p.acceptedThisMonth,
    answersThisMonth: p.answersThisMonth,
    messageCount: p.messageCount,
    firstSeenAt: p.firstSeenAt,
    lastActiveAt: p.lastActiveAt,
    activity: round4(p.activity),
    hours: p.hours,
    stage: p.stage,
    joinedAt: p.joinedAt,
  };
}

/**
 * A stored profile read back at `now`: activity built at `builtAt` decays to `now`, and the
 * declared part (which may have changed since the build) is merged in.
 */
export function loadProfile(
  memberId: string,
  stored: StoredProfile | null,
  declared: DeclaredProfile | null,
  builtAt: number | null,
  now: number,
): Profile {
  const interest = interestTerms(declared?.interests ?? []);
  const terms = new Map(stored?.terms ?? []);
  // Interests declared after the last build count at once (weight as a strong topic).
  for (const t of interest) if (!terms.has(t)) terms.set(t, 0.3);
  const decay = stored && builtAt !== null ? 2 ** (-Math.max(0, now - builtAt) / ACTIVITY_HALF_LIFE) : 1;
  return {
    memberId,
    declared,
    interestTerms: interest,
    stage: stored?.stage ?? null,
    joinedAt: stored?.joinedAt ?? null,
    terms,
    asked: new Map(stored?.asked ?? []),
    answered: new Map((stored?.answered ?? []).map(([t, c, r, x, at]) => [t, [c, r, x ?? 0, at ?? 0] as Answered])),
    forms: new Map([...interestForms(declared?.interests ?? []), ...(stored?.forms ?? [])]),
    channels: new Map(stored?.channels ?? []),
    neighbours: new Map((stored?.neighbours ?? []).map(([m, w]) => [m, w])),
    neighbourDegree: new Map((stored?.neighbours ?? []).map(([m, , d]) => [m, d])),
    helpfulness: stored?.helpfulness ?? 0,
    acceptedThisMonth: stored?.acceptedThisMonth ?? 0,
    answersThisMonth: stored?.answersThisMonth ?? 0,
    messageCount: stored?.messageCount ?? 0,
    firstSeenAt: stored?.firstSeenAt ?? now,
    lastActiveAt: stored?.lastActiveAt ?? 0,
    activity: (stored?.activity ?? 0) * decay,
    hours: stored?.hours ?? new Array(24).fill(0),
  };
}
