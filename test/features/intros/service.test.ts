import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import conveneIntrosOff from '../../../commands/conveneIntrosOff.js';
import conveneIntrosRunNow from '../../../commands/conveneIntrosRunNow.js';
import conveneIntrosSet from '../../../commands/conveneIntrosSet.js';
import introsJoin from '../../../commands/introsJoin.js';
import introsLeave from '../../../commands/introsLeave.js';
import introsStatus from '../../../commands/introsStatus.js';
import meet from '../../../commands/meet.js';
import profileSet from '../../../commands/profileSet.js';
import profileShow from '../../../commands/profileShow.js';
import { MODERATOR_ONLY } from '../../../src/commands.js';
import { sqliteDatabase } from '../../../src/db/database.js';
import { intros, introsFeedback, introsMembers, introsProfiles, introsRounds } from '../../../src/db/schema.js';
import { asMemberId } from '../../../src/events.js';
import {
  acceptButton,
  declineButton,
  feedbackButton,
  introduceButton,
  joinButton,
} from '../../../src/features/intros/buttons.js';
import { introsFeature } from '../../../src/features/intros/feature.js';
import { introsRoundJob } from '../../../src/features/intros/jobs.js';
import {
  BUTTONS,
  isRoundWeek,
  refreshProfiles,
  requestIntro,
  runRound,
  sendFollowUps,
  suggestFor,
} from '../../../src/features/intros/service.js';
import { candidatesByTerms, consentingIds, insertIntro } from '../../../src/features/intros/store.js';
import { DAY, makeWorld, T0, text, type World } from './world.js';

const m = asMemberId;

/**
 * Shader Club: Ann is new and asks about vulkan compute; Eve answers vulkan questions; Bob and
 * Cat talk audio; Dan and Fay talk about modelling. Everyone but Zoe has joined intros.
 */
async function shaderClub(): Promise<World> {
  const w = makeWorld().setup();
  for (const id of ['ann', 'eve', 'bob', 'cat', 'dan', 'fay', 'zoe']) w.member(id);
  for (let i = 0; i < 4; i++) {
    w.thread(`t${i}`, 'c-graphics', 'ann', `vulkan compute shader question ${i}`, T0 - (10 + i) * DAY);
    const q = w.say('ann', `t${i}`, 'how do I write a vulkan compute shader with barriers', T0 - (10 + i) * DAY);
    const a = w.say('eve', `t${i}`, 'vulkan compute shaders need a pipeline barrier', T0 - (10 + i) * DAY + 3_600_000, {
      replyTo: q,
    });
    if (i === 0) w.accept(`t${i}`, a, 'ann', T0 - 9 * DAY);
  }
  for (let i = 0; i < 5; i++) {
    const b = w.say('bob', 'c-audio', 'audio mixing reverb plugin', T0 - (2 + i) * DAY);
    w.say('cat', 'c-audio', 'audio mixing compressor plugin', T0 - (2 + i) * DAY + 3_600_000);
    w.say('dan', 'c-general', 'blender modelling topology', T0 - (3 + i) * DAY);
    w.say('fay', 'c-general', 'blender modelling sculpting', T0 - (3 + i) * DAY + 60_000);
    w.say('zoe', 'c-graphics', 'vulkan compute shader pipeline', T0 - (2 + i) * DAY, { replyTo: b });
  }
  for (const id of ['ann', 'eve', 'bob', 'cat', 'dan', 'fay']) await introsJoin.run({ ...ctxFor(w, id) } as never);
  return w;
}

function ctxFor(w: World, id: string) {
  return {
    platform: 'discord' as const,
    guild: { id: w.guildId, name: 'Shader Club' },
    member: { id: m(id), displayName: id, moderator: false },
    channelId: null,
    options: {},
    deps: w.deps,
    now: T0 - 20 * DAY,
  };
}

const roundRows = (w: World, roundId: string) =>
  w.db
    .select()
    .from(intros)
    .where(and(eq(intros.guildId, w.guildId), eq(intros.roundId, roundId)))
    .all();

