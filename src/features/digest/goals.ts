/**
 * Measurable goals tied to the community's why (pure): what each metric means, how a moderator
 * writes a target, and whether the community is on track.
 */

import { formatCount } from '../../text/plural.js';
import { parseDurationText } from './duration.js';
import { formatDuration, formatShare } from './format.js';

export const GOAL_METRICS = [
  'peer-answered',
  'first-response',
  'newcomer-activation',
  'connections',
  'retention',
] as const;
export type GoalMetric = (typeof GOAL_METRICS)[number];

export interface MetricInfo {
  label: string;
  /** What the number means, for /convene goals show. */
  meaning: string;
  kind: 'share' | 'duration' | 'count';
  better: 'higher' | 'lower';
  /** How a target is written, for error messages. */
  example: string;
}

export const METRICS: Record<GoalMetric, MetricInfo> = {
  'peer-answered': {
    label: 'Peer-answered questions',
    meaning: 'share of answered questions whose first answer came from a member, not a moderator',
    kind: 'share',
    better: 'higher',
    example: '70%',
  },
  'first-response': {
    label: 'Median time to first response',
    meaning: 'half of the questions asked this week got a first reply within this time',
    kind: 'duration',
    better: 'lower',
    example: '2h or 90m',
  },
  'newcomer-activation': {
    label: 'Newcomer activation',
    meaning: 'share of newcomers who started taking part within 14 days of joining',
    kind: 'share',
    better: 'higher',
    example: '40%',
  },
  connections: {
    label: 'Connections made',
    meaning: 'introductions that met, plus pairs of members who talked for the first time',
    kind: 'count',
    better: 'higher',
    example: '25',
  },
  retention: {
    label: '4-week retention',
    meaning: 'share of the members who joined 4 weeks earlier who were active this week',
    kind: 'share',
    better: 'higher',
    example: '30%',
  },
};

/** A target as a moderator types it ("70%", "0.7", "2h", "25") → the stored number; throws with a hint. */
export function parseTarget(metric: GoalMetric, text: string): number {
  const info = METRICS[metric];
  const t = text.trim();
  if (info.kind === 'share') {
    const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(t);
    if (!m) throw new TargetError(metric);
    const n = Number(m[1]);
    // "0.7" and "70" and "70%" all mean seventy per cent.
    const share = t.endsWith('%') || n > 1 ? n / 100 : n;
    if (share <= 0 || share > 1) throw new TargetError(metric);
    return share;
  }
  if (info.kind === 'duration') {
    const ms = parseDurationText(t);
    if (ms === null || ms <= 0) throw new TargetError(metric);
    return ms;
  }
  if (!/^\d+$/.test(t) || Number(t) <= 0) throw new TargetError(metric);
  return Number(t);
}

export class TargetError extends Error {
  constructor(readonly metric: GoalMetric) {
    super(`That target does not fit ${METRICS[metric].label.toLowerCase()}: write it like ${METRICS[metric].example}.`);
    this.name = 'TargetError';
  }
}

export function formatMetric(metric: GoalMetric, value: number): string {
  switch (METRICS[metric].kind) {
    case 'share':
      return formatShare(value);
    case 'duration':
      return formatDuration(value);
    case 'count':
      return formatCount(value);
  }
}

/** "≥ 70%" / "≤ 2 h" */
export const formatTarget = (metric: GoalMetric, target: number): string =>
  `${METRICS[metric].better === 'higher' ? '≥' : '≤'} ${formatMetric(metric, target)}`;

export type GoalStatus =
  /** This week's value meets the target. */
  | { kind: 'met' }
  /** Not yet, but the 8-week trend reaches the target within `weeks` weeks. */
  | { kind: 'closing'; weeks: number }
  | { kind: 'behind' }
  | { kind: 'no-data' };

/** How many weeks ahead a trend may reach the target and still count as "on track". */
export const ON_TRACK_HORIZON_WEEKS = 8;

/**
 * Whether a goal is on track from its weekly values (oldest first, this week last; null = no data):
 * met this week, or a least-squares trend over the known weeks that reaches the target soon.
 */
export function goalStatus(metric: GoalMetric, target: number, values: readonly (number | null)[]): GoalStatus {
  const current = values.at(-1);
  if (current === null || current === undefined) return { kind: 'no-data' };
  const higher = METRICS[metric].better === 'higher';
  if (higher ? current >= target : current <= target) return { kind: 'met' };
  const points = values.flatMap((v, i) => (v === null ? [] : [{ x: i, y: v }]));
  if (points.length < 3) return { kind: 'behind' };
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const slope = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx;
  const towards = higher ? slope > 0 : slope < 0;
  if (!towards) return { kind: 'behind' };
  const weeks = Math.ceil((target - current) / slope);
  return weeks > 0 && weeks <= ON_TRACK_HORIZON_WEEKS ? { kind: 'closing', weeks } : { kind: 'behind' };
}

export const isOnTrack = (status: GoalStatus): boolean => status.kind === 'met' || status.kind === 'closing';
