import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GlobalWindow } from '../../../src/platforms/discord/globalWindow.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Acquire `n` turns at once; returns their release functions in the order they were granted. */
async function grantedNow(budget: GlobalWindow, n: number, granted: (() => void)[]): Promise<void> {
  for (let i = 0; i < n; i++) void budget.acquire().then((release) => granted.push(release));
  await vi.advanceTimersByTimeAsync(0);
}

describe('GlobalWindow', () => {
  it('GIVEN the limit is in flight THEN the next request waits, even long after (Discord may still count them)', async () => {
    const budget = new GlobalWindow(3, 1_000, () => Date.now());
    const granted: (() => void)[] = [];
    await grantedNow(budget, 4, granted);
    expect(granted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(granted).toHaveLength(3);
  });

  it('GIVEN answers arrived THEN they count for one more window, and the next request goes when the oldest leaves it', async () => {
    const budget = new GlobalWindow(3, 1_000, () => Date.now());
    const granted: (() => void)[] = [];
    await grantedNow(budget, 5, granted);
    granted[0]!();
    await vi.advanceTimersByTimeAsync(200);
    granted[1]!();
    expect(granted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(799);
    expect(granted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(199);
    expect(granted).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toHaveLength(5);
    expect(budget.used).toBe(3);
  });

  it('GIVEN requests waiting THEN they go in the order they came', async () => {
    const budget = new GlobalWindow(1, 100, () => Date.now());
    const order: number[] = [];
    const all = [1, 2, 3].map((n) =>
      budget.acquire().then((release) => {
        order.push(n);
        release();
      }),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(all);
    expect(order).toEqual([1, 2, 3]);
  });

  it('GIVEN a stalled server answering a pile at once THEN no window of its handling times holds more than the limit', async () => {
    // Requests are handled at the server in bursts (it stalls, then answers everything it had):
    // whatever was let go, at most `limit` fall in any one-second window of handling times.
    const limit = 10;
    const budget = new GlobalWindow(limit, 1_000, () => Date.now());
    const handledAt: number[] = [];
    const inFlight: (() => void)[] = [];
    for (let i = 0; i < 60; i++) {
      void budget.acquire().then((release) =>
        inFlight.push(() => {
          handledAt.push(Date.now());
          release();
        }),
      );
    }
    for (let step = 0; step < 200 && handledAt.length < 60; step++) {
      await vi.advanceTimersByTimeAsync(step % 7 === 0 ? 350 : 40);
      // The server handles everything waiting for it now (a stall followed by a pile).
      for (const handle of inFlight.splice(0)) handle();
    }
    expect(handledAt).toHaveLength(60);
    for (const start of handledAt) {
      expect(handledAt.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(limit);
    }
  });
});