describe('consent', () => {
  it('GIVEN a member who never joined or who left THEN the store queries leave them out', async () => {
    const w = await shaderClub();
    await refreshProfiles(w.database, w.guildId, T0, true);
    expect((await consentingIds(w.database, w.guildId)).has('zoe')).toBe(false);
    await leaveVia(w, 'eve');
    expect((await consentingIds(w.database, w.guildId)).has('eve')).toBe(false);
    const votes = await candidatesByTerms(
      w.database,
      w.guildId,
      [
        ['vulkan', 1],
        ['compute', 1],
        ['shader', 1],
      ],
      'ann',
      50,
    );
    expect([...votes.keys()]).not.toContain('eve');
    expect([...votes.keys()]).not.toContain('zoe');
  });

  it('GIVEN a member who left the server THEN they are out of intros too', async () => {
    const w = await shaderClub();
    w.leaveServer('eve', T0 - DAY);
    expect((await consentingIds(w.database, w.guildId)).has('eve')).toBe(false);
  });

  it('GIVEN members left THEN /meet, a round and follow-ups never suggest or contact them', async () => {
    const w = await shaderClub();
    await leaveVia(w, 'eve');
    await refreshProfiles(w.database, w.guildId, T0, true);
    const picks = await suggestFor(w.database, w.guildId, m('ann'), T0, 10);
    expect(picks.map((p) => p.memberId)).not.toContain('eve');
    expect(picks.map((p) => p.memberId)).not.toContain('zoe');
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    await sendFollowUps(w.database, 'discord', w.guildId, T0 + 8 * DAY);
    expect(w.reaching('eve')).toEqual([]);
    expect(w.reaching('zoe')).toEqual([]);
  });

  it('GIVEN someone who has not joined THEN /meet tells them how to join', async () => {
    const w = await shaderClub();
    expect(text(await w.run(meet, 'zoe'))).toContain('/intros join');
  });

  it('GIVEN a member leaves between being suggested and the ask THEN Introduce us contacts nobody', async () => {
    const w = await shaderClub();
    await refreshProfiles(w.database, w.guildId, T0, true);
    await leaveVia(w, 'eve');
    const r = await w.press(introduceButton, 'ann', 'eve');
    expect(text(r)).toContain('not possible right now');
    expect(w.reaching('eve')).toEqual([]);
  });
});

function leaveVia(w: World, id: string) {
  return w.run(introsLeave, id, {}, T0 - DAY);
}

describe('/meet', () => {
  it('GIVEN a newcomer asking about vulkan THEN /meet names the member who answers vulkan questions, with the reason, and never the asker', async () => {
    const w = await shaderClub();
    await refreshProfiles(w.database, w.guildId, T0, true);
    const r = await w.run(meet, 'ann');
    expect(r).toMatchObject({ kind: 'message', ephemeral: true });
    expect(text(r)).toMatch(/1\. Eve\*\* — .*(vulkan|compute|shader)/);
    expect(text(r)).not.toContain('Ann');
    const buttons = r.body.buttons ?? [];
    expect(buttons[0]?.id).toBe(`${BUTTONS.introduce}:eve`);
    expect(buttons.length).toBeLessThanOrEqual(3);
    expect(r.body.mentions).toBeUndefined();
  });

  it('GIVEN declared interests only (no messages) THEN /meet still finds the member who shares them', async () => {
    const w = makeWorld().setup();
    for (const id of ['ann', 'bob', 'cat']) {
      w.member(id);
      await w.run(introsJoin, id);
    }
    await w.run(profileSet, 'ann', { interests: 'Rust, Vulkan shaders' });
    await w.run(profileSet, 'bob', { interests: 'vulkan shaders, audio' });
    await w.run(profileSet, 'cat', { interests: 'knitting' });
    await refreshProfiles(w.database, w.guildId, T0, true);
    const picks = await suggestFor(w.database, w.guildId, m('ann'), T0);
    expect(picks[0]?.memberId).toBe('bob');
    expect(picks[0]?.why).toContain('Vulkan shaders');
  });
});

