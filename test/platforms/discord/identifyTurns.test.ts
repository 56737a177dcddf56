/**
 * Identify turns (src/platforms/discord/identifyTurns.ts) on both engines: processes sharing a store
 * take a bucket's IDENTIFY turn one at a time, 5 s (and a margin) apart.
 */
import { describe, expect, it } from 'vitest';
import {
  IDENTIFY_TURN_MS,
  sharedIdentifyThrottler,
  takeIdentifyTurn,
} from '../../../src/platforms/discord/identifyTurns.js';
import { ENGINES, testConnections } from '../../helpers/engines.js';

describe.each(ENGINES)('identify turns on %s', (engine) => {
  it('GIVEN processes asking for one bucket at the same moment THEN exactly one gets the turn, and the next only once it ends', async () => {
    const dbs = await testConnections(engine, 3);
    const now = 1_000_000;
    const first = await Promise.all(dbs.map((db, i) => takeIdentifyTurn(db, 0, `p${i}`, now)));
    expect(first.filter(Boolean)).toHaveLength(1);
    // Another bucket (max_concurrency > 1) is not held by it.
    expect(await takeIdentifyTurn(dbs[0]!, 1, 'p0', now)).toBe(true);
    expect(await takeIdentifyTurn(dbs[1]!, 0, 'p1', now + IDENTIFY_TURN_MS - 1)).toBe(false);
    const later = await Promise.all(dbs.map((db, i) => takeIdentifyTurn(db, 0, `p${i}`, now + IDENTIFY_TURN_MS)));
    expect(later.filter(Boolean)).toHaveLength(1);
  });

  it('GIVEN two throttlers on one store and the same bucket THEN the second waits for the first turn to end', async () => {
    const [a, b] = await testConnections(engine, 2);
    let clock = 5_000_000;
    const now = () => clock;
    const signal = new AbortController().signal;
    await sharedIdentifyThrottler(a!, 1, 'a', now).waitForIdentify(0, signal);
    let second = false;
    const waiting = sharedIdentifyThrottler(b!, 1, 'b', now)
      .waitForIdentify(2, signal)
      .then(() => {
        second = true;
      });
    await new Promise((r) => setTimeout(r, 50));
    expect(second).toBe(false);
    clock += IDENTIFY_TURN_MS;
    await waiting;
    expect(second).toBe(true);
  });

  it('GIVEN a shard waiting for its turn WHEN its start is aborted THEN the wait ends with the abort', async () => {
    const [a, b] = await testConnections(engine, 2);
    const now = () => 9_000_000;
    await sharedIdentifyThrottler(a!, 1, 'a', now).waitForIdentify(0, new AbortController().signal);
    const stop = new AbortController();
    const waiting = sharedIdentifyThrottler(b!, 1, 'b', now).waitForIdentify(0, stop.signal);
    stop.abort(new Error('shard destroyed'));
    await expect(waiting).rejects.toThrow('shard destroyed');
  });
});
