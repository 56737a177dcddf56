/**
 * Intros in a paired community: a Discord guild and its forum on one real SQLite database, paired
 * with pairCommunity and linked with confirmed account_links rows, events through the real ingest.
 */

import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import meet from '../../../commands/meet.js';
import profileSet from '../../../commands/profileSet.js';
import type { Action } from '../../../src/actions.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { intros, introsRounds } from '../../../src/db/schema.js';
import { asMemberId } from '../../../src/events.js';
import { linkedConsents } from '../../../src/features/intros/across.js';
import { introduceButton } from '../../../src/features/intros/buttons.js';
import { introsFeature } from '../../../src/features/intros/feature.js';
import { introsRoundJob } from '../../../src/features/intros/jobs.js';
import {
  join as joinIntros,
  leave as leaveIntros,
  refreshProfiles,
  runRound,
  sendFollowUps,
  suggestFor,
} from '../../../src/features/intros/service.js';
import { consentingProfiles, rowToProfile, setDeclared } from '../../../src/features/intros/store.js';
import { pairCommunity } from '../../../src/features/links/identity.js';
import { DAY, HOUR, makeWorld, T0, text, type World } from './world.js';

/** What Discord shows of markdown-escaped text: a forum handle "cyd_forum" is written "cyd\\_forum". */
const shown = (markdown: string) => markdown.replace(/\\(.)/g, '$1');

const FORUM = 'discourse:forum.example';
const key = (id: string) => `${FORUM}/${id}`;
const m = asMemberId;

/**
 * Shader Club on Discord (Ann: vulkan compute; Bob and Cat: audio mixing) and its forum (user 7,
 * @cyd_forum: vulkan compute; user 8, @dee: audio mixing). They have joined intros on their own
 * platform; Ann and Cyd declared Vulkan as an interest. `paired` pairs the two (as /convene forum
 * connect does).
 */
async function community(paired = true) {
  const d = makeWorld('g1').setup();
  const f = makeWorld(FORUM, { db: d.db, platform: 'discourse' }).setup();
  for (const id of ['ann', 'bob', 'cat']) d.member(id);
  f.member('7', 'Cyd', T0 - 300 * DAY, 'cyd_forum');
  f.member('8', 'Dee', T0 - 300 * DAY, 'dee');
  for (let i = 0; i < 5; i++) {
    d.say('ann', 'c-graphics', 'vulkan compute shader pipeline barrier', T0 - (2 + i) * DAY);
    d.say('bob', 'c-audio', 'audio mixing reverb plugin', T0 - (2 + i) * DAY);
    d.say('cat', 'c-audio', 'audio mixing compressor plugin', T0 - (2 + i) * DAY + 60_000);
    // The same channel ids as Discord's: they must not count as "the same channels" across platforms.
    f.say('7', 'c-graphics', 'vulkan compute shader pipeline barrier', T0 - (2 + i) * DAY + 120_000);
    f.say('8', 'c-audio', 'audio mixing reverb compressor', T0 - (2 + i) * DAY + 180_000);
  }
  await join(d, ['ann', 'bob', 'cat']);
  await join(f, ['7', '8']);
  await setDeclared(
    d.database,
    d.guildId,
    m('ann'),
    { interests: ['Vulkan compute'], about: '', timezone: null },
    T0 - 20 * DAY,
  );
  await setDeclared(
    f.database,
    f.guildId,
    m('7'),
    { interests: ['vulkan', 'compute shaders'], about: '', timezone: null },
    T0 - 20 * DAY,
  );
  if (paired)
    await pairCommunity(sqliteDatabase(d.db), {
      guildId: 'g1',
      forumGuildId: FORUM,
      pairedBy: 'mod',
      pairedAt: T0 - 30 * DAY,
    });
  return { d, f };
}

async function join(w: World, ids: string[], at = T0 - 20 * DAY) {
  for (const id of ids) await joinIntros(w.database, w.guildId, m(id), at);
}

const leave = (w: World, id: string, at = T0 - DAY) => leaveIntros(w.database, w.guildId, m(id), at);