describe('words worth saying', () => {
  it('GIVEN everyone here asks for help and two people also talk about vulkan THEN the reason and starter are about vulkan, never "help"', async () => {
    const w = makeWorld().setup();
    const people = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'];
    for (const id of people) {
      w.member(id);
      await w.run(introsJoin, id);
    }
    for (let i = 0; i < 4; i++) {
      for (const id of people) w.say(id, 'c-general', 'help please help needed', T0 - (2 + i) * DAY);
      w.say('ann', 'c-graphics', 'help with vulkan descriptor sets', T0 - (2 + i) * DAY + 60_000);
      w.say('bob', 'c-graphics', 'vulkan descriptor sets help', T0 - (2 + i) * DAY + 120_000);
    }
    await refreshProfiles(w.database, w.guildId, T0, true);
    const [first] = await suggestFor(w.database, w.guildId, m('ann'), T0);
    expect(first?.memberId).toBe('bob');
    expect(first?.why).toMatch(/vulkan|descriptor/);
    expect(first?.why).not.toMatch(/help/);
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    const texts = w
      .outbox()
      .map((o) => (o.action.type === 'thread.create' || o.action.type === 'dm.send' ? o.action.body.content : ''))
      .join('\n');
    expect(texts).toMatch(/vulkan|descriptor/);
    expect(texts).not.toMatch(/about help|into help|with help|help problem|about help/);
  });
});

describe('Introduce us → Accept / Decline', () => {
  it('GIVEN Ann asks to meet Eve THEN Eve gets a DM with Accept and Decline, and nothing connects them yet', async () => {
    const w = await shaderClub();
    await refreshProfiles(w.database, w.guildId, T0, true);
    const r = await w.press(introduceButton, 'ann', 'eve');
    expect(text(r)).toContain('I have asked Eve');
    const toEve = w.reaching('eve');
    expect(toEve).toHaveLength(1);
    const dm = toEve[0]!.action;
    expect(dm.type).toBe('dm.send');
    if (dm.type !== 'dm.send') return;
    expect(dm.body.content).toContain('Ann would like to meet you');
    expect(dm.body.buttons?.map((b) => b.label)).toEqual(['Accept', 'Decline']);
    expect(w.outbox().filter((o) => o.action.type === 'thread.create')).toEqual([]);
    // Asking twice does not ask twice.
    expect(text(await w.press(introduceButton, 'ann', 'eve'))).toContain('already asked');
    expect(w.reaching('eve')).toHaveLength(1);
  });

  it('GIVEN Eve accepts THEN one private thread in the intros channel opens with exactly both, the reason and a starter', async () => {
    const w = await shaderClub();
    await w.settings((s) => ({ ...s, intros: { ...s.intros, channelId: 'c-intros' } }));
    await refreshProfiles(w.database, w.guildId, T0, true);
    await w.press(introduceButton, 'ann', 'eve');
    const accept = buttonOf(w, 'eve', 'Accept');
    expect(text(await w.press(acceptButton, 'ann', accept.arg))).toContain('for someone else');
    const r = await w.press(acceptButton, 'eve', accept.arg);
    expect(r.kind).toBe('update');
    await w.press(acceptButton, 'eve', accept.arg);
    const threads = w.outbox().filter((o) => o.action.type === 'thread.create');
    expect(threads).toHaveLength(1);
    const t = threads[0]!.action;
    if (t.type !== 'thread.create') return;
    expect(t.channelId).toBe('c-intros');
    expect(t.memberIds.sort()).toEqual(['ann', 'eve']);
    expect(t.body.mentions).toEqual({ members: ['ann', 'eve'] });
    expect(t.body.content).toMatch(/vulkan|compute|shader/);
    expect(t.body.content).toContain('To get you started:');
  });

  it('GIVEN no intros channel THEN accepting sends a DM to each instead of a thread', async () => {
    const w = await shaderClub();
    await refreshProfiles(w.database, w.guildId, T0, true);
    await w.press(introduceButton, 'ann', 'eve');
    await w.press(acceptButton, 'eve', buttonOf(w, 'eve', 'Accept').arg);
    const intro = w.outbox().filter((o) => o.key.includes(':meet:'));
    expect(intro.map((o) => (o.action.type === 'dm.send' ? o.action.memberId : o.action.type)).sort()).toEqual([
      'ann',
      'eve',
    ]);
  });

  it('GIVEN Eve declines THEN Ann hears only "not this time" and no thread opens', async () => {
    const w = await shaderClub();
    await refreshProfiles(w.database, w.guildId, T0, true);
    await w.press(introduceButton, 'ann', 'eve');
    await w.press(declineButton, 'eve', buttonOf(w, 'eve', 'Decline').arg);
    const toAnn = w.reaching('ann');
    expect(toAnn).toHaveLength(1);
    const dm = toAnn[0]!.action;
    expect(dm.type === 'dm.send' && dm.body.content).toBe(
      'About meeting Eve: not this time. /meet has more people for you.',
    );
    expect(w.outbox().filter((o) => o.action.type === 'thread.create')).toEqual([]);
    // Asking again soon is refused without contacting Eve.
    expect(text(await w.press(introduceButton, 'ann', 'eve'))).toContain('Not this time');
    expect(w.reaching('eve')).toHaveLength(1);
  });
});

