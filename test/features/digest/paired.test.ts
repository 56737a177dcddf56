/**
 * One community across Discord and the forum: the digest of a paired guild counts both platforms,
 * a linked person once, on either side; a third, unpaired guild in the same database never leaks in.
 */

import { describe, expect, it } from 'vitest';
import type { Action, MessageBody } from '../../../src/actions.js';
import { loadConfig } from '../../../src/config.js';
import type { Db } from '../../../src/db/connection.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { asMemberId, type GuildId } from '../../../src/events.js';
import { buildDigest, type NamedSource, postScheduledDigest } from '../../../src/features/digest/service.js';
import type { DigestSource } from '../../../src/features/digest/sources.js';
import { pairCommunity, unpairCommunity } from '../../../src/features/links/identity.js';
import { confirmLink, requestLink } from '../../../src/features/links/service.js';
import { makeTestDb } from '../../helpers/db.js';
import { allText, at, buildWeek, DAY, END, HOUR, makeDeps, makeGuild, type TestGuild } from './world.js';

const NOW = END + 9 * HOUR;
const PERIOD = '2026-W11';
const FORUM = 'discourse:forum.example';
const TARGET = { endDate: { year: 2026, month: 3, day: 9 }, period: PERIOD };

const alphaName = (id: string) => `ALPHA-${id}`;

function depsOf(db: Db) {
  return {
    ...makeDeps(db),
    config: loadConfig({
      DISCOURSE_URL: 'https://forum.example',
      DISCOURSE_API_KEY: 'k',
      DISCOURSE_API_USERNAME: 'convene',
    }),
  };
}

/** Link a Discord member to a forum user the way members do it: /link discourse, then /link confirm. */
async function link(db: Db, discordMember: string, forumUsername: string, when: number) {
  const deps = depsOf(db);
  await requestLink(
    deps,
    { guildId: 'g1', memberId: discordMember, displayName: discordMember, username: forumUsername },
    when,
    '123456',
  );
  await confirmLink(deps, 'g1', discordMember, '123456', when + 60_000);
}

/**
 * The Discord guild g1 (the week of world.ts, plus t4: ivy asks, alice answers after 1 h) paired with
 * the forum, and a third guild g3 (unpaired, ALPHA names, busier) in the same database.
 *
 * The forum's week: kofi asks topic 101, Ally (alice's forum account) answers after 3 h, kofi thanks;
 * Nia (new) asks topic 102, unanswered; a forum bot posts (not counted); "Erin F" (erin's forum
 * account) joins but writes nothing. So the forum has 4 posts by 3 active members, 2 new members.
 */
async function world(options: { pair?: boolean; linked?: boolean } = {}) {
  const db = makeTestDb();
  const g = makeGuild('g1', 'Rust Gamedev', { db });
  buildWeek(g);
  g.thread('t4', 'help', 'ivy', 'Lighting bug', at(5, 10));
  g.say('ivy', 't4', at(5, 10));
  g.say('alice', 't4', at(5, 11));
  await g.settings((s) => ({ ...s, digest: { ...s.digest, channelId: 'general' } }));

  const f = makeGuild(FORUM, 'Rust Gamedev Forum', { db, platform: 'discourse' });
  f.channel('5', 'Support', 'forum');
  f.join('7', Date.UTC(2025, 5, 1), { displayName: 'Ally' });
  f.join('8', Date.UTC(2025, 5, 1), { displayName: 'kofi' });
  f.join('-1', Date.UTC(2025, 5, 1), { displayName: 'system', bot: true });
  f.join('9', at(2, 5), { displayName: 'Nia' });
  f.join('10', at(3), { displayName: 'Erin F' });
  f.thread('101', '5', '8', 'Forum: exporting glTF?', at(1, 9));
  f.say('8', '101', at(1, 9));
  f.say('7', '101', at(1, 12));
  f.say('8', '101', at(1, 13));
  f.thread('102', '5', '9', 'Forum: build fails on Windows', at(3, 8));
  f.say('9', '102', at(3, 8));
  f.say('-1', '102', at(3, 8, 1), { bot: true });
  await f.settings((s) => ({ ...s, digest: { ...s.digest, channelId: '5' } }));

  const third = makeGuild('g3', 'ALPHA Club', { db });
  buildWeek(third, alphaName);
  third.thread('a9', 'help', 'alice', 'ALPHA secret topic', at(4, 2));
  for (let i = 0; i < 6; i++) third.say(i % 2 ? 'bob' : 'alice', 'a9', at(4, 3 + i));
  await third.settings((s) => ({ ...s, digest: { ...s.digest, channelId: 'general' } }));

  if (options.pair ?? true) {
    await pairCommunity(sqliteDatabase(db), { guildId: 'g1', forumGuildId: FORUM, pairedBy: 'carol', pairedAt: at(0) });
    if (options.linked ?? true) {
      await link(db, 'alice', '7', at(0, 1));
      await link(db, 'erin', '10', at(3, 1));
    }
  }
  return { db, g, f, third, deps: depsOf(db) };
}