/** A confirmed account link (what /link confirm leaves behind). */
function link(w: World, discordId: string, forumId: string, at = T0 - 20 * DAY) {
  w.db.$client
    .prepare(
      'INSERT INTO account_links (guild_id, member_id, other_guild_id, other_member_id, created_at, linked_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run('g1', discordId, FORUM, forumId, at, at);
}

/** Profiles as the daily job leaves them (a round builds them itself). */
async function built(...worlds: World[]) {
  for (const w of worlds) await refreshProfiles(w.database, w.guildId, T0, true);
}

const groupsOf = (w: World, guildId: string, roundId: string) =>
  w.db
    .select()
    .from(intros)
    .where(and(eq(intros.guildId, guildId), eq(intros.roundId, roundId)))
    .all()
    .map((r) => r.memberIds);

const dm = (a: Action) => {
  if (a.type !== 'dm.send') throw new Error(`expected a DM, got ${a.type}`);
  return a;
};

/** The community plus Lee: "lee" on Discord, linked to @lee_f (user 9) on the forum, where Lee posted last. */
async function withLee() {
  const { d, f } = await community();
  d.member('lee');
  f.member('9', 'Lee F', T0 - 300 * DAY, 'lee_f');
  d.say('lee', 'c-general', 'vulkan compute shader', T0 - 10 * DAY);
  for (let i = 0; i < 3; i++) f.say('9', 'c-general', 'vulkan compute shader pipeline', T0 - (1 + i) * DAY);
  await join(d, ['lee']);
  await join(f, ['9']);
  link(d, 'lee', '9');
  return { d, f };
}

describe('a round in a paired community', () => {
  it('GIVEN a Discord member and a forum member who talk about the same thing THEN they are grouped and each gets a private message on their own platform, naming the other with how to reach them', async () => {
    const { d } = await community();
    const r = await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    expect(r).toMatchObject({ pool: 5, existing: false });
    const groups = groupsOf(d, 'g1', '2026-03-02');
    const vulkan = groups.findIndex((g) => g.includes('ann'));
    expect(groups[vulkan]).toContain(key('7'));

    const toAnn = d.outbox().filter((o) => o.key === `intros:g1:2026-03-02:${vulkan}:ann`);
    expect(toAnn).toHaveLength(1);
    expect(toAnn[0]).toMatchObject({ platform: 'discord', guildId: 'g1' });
    const annDm = dm(toAnn[0]!.action);
    expect(annDm.memberId).toBe('ann');
    expect(shown(annDm.body.content)).toContain('@cyd_forum on the forum');
    expect(annDm.body.content).not.toContain('<@7>');
    // Mentions list only Discord members of g1: never the forum user.
    for (const id of annDm.body.mentions?.members ?? []) expect(['bob', 'cat']).toContain(id);
    expect(annDm.body.mentions?.members ?? []).not.toContain('7');

    const toCyd = d.outbox().filter((o) => o.key === `intros:g1:2026-03-02:${vulkan}:${key('7')}`);
    expect(toCyd).toHaveLength(1);
    expect(toCyd[0]).toMatchObject({ platform: 'discourse', guildId: FORUM });
    const cydDm = dm(toCyd[0]!.action);
    expect(cydDm.memberId).toBe('7');
    expect(cydDm.body.content).toContain('Ann on Discord (ann)');
    expect(cydDm.body.content).not.toContain('<@');
    expect(cydDm.body.mentions).toEqual({ members: [] });
    // Shared words, not the forum's "c-graphics" taken for Discord's.
    expect(annDm.body.content).not.toContain('#graphics');
  });

  it('GIVEN the round runs again (a retry) THEN nothing is grouped or sent twice', async () => {
    const { d } = await community();
    await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    const before = d.outbox().length;
    const again = await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0 + 60_000);
    expect(again).toMatchObject({ existing: true, enqueued: 0 });
    expect(d.outbox()).toHaveLength(before);
    expect(new Set(d.outbox().map((o) => o.key)).size).toBe(before);
  });

  it('GIVEN a group of three with two Discord members and a forum member THEN each Discord DM mentions only the other Discord member', async () => {
    const { d, f } = await community();
    await d.settings((s) => ({ ...s, intros: { ...s.intros, size: 3 } }));
    // Only three people in the pool: one group of three, mixing platforms.
    await leave(d, 'bob');
    await leave(f, '8');
    await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    const [group] = groupsOf(d, 'g1', '2026-03-02');
    expect([...group!].sort()).toEqual(['ann', 'cat', key('7')].sort());
    const annDm = dm(d.reaching('ann')[0]!.action);
    expect(annDm.body.mentions).toEqual({ members: ['cat'] });
    expect(annDm.body.content).toContain('<@cat>');
    const cydDm = dm(d.reaching('7')[0]!.action);
    expect(cydDm.body.content).toMatch(
      /Ann on Discord \(ann\) and Cat on Discord \(cat\)|Cat on Discord \(cat\) and Ann on Discord \(ann\)/,
    );
    expect(cydDm.body.mentions).toEqual({ members: [] });
  });

  it('GIVEN a linked person (Lee on Discord, @lee_f on the forum), active on the forum last THEN they are one person in the pool, never matched with themselves, and written to on the forum', async () => {
    const { d } = await withLee();
    const r = await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    // ann, bob, cat, 7, 8 and Lee once.
    expect(r.pool).toBe(6);
    const everyone = groupsOf(d, 'g1', '2026-03-02').flat();
    expect(everyone.filter((id) => id === 'lee')).toHaveLength(1);
    expect(everyone).not.toContain(key('9'));
    // Lee is active on the forum: their group is told by private messages, Lee's on the forum as user 9.
    const toLee = d.outbox().filter((o) => o.key.startsWith('intros:g1:2026-03-02:') && o.key.endsWith(':lee'));
    expect(toLee).toHaveLength(1);
    expect(toLee[0]).toMatchObject({ platform: 'discourse', guildId: FORUM });
    expect(dm(toLee[0]!.action).memberId).toBe('9');
    expect(d.outbox().some((o) => o.action.type === 'dm.send' && o.action.memberId === 'lee')).toBe(false);
  });

  it('GIVEN the same linked person left the forum afterwards THEN they are written to on Discord, where they still are', async () => {
    const { d, f } = await withLee();
    f.leaveServer('9', T0 - HOUR);
    await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    const toLee = d.outbox().filter((o) => o.key.startsWith('intros:g1:2026-03-02:') && o.key.includes('lee'));
    expect(toLee.length).toBeGreaterThan(0);
    expect(toLee.every((o) => o.platform === 'discord' && o.guildId === 'g1')).toBe(true);
    expect(
      d.outbox().some((o) => o.platform === 'discourse' && o.action.type === 'dm.send' && o.action.memberId === '9'),
    ).toBe(false);
  });

  it('GIVEN a linked person who left intros on Discord after joining on the forum THEN they are out of the round', async () => {
    const { d, f } = await community();
    d.member('lee');
    f.member('9', 'Lee F', T0 - 300 * DAY, 'lee_f');
    f.say('9', 'c-general', 'vulkan compute shader pipeline', T0 - DAY);
    await join(f, ['9'], T0 - 20 * DAY);
    await join(d, ['lee'], T0 - 20 * DAY);
    await leave(d, 'lee', T0 - 5 * DAY);
    link(d, 'lee', '9');
    const r = await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    expect(r.pool).toBe(5);
    expect(groupsOf(d, 'g1', '2026-03-02').flat()).not.toContain('lee');
    expect(d.reaching('9')).toEqual([]);
  });

  it('GIVEN a paired forum THEN its own scheduled round is skipped, and the Discord round includes its members', async () => {
    const { d, f } = await community();
    for (const w of [d, f])
      await w.settings((s) => ({ ...s, intros: { ...s.intros, enabled: true, since: T0 - 30 * DAY } }));
    await introsRoundJob.run(f.deps, f.guildId, '2026-03-02', T0);
    expect(f.db.select().from(introsRounds).where(eq(introsRounds.guildId, FORUM)).all()).toEqual([]);
    expect(d.outbox()).toEqual([]);
    await introsRoundJob.run(d.deps, d.guildId, '2026-03-02', T0);
    const rounds = d.db.select().from(introsRounds).all();
    expect(rounds.map((r) => [r.guildId, r.pool])).toEqual([['g1', 5]]);
    expect(d.reaching('7').length).toBe(1);
  });

  it('GIVEN the same two guilds unpaired THEN each round stays in its own guild', async () => {
    const { d, f } = await community(false);
    await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    await runRound(f.database, 'discourse', f.guildId, '2026-03-02', T0);
    const ofDiscord = groupsOf(d, 'g1', '2026-03-02').flat();
    expect([...ofDiscord].sort()).toEqual(['ann', 'bob', 'cat']);
    expect(groupsOf(f, FORUM, '2026-03-02').flat().sort()).toEqual(['7', '8']);
    for (const o of d.outbox()) expect(o.key.startsWith('intros:g1:') ? o.guildId : FORUM).toBe(o.guildId);
    expect(d.outbox().some((o) => o.key.includes('/'))).toBe(false);
  });

  it('GIVEN a cross-platform intro a week ago THEN the forum member is asked "Did you meet?" on the forum', async () => {
    const { d } = await community();
    await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    await sendFollowUps(d.database, 'discord', d.guildId, T0 + 8 * DAY);
    const followUps = d.outbox().filter((o) => o.key.includes(':followup:'));
    const toCyd = followUps.filter((o) => o.key.endsWith(`:${key('7')}`));
    expect(toCyd).toHaveLength(1);
    expect(toCyd[0]).toMatchObject({ platform: 'discourse', guildId: FORUM });
    expect(dm(toCyd[0]!.action).memberId).toBe('7');
    expect(followUps.filter((o) => o.key.endsWith(':ann'))[0]).toMatchObject({ platform: 'discord', guildId: 'g1' });
  });
});

