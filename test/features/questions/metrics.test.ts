import { describe, expect, it } from 'vitest';
import { quantile, questionMetrics } from '../../../src/features/questions/metrics.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 2, 2);

describe('quantile', () => {
  it.each([
    [[], 0.5, null],
    [[5], 0.9, 5],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
  ])('GIVEN %j THEN q%s is %s', async (values, q, expected) => {
    expect(quantile(values, q)).toBe(expected);
  });
});

describe('questionMetrics', () => {
  it('GIVEN answered, late, unanswered and recent questions THEN the shares count only what is decided', async () => {
    const m = questionMetrics(
      [
        { askedAt: T, firstResponseAt: T + HOUR, solvedAt: T + 2 * HOUR },
        { askedAt: T, firstResponseAt: T + 30 * HOUR, solvedAt: null },
        { askedAt: T, firstResponseAt: null, solvedAt: null },
        // Asked 2 h before "now" and not answered yet: not counted as missed (yet).
        { askedAt: T + 5 * DAY - 2 * HOUR, firstResponseAt: null, solvedAt: null },
      ],
      [],
      T + 5 * DAY,
    );
    expect(m).toMatchObject({
      asked: 4,
      answered: 2,
      answeredWithin24h: 1 / 3,
      solved: 0.25,
      firstResponseMedianMs: HOUR,
      firstResponseP90Ms: 30 * HOUR,
      nudged: 0,
      nudgeConversion: null,
    });
  });

  it('GIVEN nudges THEN conversion counts answers within 24 h of the nudge, and whether a nudged member gave it', async () => {
    const m = questionMetrics(
      [],
      [
        { questionId: 'a', targetId: 'p1', at: T, firstResponseAt: T + HOUR, firstResponderId: 'p1' },
        { questionId: 'a', targetId: 'p2', at: T, firstResponseAt: T + HOUR, firstResponderId: 'p1' },
        { questionId: 'b', targetId: 'p1', at: T, firstResponseAt: T + 2 * HOUR, firstResponderId: 'other' },
        { questionId: 'c', targetId: 'p3', at: T, firstResponseAt: T + 2 * DAY, firstResponderId: 'p3' },
        { questionId: 'd', targetId: 'p3', at: T, firstResponseAt: null, firstResponderId: null },
      ],
      T + 3 * DAY,
    );
    expect(m.nudged).toBe(4);
    expect(m.nudgeConversion).toBe(0.5);
    expect(m.nudgeAnsweredByNudged).toBe(0.5);
  });
});