const field = (body: MessageBody, name: string) =>
  body.embeds?.[0]?.fields?.find((f) => f.name.includes(name))?.value ?? '';

const digestOf = (guild: TestGuild) => {
  const row = guild.outbox().find((r) => r.key.startsWith('digest:'));
  const action = row?.action as Extract<Action, { type: 'message.send' }> | undefined;
  if (!action) throw new Error(`no digest in the outbox of ${guild.guildId}`);
  return action;
};

describe('the digest of a community paired across Discord and the forum', () => {
  it('GIVEN activity on both platforms and a member linked and active on both THEN the Discord digest counts both, the member once', async () => {
    const { g, deps } = await world();
    expect(await postScheduledDigest(deps, g.guildId, PERIOD, NOW, [])).toBe('posted');
    const { body, channelId } = digestOf(g);
    expect(channelId).toBe('general');
    expect(body.mentions).toBeUndefined();
    const health = field(body, 'Community health');
    expect(health.split('\n')[0]).toBe('🔗 Discord + forum: 16 messages on Discord, 4 posts on the forum');
    expect(health).toContain('**20** messages');
    // 7 on Discord + 3 on the forum, alice (Ally on the forum) once.
    expect(health).toContain('**9** active members');
    // Waits 1 h (t1), 26 h (t2), 1 h (t4) on Discord and 3 h (101) on the forum: the median of all four.
    expect(health).toContain('**2 h** median time to a first response');
    expect(health).toContain('**43%** of 7 questions answered within 24 h');
    // erin joined both (linked): one newcomer, named as on Discord.
    expect(body.embeds?.[0]?.description).toContain('👋 **Welcome** to the 3 new members: erin, frank, Nia.');
    expect(field(body, 'still waiting')).toBe(
      [
        '[Old unanswered question](https://discord.com/channels/g1/t0) · waiting 17 d',
        '[Forum: build fails on Windows](https://forum.example/t/102) · waiting 4 d',
        '[Physics jitter](https://discord.com/channels/g1/t3) · waiting 2 d',
      ].join('\n'),
    );
    // alice answered first once on Discord (t4) and once as Ally on the forum (101).
    const helpers = field(body, 'helped most');
    expect(helpers.split('\n')[0]).toBe('**alice** (first to reply 2 times)');
    expect(helpers).not.toContain('Ally');
    expect(field(body, 'Liveliest')).toContain(
      '[Forum: exporting glTF?](https://forum.example/t/101) — 3 messages, 2 people',
    );
    const text = allText(body);
    expect(text).not.toMatch(/<@|@everyone|@here/);
    expect(JSON.stringify({ ...body, attachments: [] })).not.toMatch(/alpha|g3\b/i);
  });

  it('GIVEN the same community THEN the forum topic counts the same, naming linked people as on the forum', async () => {
    const { f, g, deps } = await world();
    expect(await postScheduledDigest(deps, f.guildId, PERIOD, NOW, [])).toBe('posted');
    const forumBody = digestOf(f).body;
    await postScheduledDigest(deps, g.guildId, PERIOD, NOW, []);
    const discordBody = digestOf(g).body;
    // The same numbers on both sides (the week compared is the same, too).
    expect(field(forumBody, 'Community health')).toBe(field(discordBody, 'Community health'));
    expect(field(forumBody, 'still waiting')).toBe(field(discordBody, 'still waiting'));
    expect(forumBody.embeds?.[0]?.description).toContain('👋 **Welcome** to the 3 new members: Erin F, frank, Nia.');
    expect(field(forumBody, 'helped most').split('\n')[0]).toBe('**Ally** (first to reply 2 times)');
    // Discord threads keep their Discord links in the forum topic.
    expect(field(forumBody, 'Liveliest')).toContain(
      '[How do I load a mesh?](https://discord.com/channels/g1/t1) — 3 messages, 2 people',
    );
    expect(JSON.stringify({ ...forumBody, attachments: [] })).not.toMatch(/alpha|g3\b/i);
  });

  it('GIVEN the pair THEN the chart and the weeks count both platforms day by day', async () => {
    const { g, f, deps, db } = await world();
    const paired = await buildDigest(deps, g.guildId, TARGET, NOW, []);
    await unpairCommunity(sqliteDatabase(db), 'g1');
    const discord = await buildDigest(deps, g.guildId, TARGET, NOW, []);
    const forum = await buildDigest(deps, f.guildId, TARGET, NOW, []);
    const daily = (b: typeof paired) => b.weeks.at(-1)!.dailyMessages;
    expect(daily(forum)).toEqual([0, 3, 0, 1, 0, 0, 0]);
    expect(daily(paired)).toEqual(daily(discord).map((n, i) => n + daily(forum)[i]!));
    expect(paired.weeks.at(-1)!.pairedWith).toBe(FORUM);
    expect(discord.weeks.at(-1)!.pairedWith).toBeUndefined();
    // The chart is drawn from the combined weeks, so it differs from the Discord-only one.
    expect(paired.body.attachments?.[0]?.dataBase64).not.toBe(discord.body.attachments?.[0]?.dataBase64);
  });

  it('GIVEN the accounts are not linked THEN the same person counts on each platform', async () => {
    const { g, deps } = await world({ linked: false });
    await postScheduledDigest(deps, g.guildId, PERIOD, NOW, []);
    const { body } = digestOf(g);
    expect(field(body, 'Community health')).toContain('**10** active members');
    expect(body.embeds?.[0]?.description).toContain('👋 **Welcome** to the 4 new members: erin, frank, Nia, Erin F.');
    expect(field(body, 'helped most')).toContain('**Ally** (first to reply once)');
  });

  it('GIVEN a week stored before the pair THEN the next digest counts that week again with both platforms', async () => {
    const { g, db, deps } = await world({ pair: false });
    await postScheduledDigest(deps, g.guildId, PERIOD, NOW, []);
    await pairCommunity(sqliteDatabase(db), { guildId: 'g1', forumGuildId: FORUM, pairedBy: 'carol', pairedAt: NOW });
    const next = await buildDigest(
      deps,
      g.guildId,
      { endDate: { year: 2026, month: 3, day: 16 }, period: '2026-W12' },
      NOW + 7 * DAY,
      [],
    );
    expect(next.weeks.at(-2)).toMatchObject({ messages: 20, pairedWith: FORUM });
  });
});