function buttonOf(w: World, member: string, label: string) {
  const dm = w
    .reaching(member)
    .find((o) => o.action.type === 'dm.send' && o.action.body.buttons?.some((b) => b.label === label));
  if (dm?.action.type !== 'dm.send') throw new Error(`no ${label} button for ${member}`);
  const id = dm.action.body.buttons!.find((b) => b.label === label)!.id;
  return { id, arg: id.slice(id.indexOf(':') + 1) };
}

describe('rounds', () => {
  it('GIVEN a pool of six THEN everyone is in exactly one group and each group gets one private thread', async () => {
    const w = await shaderClub();
    await w.settings((s) => ({ ...s, intros: { ...s.intros, channelId: 'c-intros' } }));
    const r = await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    expect(r).toMatchObject({ pool: 6, groups: 3, existing: false });
    const threads = w.outbox().filter((o) => o.action.type === 'thread.create');
    expect(threads.map((t) => t.key)).toEqual([0, 1, 2].map((i) => `intros:${w.guildId}:2026-03-02:${i}`));
    const everyone = threads.flatMap((t) => (t.action.type === 'thread.create' ? t.action.memberIds : []));
    expect([...everyone].sort()).toEqual(['ann', 'bob', 'cat', 'dan', 'eve', 'fay']);
    // Pairs follow what they share.
    const groups = roundRows(w, '2026-03-02').map((row) => [...row.memberIds].sort().join('+'));
    expect(groups).toEqual(expect.arrayContaining(['ann+eve', 'bob+cat', 'dan+fay']));
  });

  it('GIVEN an odd pool THEN the odd member is placed in a group of three', async () => {
    const w = await shaderClub();
    await w.run(introsJoin, 'zoe');
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    const sizes = roundRows(w, '2026-03-02')
      .map((r) => r.memberIds.length)
      .sort();
    expect(sizes).toEqual([2, 2, 3]);
  });

  it('GIVEN six rounds in a row THEN no pair is repeated within six rounds', async () => {
    const w = await shaderClub();
    const seen = new Map<string, number>();
    for (let round = 0; round < 5; round++) {
      await runRound(w.database, 'discord', w.guildId, `r${round}`, T0 + round * 7 * DAY);
      for (const row of roundRows(w, `r${round}`)) {
        for (let i = 0; i < row.memberIds.length; i++) {
          for (let j = i + 1; j < row.memberIds.length; j++) {
            const key = [row.memberIds[i], row.memberIds[j]].sort().join('+');
            expect(seen.has(key), `${key} repeated in round ${round}`).toBe(false);
            seen.set(key, round);
          }
        }
      }
    }
  });

  it('GIVEN the same round runs again (a retry after a crash) THEN nothing is paired or posted twice', async () => {
    const w = await shaderClub();
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    const before = w.outbox().length;
    const again = await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0 + 60_000);
    expect(again).toMatchObject({ existing: true, enqueued: 0 });
    expect(w.outbox()).toHaveLength(before);
    expect(roundRows(w, '2026-03-02')).toHaveLength(3);
  });

  it('GIVEN a crash in the middle of writing a round THEN nothing of it is kept and the retry makes every thread exactly once', async () => {
    const w = await shaderClub();
    await w.settings((s) => ({ ...s, intros: { ...s.intros, channelId: 'c-intros' } }));
    // A stray row with the id of the round's second group makes the round's transaction fail half way.
    const stray = {
      guildId: w.guildId,
      introId: '2026-03-02:1',
      kind: 'meet' as const,
      roundId: null,
      roundSeq: null,
      groupIndex: null,
      memberIds: ['x', 'y'],
      reasons: [],
      score: 0,
      status: 'asked' as const,
      threadKey: null,
      createdAt: T0,
      decidedAt: null,
      followUpAt: null,
      followedUpAt: null,
    };
    await insertIntro(w.database, stray);
    await expect(runRound(w.database, 'discord', w.guildId, '2026-03-02', T0)).rejects.toThrow();
    expect(w.db.select().from(introsRounds).all()).toEqual([]);
    expect(roundRows(w, '2026-03-02')).toEqual([]);
    expect(w.outbox().filter((o) => o.key.includes('2026-03-02'))).toEqual([]);
    w.db.delete(intros).where(eq(intros.introId, '2026-03-02:1')).run();
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0 + 60_000);
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0 + 120_000);
    const keys = w
      .outbox()
      .filter((o) => o.action.type === 'thread.create')
      .map((o) => o.key);
    expect(keys).toEqual([0, 1, 2].map((i) => `intros:${w.guildId}:2026-03-02:${i}`));
  });

  it('GIVEN size 3 THEN six members make two groups of three', async () => {
    const w = await shaderClub();
    await w.settings((s) => ({ ...s, intros: { ...s.intros, size: 3 } }));
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    expect(roundRows(w, '2026-03-02').map((r) => r.memberIds.length)).toEqual([3, 3]);
  });
});