describe('/meet in a paired community', () => {
  it('GIVEN a forum member who shares interests THEN /meet on Discord suggests them and says where they are', async () => {
    const { d, f } = await community();
    await built(d, f);
    const picks = await suggestFor(d.database, d.guildId, m('ann'), T0, 5);
    const cyd = picks.find((p) => p.memberId === key('7'));
    expect(cyd).toMatchObject({ name: 'Cyd' });
    expect(shown(cyd!.where ?? '')).toBe('on the forum (@cyd_forum)');
    expect(picks[0]?.memberId).toBe(key('7'));
    expect(shown(text(await d.run(meet, 'ann')))).toContain('**1. Cyd** (on the forum (@cyd_forum))');
  });

  it('GIVEN one person on each platform who talk about the same rare thing, declared nowhere THEN /meet finds them (the words are shared across the pair)', async () => {
    const run = async (paired: boolean) => {
      const { d, f } = await community(paired);
      d.member('eli');
      f.member('9', 'Ira', T0 - 300 * DAY, 'ira_f');
      for (let i = 0; i < 5; i++) {
        d.say('eli', 'c-general', 'rust borrow checker lifetimes again', T0 - (2 + i) * DAY);
        f.say('9', 'c-general', 'borrow checker lifetimes question', T0 - (2 + i) * DAY + 60_000);
      }
      await join(d, ['eli']);
      await join(f, ['9']);
      await built(d, f);
      const profile = (await consentingProfiles(d.database, d.guildId, ['eli'])).get('eli');
      return { terms: [...(profile ? rowToProfile(profile, T0).terms.keys() : [])], d };
    };
    // Alone, a word only eli uses on Discord is an idiosyncrasy and is dropped from the profile.
    const alone = (await run(false)).terms;
    expect(alone).not.toContain('borrow');
    expect(alone).not.toContain('checker');
    const { terms, d } = await run(true);
    expect(terms).toEqual(expect.arrayContaining(['borrow', 'checker']));
    expect((await suggestFor(d.database, d.guildId, m('eli'), T0, 3))[0]?.memberId).toBe(key('9'));
  });

  it('GIVEN a linked person THEN /meet never suggests their own other account, and suggests them once to others', async () => {
    const { d, f } = await community();
    d.member('lee');
    f.member('9', 'Lee F', T0 - 300 * DAY, 'lee_f');
    f.say('9', 'c-general', 'vulkan compute shader pipeline', T0 - DAY);
    await join(d, ['lee']);
    await join(f, ['9']);
    link(d, 'lee', '9');
    await built(d, f);
    const forLee = (await suggestFor(d.database, d.guildId, m('lee'), T0, 10)).map((p) => p.memberId);
    expect(forLee).not.toContain('lee');
    expect(forLee).not.toContain(key('9'));
    expect(forLee).toContain(key('7'));
    const forAnn = (await suggestFor(d.database, d.guildId, m('ann'), T0, 10)).map((p) => p.memberId);
    expect(forAnn.filter((id) => id === 'lee')).toHaveLength(1);
    expect(forAnn).not.toContain(key('9'));
  });

  it("GIVEN Introduce us on a forum member THEN they get a private message on the forum with the asker's handle, once", async () => {
    const { d } = await community();
    await d.run(profileSet, 'ann', { interests: 'Vulkan' }, T0 - DAY);
    const r = await d.press(introduceButton, 'ann', key('7'));
    expect(shown(text(r))).toContain('They are @cyd_forum on the forum');
    const toCyd = d.reaching('7');
    expect(toCyd).toHaveLength(1);
    expect(toCyd[0]).toMatchObject({ platform: 'discourse', guildId: FORUM });
    expect(toCyd[0]!.key).toMatch(/^intros:g1:ask:/);
    const body = dm(toCyd[0]!.action).body;
    expect(body.content).toContain('Ann (Ann on Discord (ann)) would like to meet you');
    expect(body.mentions).toEqual({ members: [] });
    expect(body.buttons).toBeUndefined();
    // Pressing again tells the asker again and writes nothing new.
    expect(text(await d.press(introduceButton, 'ann', key('7')))).toContain('already told Cyd');
    expect(d.reaching('7')).toHaveLength(1);
  });

  it('GIVEN a forum member who left intros THEN Introduce us contacts nobody', async () => {
    const { d, f } = await community();
    await leave(f, '7');
    expect(text(await d.press(introduceButton, 'ann', key('7')))).toContain('not possible right now');
    expect(d.reaching('7')).toEqual([]);
  });
});

