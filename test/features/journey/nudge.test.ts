import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { members } from '../../../src/db/schema.js';
import { sweep } from '../../../src/features/journey/service.js';
import { DAY, HOUR, makeCommunity, T0 } from './world.js';

const nudges = (w: Awaited<ReturnType<typeof makeCommunity>>, member?: string) =>
  w.outbox().filter((r) => r.key.startsWith(`journey:nudge:g1:${member ?? ''}`));

describe('silent-newcomer nudge', () => {
  it('GIVEN a member silent for 3 days THEN one DM invites them to an open question, once', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await w.join('bob', T0 - 30 * DAY);
    await w.message('bob', 'c-general', T0 - 20 * DAY);
    await w.thread('q1', 'c-help', 'bob', 'Why does my sprite flicker?', T0 + 2 * DAY);
    await w.message('bob', 'q1', T0 + 2 * DAY);
    await sweep(w.database, w.guildId, T0 + 3 * DAY - HOUR);
    expect(nudges(w)).toHaveLength(0);
    await sweep(w.database, w.guildId, T0 + 3 * DAY + HOUR);
    await sweep(w.database, w.guildId, T0 + 4 * DAY);
    await sweep(w.database, w.guildId, T0 + 6 * DAY);
    const sent = nudges(w);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.key).toBe('journey:nudge:g1:ann:arrived');
    expect(sent[0]!.action).toMatchObject({
      type: 'dm.send',
      memberId: 'ann',
      body: { mentions: { members: ['ann'] } },
    });
    if (sent[0]!.action.type !== 'dm.send') return;
    expect(sent[0]!.action.body.content).toContain('“Why does my sprite flicker?” in <#q1>');
  });

  it('GIVEN the open question got an answer THEN the nudge points at the busiest thread of the week instead', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await w.thread('q1', 'c-help', 'bob', 'Answered already', T0 + DAY);
    await w.message('bob', 'q1', T0 + DAY);
    await w.message('cat', 'q1', T0 + DAY + HOUR);
    await w.thread('jam', 'c-general', 'cat', 'Game jam ideas', T0 + DAY);
    for (let i = 0; i < 5; i++) await w.message(i % 2 ? 'cat' : 'dan', 'jam', T0 + DAY + i * HOUR);
    await sweep(w.database, w.guildId, T0 + 3 * DAY + HOUR);
    const [sent] = nudges(w, 'ann');
    if (sent?.action.type !== 'dm.send') throw new Error('no nudge');
    expect(sent.action.body.content).toContain('“Game jam ideas” in <#jam> (5 messages)');
  });

  it('GIVEN a quiet community THEN the nudge invites the newcomer to introduce themselves', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await sweep(w.database, w.guildId, T0 + 3 * DAY + HOUR);
    const [sent] = nudges(w, 'ann');
    if (sent?.action.type !== 'dm.send') throw new Error('no nudge');
    expect(sent.action.body.content).toContain('say hello in <#c-intro>');
  });

  it.each([
    [
      'who has posted',
      async (w: Awaited<ReturnType<typeof makeCommunity>>) => void (await w.message('ann', 'c-general', T0 + DAY)),
    ],
    [
      'who turned nudges off',
      (w: Awaited<ReturnType<typeof makeCommunity>>) =>
        void w.db.update(members).set({ nudgesOff: true }).where(eq(members.memberId, 'ann')).run(),
    ],
    ['who left', async (w: Awaited<ReturnType<typeof makeCommunity>>) => void (await w.leave('ann', T0 + DAY))],
    [
      'in a silent journey',
      (w: Awaited<ReturnType<typeof makeCommunity>>) =>
        w.settings((s) => ({ ...s, journey: { ...s.journey, silent: true } })),
    ],
    [
      'with nudges disabled',
      (w: Awaited<ReturnType<typeof makeCommunity>>) =>
        w.settings((s) => ({ ...s, journey: { ...s.journey, nudges: { ...s.journey.nudges, enabled: false } } })),
    ],
  ])('GIVEN a newcomer %s THEN no nudge', async (_, arrange) => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await arrange(w);
    await sweep(w.database, w.guildId, T0 + 3 * DAY + HOUR);
    expect(nudges(w, 'ann')).toHaveLength(0);
  });

  it('GIVEN members who joined long ago and never spoke THEN a first sweep does not nudge them', async () => {
    const w = await makeCommunity();
    await w.join('lurker', T0 - 60 * DAY, { now: T0 });
    await sweep(w.database, w.guildId, T0 + HOUR);
    expect(nudges(w)).toHaveLength(0);
  });

  it('GIVEN an introduced but silent member (profile set) THEN a nudge at the new stage is still allowed once', async () => {
    const { recordProfileSet } = await import('../../../src/features/journey/service.js');
    const w = await makeCommunity();
    await w.join('ann', T0);
    await sweep(w.database, w.guildId, T0 + 3 * DAY + HOUR);
    await recordProfileSet(w.database, w.guildId, 'ann' as never, T0 + 4 * DAY, T0 + 4 * DAY);
    await sweep(w.database, w.guildId, T0 + 4 * DAY + 2 * HOUR);
    await sweep(w.database, w.guildId, T0 + 5 * DAY);
    expect(nudges(w, 'ann').map((r) => r.key)).toEqual([
      'journey:nudge:g1:ann:arrived',
      'journey:nudge:g1:ann:introduced',
    ]);
  });
});