describe('"Did you meet?" and feedback', () => {
  it('GIVEN a round a week ago THEN each member gets the three buttons once; answers are recorded and fed back', async () => {
    const w = await shaderClub();
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    expect(await sendFollowUps(w.database, 'discord', w.guildId, T0 + 6 * DAY)).toBe(0);
    expect(await sendFollowUps(w.database, 'discord', w.guildId, T0 + 7 * DAY)).toBe(6);
    expect(await sendFollowUps(w.database, 'discord', w.guildId, T0 + 8 * DAY)).toBe(0);
    const met = buttonOf(w, 'ann', 'We met');
    expect(met.id).toMatch(new RegExp(`^${BUTTONS.feedback}:`));
    expect(buttonOf(w, 'ann', 'Not yet')).toBeTruthy();
    expect(text(await w.press(feedbackButton, 'ann', met.arg, T0 + 8 * DAY))).toContain('thank you');
    expect(text(await w.press(feedbackButton, 'bob', met.arg, T0 + 8 * DAY))).toContain('someone else');
    const rows = w.db.select().from(introsFeedback).all();
    expect(rows).toMatchObject([{ memberId: 'ann', answer: 'met' }]);
    // They met: the next round does not pair them again, even after the no-repeat window.
    await w.settings((s) => ({ ...s, intros: { ...s.intros, noRepeatRounds: 0 } }));
    await runRound(w.database, 'discord', w.guildId, 'next', T0 + 9 * DAY);
    const pairs = roundRows(w, 'next').map((r) => [...r.memberIds].sort().join('+'));
    expect(pairs).not.toContain('ann+eve');
  });

  it('GIVEN "Skip me next round" THEN the member sits out the next round and is back for the one after', async () => {
    const w = await shaderClub();
    await w.run(conveneIntrosSet, 'mod', { channel: 'c-intros', day: 'monday', time: '10:00' }, T0 - DAY, true);
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    await sendFollowUps(w.database, 'discord', w.guildId, T0 + 7 * DAY);
    await w.press(feedbackButton, 'bob', buttonOf(w, 'bob', 'Skip me next round').arg, T0 + 7 * DAY);
    expect(text(await w.run(introsStatus, 'bob', {}, T0 + 7 * DAY))).toContain('sit out the next round');
    await runRound(w.database, 'discord', w.guildId, '2026-03-09', Date.UTC(2026, 2, 9, 10));
    expect(roundRows(w, '2026-03-09').flatMap((r) => r.memberIds)).not.toContain('bob');
    await runRound(w.database, 'discord', w.guildId, '2026-03-16', Date.UTC(2026, 2, 16, 10));
    expect(roundRows(w, '2026-03-16').flatMap((r) => r.memberIds)).toContain('bob');
  });
});

