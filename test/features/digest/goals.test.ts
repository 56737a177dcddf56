import { describe, expect, it } from 'vitest';
import { parseDurationText } from '../../../src/features/digest/duration.js';
import {
  countChange,
  durationChange,
  formatDuration,
  shareChange,
  sparkline,
} from '../../../src/features/digest/format.js';
import { type GoalMetric, goalStatus, parseTarget } from '../../../src/features/digest/goals.js';

const H = 3_600_000;

describe('goal targets as moderators type them', () => {
  it.each<[GoalMetric, string, number]>([
    ['peer-answered', '70%', 0.7],
    ['peer-answered', '70', 0.7],
    ['peer-answered', '0.7', 0.7],
    ['retention', '30 %', 0.3],
    ['first-response', '2h', 2 * H],
    ['first-response', '90m', 1.5 * H],
    ['first-response', '1h30m', 1.5 * H],
    ['first-response', '1 d', 24 * H],
    ['connections', '25', 25],
  ])('GIVEN %s and "%s" THEN the target is %d', (metric, text, target) => {
    expect(parseTarget(metric, text)).toBeCloseTo(target, 9);
  });

  it.each<[GoalMetric, string]>([
    ['peer-answered', '150%'],
    ['peer-answered', 'most'],
    ['first-response', 'soon'],
    ['first-response', '0m'],
    ['connections', '2.5'],
    ['retention', '0'],
  ])('GIVEN %s and "%s" THEN it is refused with an example', (metric, text) => {
    expect(() => parseTarget(metric, text)).toThrow(/write it like/);
  });

  it.each([
    ['2h', 2 * H],
    ['45 min', 45 * 60_000],
    ['2h 15m', 2.25 * H],
    ['two hours', null],
    ['', null],
  ])('GIVEN "%s" THEN the duration is %s', (text, ms) => {
    expect(parseDurationText(text)).toBe(ms);
  });
});

describe('whether a goal is on track', () => {
  it.each<[string, GoalMetric, number, (number | null)[], string]>([
    ['met this week', 'peer-answered', 0.7, [0.5, 0.6, 0.72], 'met'],
    ['lower is better and met', 'first-response', 2 * H, [5 * H, 3 * H, 1.5 * H], 'met'],
    ['improving fast enough', 'retention', 0.4, [0.2, 0.25, 0.3, 0.35], 'closing'],
    ['improving too slowly', 'retention', 0.9, [0.2, 0.21, 0.22, 0.23], 'behind'],
    ['getting worse', 'first-response', 2 * H, [3 * H, 4 * H, 5 * H], 'behind'],
    ['flat', 'connections', 50, [10, 10, 10, 10], 'behind'],
    ['no data this week', 'peer-answered', 0.7, [0.5, 0.6, null], 'no-data'],
  ])('GIVEN %s THEN it is %s', (_name, metric, target, values, kind) => {
    expect(goalStatus(metric, target, values).kind).toBe(kind);
  });
});

describe('numbers in words', () => {
  it.each([
    [30_000, '< 1 min'],
    [42 * 60_000, '42 min'],
    [3 * H + 5 * 60_000, '3 h 5 min'],
    [13.5 * H, '14 h'],
    [2 * 24 * H + 4 * H, '2 d 4 h'],
  ])('GIVEN %d ms THEN it reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('GIVEN week-over-week values THEN changes say which way and by how much', () => {
    expect(countChange(112, 100)).toBe('▲ 12%');
    expect(countChange(97, 100)).toBe('▼ 3%');
    expect(countChange(5, 0)).toBe('new');
    expect(countChange(5, null)).toBeNull();
    expect(shareChange(0.82, 0.77)).toBe('▲ 5 pts');
    expect(shareChange(0.78, 0.77)).toBe('▲ 1 pt');
    expect(shareChange(0.76, 0.77)).toBe('▼ 1 pt');
    expect(durationChange(H, 2 * H)).toBe('1 h faster');
    expect(durationChange(2 * H, H)).toBe('1 h slower');
  });

  it('GIVEN a trend with a gap THEN the sparkline shows the gap and spans low to high', () => {
    expect(sparkline([1, null, 8])).toBe('▁·█');
    expect(sparkline([null, null])).toBe('··');
  });
});