describe('privacy across platforms', () => {
  it('GIVEN a forum member erases their data THEN the intros the Discord guild ran with them go too', async () => {
    const { d, f } = await community();
    await runRound(d.database, 'discord', d.guildId, '2026-03-02', T0);
    expect(groupsOf(d, 'g1', '2026-03-02').flat()).toContain(key('7'));
    const exported = await introsFeature.privacy!.export(sqliteDatabase(f.db), f.guildId, m('7'));
    expect((exported.acrossPlatforms as unknown[]).length).toBe(1);
    await introsFeature.privacy!.erase(sqliteDatabase(f.db), f.guildId, m('7'));
    expect(groupsOf(d, 'g1', '2026-03-02').flat()).not.toContain(key('7'));
  });
});

describe('linkedConsents', () => {
  const row = (joinedAt: number, leftAt: number | null = null) => ({ joinedAt, leftAt, skipUntil: null });
  it.each([
    ['joined on one side only', row(1), undefined, true],
    ['left on Discord after joining on the forum', row(1, 5), row(3), false],
    ['joined on the forum after leaving on Discord', row(1, 2), row(3), true],
    ['left on both', row(1, 2), row(1, 3), false],
    ['never joined', undefined, undefined, false],
  ])('GIVEN %s THEN in = %s', (_name, home, away, expected) => {
    expect(linkedConsents(home, away)).toBe(expected);
  });
});