describe('commands and schedule', () => {
  it('GIVEN /intros join, status and leave THEN the member is in, then out', async () => {
    const w = makeWorld().setup();
    w.member('ann');
    expect(text(await w.run(introsStatus, 'ann'))).toContain('You are not in intros');
    expect(text(await w.run(introsJoin, 'ann'))).toContain('You are in');
    expect(text(await w.run(introsJoin, 'ann'))).toContain('already in');
    expect(text(await w.run(introsStatus, 'ann'))).toContain('You are in intros');
    expect(text(await w.run(introsLeave, 'ann'))).toContain('out of intros');
    expect(w.db.select().from(introsMembers).get()?.leftAt).toBe(T0);
  });

  it('GIVEN /profile set THEN /profile show shows it; another member sees it only while that member is in intros', async () => {
    const w = makeWorld().setup();
    w.member('ann');
    w.member('bob');
    await w.run(introsJoin, 'ann');
    await w.run(profileSet, 'ann', {
      interests: 'Vulkan shaders, Rust',
      timezone: 'Europe/Berlin',
      about: 'I make tools',
    });
    expect(text(await w.run(profileSet, 'ann', { timezone: 'Mars/Base' }))).toContain('not a timezone');
    const mine = text(await w.run(profileShow, 'ann'));
    expect(mine).toContain('Vulkan shaders, Rust');
    expect(mine).toContain('Europe/Berlin');
    expect(text(await w.run(profileShow, 'bob', { member: 'ann' }))).toContain('I make tools');
    await w.run(introsLeave, 'ann');
    expect(text(await w.run(profileShow, 'bob', { member: 'ann' }))).toContain('not in intros');
  });

  it('GIVEN /convene intros set THEN the schedule is on, a "join intros" post is queued once, and its button joins', async () => {
    const w = makeWorld().setup();
    w.member('ann');
    expect(text(await w.run(conveneIntrosSet, 'ann', { channel: 'c-intros' }))).toBe(MODERATOR_ONLY);
    const r = await w.run(
      conveneIntrosSet,
      'mod',
      { channel: 'c-intros', every: '2w', day: 'wednesday', time: '18:30', timezone: 'Europe/Berlin', size: 3 },
      T0,
      true,
    );
    expect(text(r)).toContain('every 2 weeks on wednesday at 18:30');
    await w.run(conveneIntrosSet, 'mod', { channel: 'c-intros' }, T0, true);
    const posts = w.outbox().filter((o) => o.action.type === 'message.send');
    expect(posts).toHaveLength(1);
    const join = posts[0]!.action.type === 'message.send' ? posts[0]!.action.body.buttons![0]! : null;
    expect(join?.id).toBe(`${BUTTONS.join}:${w.guildId}`);
    expect(text(await w.press(joinButton, 'ann', w.guildId))).toContain('You are in');
    const schedule =
      introsRoundJob.schedule.kind === 'guild' ? await introsRoundJob.schedule.scheduleFor(w.deps, w.guildId) : null;
    expect(schedule).toMatchObject({ cron: '0 10 * * 1', timezone: 'UTC' });
    expect(text(await w.run(conveneIntrosOff, 'mod', {}, T0, true))).toContain('off');
    expect(
      introsRoundJob.schedule.kind === 'guild' && (await introsRoundJob.schedule.scheduleFor(w.deps, w.guildId)),
    ).toBeNull();
  });

  it('GIVEN every 2 weeks THEN only every other weekly occurrence is a round week', async () => {
    const weeks = ['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23'].map((d) => isRoundWeek(d, '2w'));
    expect(weeks.filter(Boolean)).toHaveLength(2);
    expect(weeks[0]).not.toBe(weeks[1]);
    expect(isRoundWeek('2026-03-09', '1w')).toBe(true);
  });

  it('GIVEN /convene intros run-now twice within a minute THEN one round is made', async () => {
    const w = await shaderClub();
    expect(text(await w.run(conveneIntrosRunNow, 'mod', {}, T0, true))).toBe(
      'Round done: 3 groups from the 6 members in the pool. Their threads are on the way.',
    );
    expect(text(await w.run(conveneIntrosRunNow, 'mod', {}, T0 + 1000, true))).toContain('just run');
    expect(w.db.select().from(introsRounds).all()).toHaveLength(1);
  });

  it('GIVEN the scheduled job for its period THEN it runs the round under that period', async () => {
    const w = await shaderClub();
    await w.settings((s) => ({ ...s, intros: { ...s.intros, enabled: true } }));
    await introsRoundJob.run(w.deps, w.guildId, '2026-03-02', T0);
    expect(roundRows(w, '2026-03-02')).toHaveLength(3);
  });
});

