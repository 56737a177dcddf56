import { describe, expect, it } from 'vitest';
import { asGuildId, asMemberId } from '../../../src/events.js';
import { sweep } from '../../../src/features/journey/service.js';
import { eventApplier } from '../../../src/ingest/store.js';
import { DAY, HOUR, MINUTE, makeCommunity, T0 } from './world.js';

const welcomes = (w: Awaited<ReturnType<typeof makeCommunity>>, member: string) =>
  w.outbox().filter((r) => r.key.startsWith(`welcome:g1:${member}`));

describe('welcome', () => {
  it('GIVEN a member joins THEN exactly one DM welcome written for this community is queued at once', async () => {
    const w = await makeCommunity();
    await w.message('old', 'c-general', T0 - DAY);
    await w.join('ann', T0);
    const rows = welcomes(w, 'ann');
    expect(rows).toHaveLength(1);
    const { action, notBefore } = rows[0]!;
    expect(notBefore).toBe(T0);
    expect(action.type).toBe('dm.send');
    if (action.type !== 'dm.send') return;
    expect(action.memberId).toBe('ann');
    expect(action.fallbackChannelId).toBeUndefined();
    expect(action.body.content).toContain('**Rust Gamedev**');
    expect(action.body.content).toContain('<#c-general>');
    expect(action.body.content).toContain('introduce yourself in <#c-intro>');
    expect(action.body.content).toContain('/journey');
    expect(action.body.mentions).toEqual({ members: ['ann'] });
  });

  it('GIVEN the same join delivered twice, a rejoin within 30 days and one after 40 days THEN still one welcome', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await w.join('ann', T0); // duplicate delivery: ingest says not fresh
    await w.leave('ann', T0 + DAY);
    await w.join('ann', T0 + 2 * DAY);
    await w.leave('ann', T0 + 3 * DAY);
    await w.join('ann', T0 + 43 * DAY);
    expect(welcomes(w, 'ann')).toHaveLength(1);
  });

  it('GIVEN the journey decided a welcome and the process restarted THEN replaying the join and sweeping send nothing new', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    // After a restart the adapter replays the join: the store says not fresh, and the sweep finds her welcomed.
    await w.join('ann', T0, { now: T0 + MINUTE });
    await sweep(w.database, w.guildId, T0 + 5 * MINUTE);
    expect(welcomes(w, 'ann')).toHaveLength(1);
  });

  it('GIVEN the join was stored but the process died before the journey saw it THEN the next sweep welcomes once', async () => {
    const w = await makeCommunity();
    // Store only (what a crash between ingest and onEvent leaves behind).
    await eventApplier()(
      w.database,
      {
        platform: 'discord',
        guildId: asGuildId('g1'),
        kind: 'member.joined',
        at: T0,
        memberId: asMemberId('ann'),
        username: 'ann',
        displayName: 'Ann',
        bot: false,
        roles: [],
      },
      { storeMessageText: false },
    );
    expect(welcomes(w, 'ann')).toHaveLength(0);
    expect((await sweep(w.database, w.guildId, T0 + 5 * MINUTE)).welcomed).toBe(1);
    expect((await sweep(w.database, w.guildId, T0 + 10 * MINUTE)).welcomed).toBe(0);
    expect(welcomes(w, 'ann')).toHaveLength(1);
  });

  it.each([
    ['23 hours', 23 * HOUR, 1],
    ['25 hours', 25 * HOUR, 0],
  ])('GIVEN the bot catches up on a join from %s ago THEN welcomes are %i', async (_, late, expected) => {
    const w = await makeCommunity();
    await w.join('ann', T0, { now: T0 + late });
    expect(welcomes(w, 'ann')).toHaveLength(expected);
  });

  it('GIVEN a bot account joins THEN it is not welcomed', async () => {
    const w = await makeCommunity();
    await w.join('helperbot', T0, { bot: true });
    expect(w.outbox()).toHaveLength(0);
  });

  it('GIVEN a member whose display name is "@everyone" THEN the welcome pings only them', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({
      ...s,
      journey: { ...s.journey, welcome: { ...s.journey.welcome, channelId: 'c-welcome', alsoInChannel: true } },
    }));
    await w.join('eve', T0, { displayName: '@everyone' });
    const rows = welcomes(w, 'eve');
    expect(rows).toHaveLength(2);
    for (const { action } of rows) {
      if (action.type !== 'dm.send' && action.type !== 'message.send') throw new Error(action.type);
      expect(action.body.content).not.toMatch(/@(everyone|here)/);
      expect(action.body.mentions).toEqual({ members: ['eve'] });
    }
  });

  it.each([
    ['a DM with the channel as fallback', { dm: true, alsoInChannel: false }, [['dm.send', 'c-welcome']]],
    ['the channel instead of a DM', { dm: false, alsoInChannel: false }, [['message.send', undefined]]],
    [
      'a DM and the channel as well',
      { dm: true, alsoInChannel: true },
      [
        ['dm.send', 'c-welcome'],
        ['message.send', undefined],
      ],
    ],
  ])('GIVEN a welcome channel configured for %s THEN the welcome goes there', async (_, change, expected) => {
    const w = await makeCommunity();
    await w.settings((s) => ({
      ...s,
      journey: { ...s.journey, welcome: { ...s.journey.welcome, channelId: 'c-welcome', ...change } },
    }));
    await w.join('ann', T0);
    const got = welcomes(w, 'ann').map(({ action }) => [
      action.type,
      action.type === 'dm.send' ? action.fallbackChannelId : undefined,
    ]);
    expect(got).toEqual(expected);
    for (const { action } of welcomes(w, 'ann')) {
      if (action.type === 'message.send') expect(action.channelId).toBe('c-welcome');
    }
  });

  it('GIVEN welcomes turned off THEN a join is not welcomed, and turning them on later does not welcome old joins', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({ ...s, journey: { ...s.journey, welcome: { ...s.journey.welcome, enabled: false } } }));
    await w.join('ann', T0);
    await w.settings(
      (s) => ({ ...s, journey: { ...s.journey, welcome: { ...s.journey.welcome, enabled: true } } }),
      T0 + DAY,
    );
    await sweep(w.database, w.guildId, T0 + 2 * DAY);
    expect(welcomes(w, 'ann')).toHaveLength(0);
  });

  it('GIVEN a custom welcome text THEN the placeholders are filled', async () => {
    const w = await makeCommunity('@here Club');
    await w.settings((s) => ({
      ...s,
      journey: {
        ...s.journey,
        welcome: { ...s.journey.welcome, text: 'Welcome {member} to {server}! @everyone wave.' },
      },
    }));
    await w.join('ann', T0);
    const action = welcomes(w, 'ann')[0]!.action;
    if (action.type !== 'dm.send') throw new Error(action.type);
    expect(action.body.content).toBe('Welcome <@ann> to @\u200bhere Club! @\u200beveryone wave.');
  });
});