describe('digest sources in a paired community', () => {
  it('GIVEN features with sources THEN each hook is asked once per guild of the pair and the answers are combined', async () => {
    const { g, deps } = await world();
    const asked: string[] = [];
    const byGuild =
      <T>(discord: T, forum: T) =>
      (guildId: GuildId) => {
        asked.push(guildId);
        if (guildId === 'g1') return discord;
        if (guildId === FORUM) return forum;
        throw new Error(`asked for a guild outside the pair: ${guildId}`);
      };
    const source: DigestSource = {
      milestones: (_d, w) =>
        byGuild(
          [{ memberId: asMemberId('alice'), name: 'alice', milestone: 'reached Contributor', at: w.start + DAY }],
          // The journey moves a linked person on both platforms: Ally is alice, named once.
          [
            { memberId: asMemberId('7'), name: 'Ally', milestone: 'reached Regular', at: w.start + DAY },
            { memberId: asMemberId('9'), name: 'Nia', milestone: 'reached Participating', at: w.start + 2 * DAY },
          ],
        )(w.guildId),
      intros: (_d, w) => byGuild({ made: 2, met: 1 }, { made: 1, met: 1 })(w.guildId),
      waitingQuestions: (_d, w) =>
        byGuild(
          [{ threadId: '102', title: 'Discord 102', url: 'https://discord.com/channels/g1/102', askedAt: at(1) }],
          // The same thread id on the forum is another question.
          [{ threadId: '102', title: 'Forum 102', url: 'https://forum.example/t/102', askedAt: at(3, 8) }],
        )(w.guildId),
      topHelpers: (_d, w) =>
        byGuild(
          [{ memberId: asMemberId('alice'), name: 'alice', solved: 1, thanked: 0 }],
          [
            { memberId: asMemberId('7'), name: 'Ally', solved: 2, thanked: 1 },
            { memberId: asMemberId('8'), name: 'kofi', solved: 1, thanked: 0 },
          ],
        )(w.guildId),
      responseTimes: (_d, w) =>
        byGuild(
          {
            asked: 4,
            answered: 3,
            answeredWithin24h: 2,
            medianFirstResponseMs: HOUR,
            peerAnswered: 2,
            firstResponseWaitsMs: [HOUR, HOUR, 30 * HOUR],
          },
          {
            asked: 2,
            answered: 1,
            answeredWithin24h: 1,
            medianFirstResponseMs: 5 * HOUR,
            peerAnswered: 1,
            firstResponseWaitsMs: [5 * HOUR],
          },
        )(w.guildId),
      goalMetrics: (_d, w) => byGuild({ connections: 3 }, { connections: 2 })(w.guildId),
    };
    await g.settings((s) => ({ ...s, digest: { ...s.digest, goals: [{ metric: 'connections', target: 10 }] } }));
    const named: NamedSource[] = [{ feature: 'questions', source }];
    const { body } = await buildDigest(deps, g.guildId, TARGET, NOW, named);
    const text = allText(body);
    expect(new Set(asked)).toEqual(new Set(['g1', FORUM]));
    expect(text).toContain('🏅 **2 milestones**: alice reached Contributor; Nia reached Participating.');
    expect(text).toContain('🤝 **Introductions**: 3 made, 2 met.');
    expect(field(body, 'still waiting')).toBe(
      '[Discord 102](https://discord.com/channels/g1/102) · waiting 6 d\n[Forum 102](https://forum.example/t/102) · waiting 4 d',
    );
    // Solved credits first, then those who were first to reply (no longer dropped when a source gives credits).
    expect(field(body, 'helped most')).toBe(
      '**alice** (3 solutions, thanked once)\n**kofi** (1 solution)\n**bob** (first to reply once)\n**carol** (first to reply once)',
    );
    // Waits 1 h, 1 h, 30 h and 5 h: the median of the four, not of the two medians.
    expect(field(body, 'Community health')).toContain('**3 h** median time to a first response');
    expect(field(body, 'Community health')).toContain('**50%** of 6 questions answered within 24 h');
    expect(text).toContain('**Connections made**: 5 · target ≥ 10');
  });

  it('GIVEN a source that gives only its median THEN the medians are weighted by their answered questions', async () => {
    const { g, deps } = await world();
    const source: DigestSource = {
      responseTimes: (_d, w) =>
        w.guildId === 'g1'
          ? { asked: 4, answered: 3, answeredWithin24h: 3, medianFirstResponseMs: HOUR, peerAnswered: 3 }
          : { asked: 1, answered: 1, answeredWithin24h: 1, medianFirstResponseMs: 5 * HOUR, peerAnswered: 1 },
    };
    const { weeks } = await buildDigest(deps, g.guildId, TARGET, NOW, [{ feature: 'questions', source }]);
    expect(weeks.at(-1)!.medianFirstResponseMs).toBe(2 * HOUR);
  });
});

