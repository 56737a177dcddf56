/**
 * What other features add to the weekly digest. A feature sets `digest: DigestSource` in its
 * Feature definition (src/features/feature.ts) and implements the hooks it knows about; the digest
 * service calls every hook of every feature that has one.
 *
 * Rules for implementers:
 * - Every hook is optional. A hook that is defined is authoritative for its section: when a feature
 *   defines `waitingQuestions`, the digest uses its list instead of the core guess (forum threads with
 *   no reply), even when the list is empty. Leave a hook out to let the core guess stand.
 * - Hooks read only; they never write or enqueue. They get the guild and the window and must return
 *   data of `window.guildId` only (tenant isolation is tested on the result).
 * - One community, two platforms: when the guild is paired with the forum (/convene forum connect),
 *   the digest on either side counts the pair. It asks every hook once per guild of the pair, each
 *   time with that guild's id and platform (and the same start, end and timezone), and combines the
 *   answers: counts add up, a linked person (confirmed account link) is one person, named as on the
 *   digest's own platform, and links stay those of the platform they point to. So a hook still
 *   answers for `window.guildId` alone: adding the partner's data itself would count it twice. Only
 *   the pair's two guilds are ever asked; a guild outside the pair never reaches the digest.
 * - Names are display names, never mentions: the digest pings nobody. Links are full URLs.
 * - A hook that throws is logged and skipped: the digest goes out without that section.
 * - Hooks may be called for up to eight past windows (goals and health trends), so keep them to
 *   indexed aggregates, not row scans of the week.
 */
import type { Deps } from '../../commands.js';
import type { GuildId, MemberId, Platform } from '../../events.js';
import type { GoalMetric } from './goals.js';

/** The span a digest covers: [start, end) in epoch ms, seven local days in the guild's timezone. */
export interface DigestWindow {
  guildId: GuildId;
  platform: Platform;
  start: number;
  end: number;
  timezone: string;
  /** When the digest is being made (after `end` for a scheduled digest). */
  now: number;
}

/** A member reached a milestone on the journey in the window ("reached Participating"). */
export interface DigestMilestone {
  memberId: MemberId;
  name: string;
  /** Short, in the community's words: "reached Contributor", "answered a first question". */
  milestone: string;
  at: number;
}

export interface DigestIntros {
  /** Introductions suggested in the window. */
  made: number;
  /** Introductions where both people talked (met) in the window. */
  met: number;
  /** A few pairs who met, by display name (optional; only pairs who both agreed to be shown). */
  metPairs?: { a: string; b: string }[];
}

export interface DigestQuestion {
  title: string;
  url: string;
  askedAt: number;
  /** The thread/topic id, to merge duplicates from several sources. */
  threadId: string;
}

export interface DigestHelper {
  memberId: MemberId;
  name: string;
  /** Answers accepted as the solution in the window. */
  solved: number;
  /** Answers that got thanks (a thank-you reply or reaction from the asker). */
  thanked: number;
}

/** First-response numbers for the questions asked in the window (the questions feature's own detection). */
export interface DigestResponseTimes {
  asked: number;
  answered: number;
  answeredWithin24h: number;
  medianFirstResponseMs: number | null;
  /** Answered questions whose first answer came from a member who is not a moderator or staff. */
  peerAnswered: number;
  /**
   * Optional: the waits (ms) behind the median, one per answered question. With them the median of a
   * paired community is taken over both platforms' questions; without them the two medians are
   * weighted by their answered counts.
   */
  firstResponseWaitsMs?: number[];
}

/** Goal metric values for the window, when a feature measures them better than the core can. */
export type DigestGoalValues = Partial<Record<GoalMetric, number | null>>;

/** What goes into one member's personal weekly DM (/digest me on). */
export interface PersonalDigestPart {
  /** Open questions this member could answer (from their expertise). */
  questionsYouCouldAnswer?: DigestQuestion[];
  /** People this member should meet, and why, in a few words. */
  peopleToMeet?: { memberId: MemberId; name: string; why: string }[];
  /** Where the member is on the newcomer journey: "Participating — next: answer a question". */
  journey?: { stage: string; next?: string };
}

type Maybe<T> = T | Promise<T>;

export interface DigestSource {
  milestones?(deps: Deps, window: DigestWindow): Maybe<DigestMilestone[]>;
  intros?(deps: Deps, window: DigestWindow): Maybe<DigestIntros | null>;
  /** Questions still waiting for help at `window.now`, any order (the digest shows the oldest first). */
  waitingQuestions?(deps: Deps, window: DigestWindow): Maybe<DigestQuestion[]>;
  topHelpers?(deps: Deps, window: DigestWindow): Maybe<DigestHelper[]>;
  responseTimes?(deps: Deps, window: DigestWindow): Maybe<DigestResponseTimes | null>;
  /** Connections made (intros met + new reply pairs), newcomer activation, … for the window. */
  goalMetrics?(deps: Deps, window: DigestWindow): Maybe<DigestGoalValues>;
  personal?(deps: Deps, window: DigestWindow, memberId: MemberId): Maybe<PersonalDigestPart | null>;
}
