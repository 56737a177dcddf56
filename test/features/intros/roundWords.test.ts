/**
 * What a moderator reads after /convene intros run-now, with real rounds on real SQLite: one member,
 * one group, several groups, and a pool where no pair may be grouped. Each count agrees with its noun
 * (the report said "Round done: 4 members in 2 group(s)." and "1 member(s) in the pool").
 */
import { describe, expect, it } from 'vitest';
import conveneIntrosRunNow from '../../../commands/conveneIntrosRunNow.js';
import introsJoin from '../../../commands/introsJoin.js';
import { DAY, makeWorld, T0, text, type World } from './world.js';

const print = (label: string, sentence: string) => console.log(`[moderator reads, ${label}] ${sentence}`);

/** Members who talk about `topic` in #graphics, and join intros. */
function talkers(w: World, ids: string[], topic: string) {
  for (const id of ids) w.member(id);
  for (let i = 0; i < 4; i++)
    for (const id of ids) w.say(id, 'c-graphics', `${topic} question number ${i}`, T0 - (2 + i) * DAY);
  for (const id of ids) introsJoin.run({ ...ctxFor(w, id) } as never);
}

function ctxFor(w: World, id: string) {
  return {
    platform: 'discord' as const,
    guild: { id: w.guildId, name: 'Shader Club' },
    member: { id: id as never, displayName: id, moderator: false },
    channelId: null,
    options: {},
    deps: w.deps,
    now: T0 - 20 * DAY,
  };
}

const runNow = async (w: World, at = T0) => text(await w.run(conveneIntrosRunNow, 'mod', {}, at, true));

describe('the intro round report counts in words that agree', () => {
  it('GIVEN nobody, then one member in the pool THEN the report says why there is no round, in the singular for one', async () => {
    const w = makeWorld().setup();
    const none = await runNow(w);
    talkers(w, ['ann'], 'vulkan compute shader');
    const one = await runNow(w, T0 + 120_000);
    print('empty pool', none);
    print('one member', one);
    expect(none).toBe(
      'No round: nobody is in the intros pool yet. At least two members are needed (they join with /intros join).',
    );
    expect(one).toBe('No round: 1 member is in the intros pool, and at least two are needed.');
  });

  it('GIVEN two members who share a topic THEN one group, in the singular', async () => {
    const w = makeWorld().setup();
    talkers(w, ['ann', 'eve'], 'vulkan compute shader');
    const said = await runNow(w);
    print('one group', said);
    expect(said).toBe('Round done: 1 group from the 2 members in the pool. Its thread is on the way.');
  });

  it('GIVEN five members in two topics THEN the groups and the pool are counted in the plural', async () => {
    const w = makeWorld().setup();
    talkers(w, ['ann', 'eve', 'zoe'], 'vulkan compute shader');
    talkers(w, ['bob', 'cat'], 'audio mixing reverb plugin');
    const said = await runNow(w);
    print('several groups', said);
    expect(said).toMatch(/^Round done: 2 groups from the 5 members in the pool\. Their threads are on the way\.$/);
  });

  it('GIVEN two members grouped in the last round THEN the next one says no pair may be grouped, and why', async () => {
    const w = makeWorld().setup();
    talkers(w, ['ann', 'eve'], 'vulkan compute shader');
    await runNow(w);
    const again = await runNow(w, T0 + DAY);
    print('no pair allowed', again);
    expect(again).toBe(
      'No round: 2 members in the pool, but no pair of them could be grouped this time (each pair met or declined before, was grouped recently, or has nothing in common yet).',
    );
  });
});