describe('tenant isolation with a pair in the database', () => {
  it('GIVEN a third, unpaired guild THEN its digest is exactly the one it gets alone, and the pair never reads it', async () => {
    const { third, deps } = await world();
    await postScheduledDigest(deps, third.guildId, PERIOD, NOW, []);
    const shared = digestOf(third).body;
    expect(JSON.stringify({ ...shared, attachments: [] })).not.toMatch(/forum|Nia|Ally|kofi|Rust Gamedev/);

    const alone = makeGuild('g3', 'ALPHA Club');
    buildWeek(alone, alphaName);
    alone.thread('a9', 'help', 'alice', 'ALPHA secret topic', at(4, 2));
    for (let i = 0; i < 6; i++) alone.say(i % 2 ? 'bob' : 'alice', 'a9', at(4, 3 + i));
    await alone.settings((s) => ({ ...s, digest: { ...s.digest, channelId: 'general' } }));
    await postScheduledDigest(makeDeps(alone.db), alone.guildId, PERIOD, NOW, []);
    expect(digestOf(alone).body).toEqual(shared);
  });

  it('GIVEN the pair unpaired again THEN the Discord digest is the one of the guild alone', async () => {
    const { g, db, deps } = await world();
    await unpairCommunity(sqliteDatabase(db), 'g1');
    const { body } = await buildDigest(deps, g.guildId, TARGET, NOW, []);
    const alone = makeGuild('g1', 'Rust Gamedev');
    buildWeek(alone);
    alone.thread('t4', 'help', 'ivy', 'Lighting bug', at(5, 10));
    alone.say('ivy', 't4', at(5, 10));
    alone.say('alice', 't4', at(5, 11));
    await alone.settings((s) => ({ ...s, digest: { ...s.digest, channelId: 'general' } }));
    const single = await buildDigest(makeDeps(alone.db), alone.guildId, TARGET, NOW, []);
    expect(body).toEqual(single.body);
  });
});
