/**
 * Question metrics for a window (a guild's week): time to first response, share answered within
 * 24 h, share solved, nudge conversion. Pure: rows in, numbers out.
 */

const DAY_MS = 24 * 3_600_000;

export interface AskedRow {
  askedAt: number;
  firstResponseAt: number | null;
  solvedAt: number | null;
}

export interface NudgeOutcomeRow {
  questionId: string;
  targetId: string;
  at: number;
  firstResponseAt: number | null;
  firstResponderId: string | null;
}

export interface QuestionMetrics {
  /** Questions asked in the window. */
  asked: number;
  answered: number;
  /** Of the questions asked, those answered within 24 h (0..1; null when none were asked). */
  answeredWithin24h: number | null;
  solved: number | null;
  /** Time to first response over the answered questions, in ms (null when none). */
  firstResponseMedianMs: number | null;
  firstResponseP90Ms: number | null;
  /** Questions nudged in the window. */
  nudged: number;
  /** Of the nudged questions, those answered within 24 h of the nudge (0..1; null when none). */
  nudgeConversion: number | null;
  /** Of the nudged questions, those whose first answer came from a nudged member (0..1; null when none). */
  nudgeAnsweredByNudged: number | null;
}

/** The value at quantile q (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Metrics of the questions asked in a window (`asked`) and of the nudges sent in it (`nudges`).
 * A question still unanswered at `now` counts as not answered within 24 h only once 24 h have passed;
 * before that it is left out of that share (it may still make it).
 */
export function questionMetrics(
  asked: readonly AskedRow[],
  nudges: readonly NudgeOutcomeRow[],
  now: number,
): QuestionMetrics {
  const times = asked
    .filter((q) => q.firstResponseAt !== null)
    .map((q) => Math.max(0, q.firstResponseAt! - q.askedAt))
    .sort((a, b) => a - b);
  const decided = asked.filter((q) => q.firstResponseAt !== null || now - q.askedAt >= DAY_MS);
  const within = decided.filter((q) => q.firstResponseAt !== null && q.firstResponseAt - q.askedAt <= DAY_MS).length;
  const share = (n: number, d: number) => (d === 0 ? null : n / d);

  const byQuestion = new Map<string, { at: number; targets: Set<string>; row: NudgeOutcomeRow }>();
  for (const n of nudges) {
    const q = byQuestion.get(n.questionId);
    if (q) q.targets.add(n.targetId);
    else byQuestion.set(n.questionId, { at: n.at, targets: new Set([n.targetId]), row: n });
  }
  let converted = 0;
  let byNudged = 0;
  let nudgeDecided = 0;
  for (const { at, targets, row } of byQuestion.values()) {
    const answeredAfter = row.firstResponseAt !== null && row.firstResponseAt >= at;
    const inTime = answeredAfter && row.firstResponseAt! - at <= DAY_MS;
    if (!inTime && now - at < DAY_MS) continue;
    nudgeDecided += 1;
    if (inTime) converted += 1;
    if (answeredAfter && row.firstResponderId !== null && targets.has(row.firstResponderId)) byNudged += 1;
  }
  return {
    asked: asked.length,
    answered: times.length,
    answeredWithin24h: share(within, decided.length),
    solved: share(asked.filter((q) => q.solvedAt !== null).length, asked.length),
    firstResponseMedianMs: quantile(times, 0.5),
    firstResponseP90Ms: quantile(times, 0.9),
    nudged: byQuestion.size,
    nudgeConversion: share(converted, nudgeDecided),
    nudgeAnsweredByNudged: share(byNudged, nudgeDecided),
  };
}