describe('privacy, helpfulness and the digest', () => {
  it('GIVEN a member asks for their data THEN export shows it; erase removes it and their intros', async () => {
    const w = await shaderClub();
    await w.run(profileSet, 'ann', { interests: 'Vulkan' });
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    const data = await introsFeature.privacy!.export(sqliteDatabase(w.db), w.guildId, m('ann'));
    expect(data).toMatchObject({ membership: { leftAt: null }, profile: { declared: { interests: ['Vulkan'] } } });
    expect((data.intros as unknown[]).length).toBe(1);
    await introsFeature.privacy!.erase(sqliteDatabase(w.db), w.guildId, m('ann'));
    const after = await introsFeature.privacy!.export(sqliteDatabase(w.db), w.guildId, m('ann'));
    expect(after).toMatchObject({ membership: null, profile: null, intros: [], feedback: [], indexedTerms: [] });
    expect(w.db.select().from(introsProfiles).where(eq(introsProfiles.memberId, 'ann')).all()).toEqual([]);
    expect((await consentingIds(w.database, w.guildId)).has('ann')).toBe(false);
  });

  it('GIVEN an accepted answer event THEN its author counts as helpful in the profile', async () => {
    const w = await shaderClub();
    await refreshProfiles(w.database, w.guildId, T0, true);
    const eve = w.db.select().from(introsProfiles).where(eq(introsProfiles.memberId, 'eve')).get();
    expect((eve?.derived as { helpfulness: number } | undefined)?.helpfulness).toBeGreaterThan(0);
  });

  it('GIVEN intros made and met in a week THEN the digest hook counts them for that guild only', async () => {
    const w = await shaderClub();
    await runRound(w.database, 'discord', w.guildId, '2026-03-02', T0);
    await sendFollowUps(w.database, 'discord', w.guildId, T0 + 7 * DAY);
    await w.press(feedbackButton, 'ann', buttonOf(w, 'ann', 'We met').arg, T0 + 7 * DAY);
    const window = {
      guildId: w.guildId,
      platform: 'discord' as const,
      start: T0 - DAY,
      end: T0 + 8 * DAY,
      timezone: 'UTC',
      now: T0 + 8 * DAY,
    };
    expect(await introsFeature.digest!.intros!(w.deps, window)).toEqual({ made: 3, met: 1 });
    expect(await introsFeature.digest!.intros!(w.deps, { ...window, guildId: 'other' as never })).toEqual({
      made: 0,
      met: 0,
    });
  });
});

describe('requestIntro', () => {
  it('GIVEN asking to meet yourself THEN it is refused', async () => {
    const w = await shaderClub();
    await expect(requestIntro(w.database, 'discord', w.guildId, m('ann'), m('ann'), T0)).rejects.toThrow(/That is you/);
  });
});
