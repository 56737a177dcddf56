import { describe, expect, it } from 'vitest';
import { funnel, sweep } from '../../../src/features/journey/service.js';
import { getJourney } from '../../../src/features/journey/store.js';
import { DAY, HOUR, MINUTE, makeCommunity, T0 } from './world.js';

const WEEK = 7 * DAY;
const stageOf = async (w: Awaited<ReturnType<typeof makeCommunity>>, member: string) =>
  (await getJourney(w.database, w.guildId, member))?.stage;
const congratulations = (w: Awaited<ReturnType<typeof makeCommunity>>, member: string) =>
  w.outbox().filter((r) => r.key.startsWith(`journey:milestone:g1:${member}:`));

/** Bob asks in the help forum; returns his thread id. */
async function question(w: Awaited<ReturnType<typeof makeCommunity>>, id: string, at: number, owner = 'bob') {
  await w.thread(id, 'c-help', owner, `Question ${id}`, at);
  await w.message(owner, id, at, { id: `${id}-q` });
  return id;
}

describe('milestones', () => {
  it('GIVEN a newcomer who posts, then answers a question THEN stages advance on those events', async () => {
    const w = await makeCommunity();
    await w.join('bob', T0 - 10 * DAY);
    await w.join('ann', T0);
    expect(await stageOf(w, 'ann')).toBe('arrived');
    await w.message('ann', 'c-general', T0 + 2 * HOUR);
    expect(await stageOf(w, 'ann')).toBe('participating');
    await question(w, 't1', T0 + 3 * HOUR);
    await w.message('ann', 't1', T0 + 4 * HOUR);
    expect(await stageOf(w, 'ann')).toBe('helping');
  });

  it('GIVEN a post in the introductions channel THEN the member is introduced (and participating)', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await w.message('ann', 'c-intro', T0 + 2 * HOUR);
    expect(await stageOf(w, 'ann')).toBe('participating');
    expect(congratulations(w, 'ann').map((r) => r.key)).toEqual(['journey:milestone:g1:ann:participating']);
  });

  it('GIVEN stages with roles THEN reaching them adds the roles, and removes the previous one when configured', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({
      ...s,
      journey: {
        ...s.journey,
        track: {
          ...s.journey.track,
          removePreviousRole: true,
          stages: s.journey.track.stages.map((st) =>
            st.id === 'participating'
              ? { ...st, roleId: 'r-part' }
              : st.id === 'helping'
                ? { ...st, roleId: 'r-help' }
                : st,
          ),
        },
      },
    }));
    await w.join('bob', T0 - 10 * DAY);
    await w.join('ann', T0);
    await w.message('ann', 'c-general', T0 + 2 * HOUR);
    await question(w, 't1', T0 + 3 * HOUR);
    await w.message('ann', 't1', T0 + 4 * HOUR);
    const roles = w
      .outbox()
      .map((r) => r.action)
      .filter((a) => (a.type === 'role.add' || a.type === 'role.remove') && a.memberId === 'ann');
    expect(roles).toEqual([
      { type: 'role.add', memberId: 'ann', roleId: 'r-part', reason: 'Journey: reached Participating' },
      { type: 'role.add', memberId: 'ann', roleId: 'r-help', reason: 'Journey: reached Helping' },
      { type: 'role.remove', memberId: 'ann', roleId: 'r-part', reason: 'Journey: reached Helping' },
    ]);
  });

  it('GIVEN two stages reached within an hour of the welcome THEN one congratulation, for the higher stage, after the hour', async () => {
    const w = await makeCommunity();
    await w.join('bob', T0 - 10 * DAY);
    await w.join('ann', T0);
    await question(w, 't1', T0 + 5 * MINUTE);
    await w.message('ann', 'c-general', T0 + 10 * MINUTE);
    await w.message('ann', 't1', T0 + 20 * MINUTE);
    expect(congratulations(w, 'ann')).toHaveLength(0);
    await sweep(w.database, w.guildId, T0 + 30 * MINUTE);
    expect(congratulations(w, 'ann')).toHaveLength(0);
    await sweep(w.database, w.guildId, T0 + HOUR + MINUTE);
    const sent = congratulations(w, 'ann');
    expect(sent.map((r) => r.key)).toEqual(['journey:milestone:g1:ann:helping']);
    await sweep(w.database, w.guildId, T0 + 3 * HOUR);
    expect(congratulations(w, 'ann')).toHaveLength(1);
  });

  it('GIVEN a busy first week THEN no two messages to the member are ever less than an hour apart', async () => {
    const w = await makeCommunity();
    await w.join('bob', T0 - 10 * DAY);
    await w.join('ann', T0);
    let t = T0;
    for (let i = 0; i < 12; i++) {
      t += 20 * MINUTE;
      await question(w, `t${i}`, t);
      await w.message('ann', `t${i}`, t + MINUTE);
      await w.react('bob', await w.message('ann', `t${i}`, t + 2 * MINUTE), `t${i}`, '✅', t + 3 * MINUTE);
      await sweep(w.database, w.guildId, t + 4 * MINUTE);
    }
    for (let k = 0; k < 30; k++) await sweep(w.database, w.guildId, t + k * 20 * MINUTE);
    const times = w.messagesTo('ann').map((r) => r.notBefore);
    expect(times.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(HOUR);
  });

  it('GIVEN activity in 3 of 4 weeks THEN the member becomes a regular; activity spread thinner does not', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await w.join('cat', T0);
    for (const week of [0, 1, 3]) await w.message('ann', 'c-general', T0 + week * WEEK + HOUR);
    for (const week of [0, 2, 4]) await w.message('cat', 'c-general', T0 + week * WEEK + HOUR);
    // Both replied to someone once, so both are helping before the weeks decide.
    const m = await w.message('bob', 'c-general', T0);
    await w.message('ann', 'c-general', T0 + 2 * HOUR, { replyTo: m });
    await w.message('cat', 'c-general', T0 + 2 * HOUR, { replyTo: m });
    expect(await stageOf(w, 'cat')).toBe('helping');
    await w.message('ann', 'c-general', T0 + 3 * WEEK + 2 * HOUR);
    expect(await stageOf(w, 'ann')).toBe('regular');
  });

  it("GIVEN the asker's ✅ or 👍 on five replies THEN the helper becomes an expert; other people's reactions and repeats do not count", async () => {
    const w = await makeCommunity();
    await w.join('ann', T0 - 5 * WEEK);
    for (const week of [0, 1, 2]) await w.message('ann', 'c-general', T0 - 3 * WEEK + week * WEEK);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = T0 + i * HOUR;
      // Each asker said hello before, so Ann's answers are not first replies to newcomers.
      await w.message(`asker${i}`, 'c-general', T0 - WEEK);
      await question(w, `q${i}`, t, `asker${i}`);
      answers.push(await w.message('ann', `q${i}`, t + MINUTE));
    }
    expect(await stageOf(w, 'ann')).toBe('regular');
    await w.react('bob', answers[0]!, 'q0', '✅', T0 + 6 * HOUR); // not the asker
    await w.react('ann', answers[0]!, 'q0', '✅', T0 + 6 * HOUR); // her own answer
    await w.react('asker0', answers[0]!, 'q0', '😂', T0 + 6 * HOUR); // not a helpful reaction
    for (let i = 0; i < 4; i++) await w.react(`asker${i}`, answers[i]!, `q${i}`, '✅', T0 + 7 * HOUR);
    await w.react('asker0', answers[0]!, 'q0', '👍', T0 + 7 * HOUR); // the same answer again
    expect((await getJourney(w.database, w.guildId, 'ann'))!.counters.solved?.n).toBe(4);
    expect(await stageOf(w, 'ann')).toBe('regular');
    await w.react('asker4', answers[4]!, 'q4', '👍🏽', T0 + 8 * HOUR);
    expect(await stageOf(w, 'ann')).toBe('expert');
  });

  it('GIVEN accepted answers THEN they count as solved, except self-answers and answers accepted by their author', async () => {
    const w = await makeCommunity();
    await question(w, 'q1', T0, 'bob');
    const answer = await w.message('ann', 'q1', T0 + MINUTE);
    const own = await w.message('bob', 'q1', T0 + 2 * MINUTE);
    const staff = await w.message('mod', 'q1', T0 + 3 * MINUTE);
    await w.accept('q1', answer, 'bob', T0 + HOUR);
    await w.accept('q1', answer, 'bob', T0 + HOUR); // delivered twice
    await w.accept('q1', own, 'bob', T0 + HOUR);
    await w.accept('q1', staff, 'mod', T0 + HOUR);
    expect((await getJourney(w.database, w.guildId, 'ann'))!.counters.solved?.n).toBe(1);
    expect((await getJourney(w.database, w.guildId, 'bob'))!.counters.solved).toBeUndefined();
    expect((await getJourney(w.database, w.guildId, 'mod'))!.counters.solved).toBeUndefined();
  });

  it("GIVEN replies to newcomers' first posts THEN only the first reply to each counts toward convener", async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({
      ...s,
      journey: {
        ...s.journey,
        track: {
          removePreviousRole: false,
          stages: [
            { id: 'new', name: 'New', unlocks: '', match: 'all', criteria: [], optional: false, roleId: null },
            {
              id: 'convener',
              name: 'Convener',
              unlocks: '',
              match: 'all',
              criteria: [{ kind: 'welcomedNewcomer', atLeast: 3 }],
              optional: false,
              roleId: 'r-conv',
            },
          ],
        },
      },
    }));
    // n1 opens a thread as first post: ann is first to reply in it, bob second.
    await question(w, 'n1-thread', T0, 'n1');
    await w.message('ann', 'n1-thread', T0 + MINUTE);
    await w.message('bob', 'n1-thread', T0 + 2 * MINUTE);
    // n2 says hi in #general: ann replies to it.
    const hi = await w.message('n2', 'c-general', T0 + HOUR);
    await w.message('ann', 'c-general', T0 + HOUR + MINUTE, { replyTo: hi });
    // n3's second message is not a first post.
    await w.message('n3', 'c-general', T0 + 2 * HOUR);
    const later = await w.message('n3', 'c-general', T0 + 3 * HOUR);
    await w.message('ann', 'c-general', T0 + 3 * HOUR + MINUTE, { replyTo: later });
    expect((await getJourney(w.database, w.guildId, 'ann'))!.counters.welcomedNewcomer?.n).toBe(2);
    expect((await getJourney(w.database, w.guildId, 'bob'))!.counters.welcomedNewcomer).toBeUndefined();
    const n4 = await w.message('n4', 'c-general', T0 + 4 * HOUR);
    await w.message('ann', 'c-general', T0 + 4 * HOUR + MINUTE, { replyTo: n4 });
    expect(await stageOf(w, 'ann')).toBe('convener');
    expect(w.outbox().some((r) => r.action.type === 'role.add' && r.action.roleId === 'r-conv')).toBe(true);
  });

  it('GIVEN silent mode THEN stages still give roles but nobody is congratulated', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({
      ...s,
      journey: {
        ...s.journey,
        silent: true,
        track: {
          ...s.journey.track,
          stages: s.journey.track.stages.map((st) => (st.id === 'participating' ? { ...st, roleId: 'r-part' } : st)),
        },
      },
    }));
    await w.join('ann', T0);
    await w.message('ann', 'c-general', T0 + 2 * HOUR);
    await sweep(w.database, w.guildId, T0 + 3 * HOUR);
    expect(await stageOf(w, 'ann')).toBe('participating');
    expect(congratulations(w, 'ann')).toHaveLength(0);
    expect(w.outbox().filter((r) => r.action.type === 'role.add')).toHaveLength(1);
  });

  it('GIVEN congratulations in a channel THEN they are posted there, pinging only the member', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({
      ...s,
      journey: { ...s.journey, congratulate: { via: 'channel', channelId: 'c-general' } },
    }));
    await w.join('ann', T0, { displayName: '@here' });
    await w.message('ann', 'c-general', T0 + 2 * HOUR);
    const [sent] = congratulations(w, 'ann');
    expect(sent?.action).toMatchObject({
      type: 'message.send',
      channelId: 'c-general',
      body: { mentions: { members: ['ann'] } },
    });
  });

  it('GIVEN members who were here before the bot, or events from a backfill THEN milestones are recorded without congratulations', async () => {
    const w = await makeCommunity();
    await w.message('veteran', 'c-general', T0); // no join seen
    await w.join('old', T0 - 100 * DAY, { now: T0 }); // a join seen 100 days late
    await w.message('old', 'c-general', T0 + HOUR, { now: T0 + HOUR });
    await w.join('ann', T0 - 10 * DAY);
    await w.message('ann', 'c-general', T0 - 9 * DAY, { now: T0 }); // backfilled history
    await sweep(w.database, w.guildId, T0 + 2 * HOUR);
    expect(await Promise.all(['veteran', 'old', 'ann'].map((m) => stageOf(w, m)))).toEqual([
      'participating',
      'participating',
      'participating',
    ]);
    expect(w.outbox().filter((r) => r.key.startsWith('journey:milestone:'))).toHaveLength(0);
  });

  it('GIVEN a member who left THEN a milestone is recorded but not congratulated', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await w.message('ann', 'c-general', T0 + 10 * MINUTE);
    await w.leave('ann', T0 + 20 * MINUTE);
    await sweep(w.database, w.guildId, T0 + 2 * HOUR);
    expect(congratulations(w, 'ann')).toHaveLength(0);
  });

  it('GIVEN a moderator lowers a threshold THEN the next sweep moves the members who now qualify', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    await w.message('ann', 'c-general', T0 + 2 * HOUR);
    await w.message('ann', 'c-general', T0 + WEEK);
    const m = await w.message('bob', 'c-general', T0);
    await w.message('ann', 'c-general', T0 + WEEK, { replyTo: m });
    expect(await stageOf(w, 'ann')).toBe('helping');
    await w.settings(
      (s) => ({
        ...s,
        journey: {
          ...s.journey,
          track: {
            ...s.journey.track,
            stages: s.journey.track.stages.map((st) =>
              st.id === 'regular'
                ? { ...st, criteria: [{ kind: 'message', atLeast: 2, withinWeeks: 4, distinctWeeks: true }] }
                : st,
            ),
          },
        },
      }),
      T0 + WEEK + HOUR,
    );
    const result = await sweep(w.database, w.guildId, T0 + WEEK + 2 * HOUR);
    expect(result.advanced).toBe(1);
    expect(await stageOf(w, 'ann')).toBe('regular');
    expect(congratulations(w, 'ann').map((r) => r.key)).toContain('journey:milestone:g1:ann:regular');
  });

  it('GIVEN a member who introduces themselves after posting THEN Introduced is recorded with its role, and the stage stays', async () => {
    const w = await makeCommunity();
    await w.settings((s) => ({
      ...s,
      journey: {
        ...s.journey,
        track: {
          ...s.journey.track,
          stages: s.journey.track.stages.map((st) => (st.id === 'introduced' ? { ...st, roleId: 'r-intro' } : st)),
        },
      },
    }));
    await w.join('ann', T0);
    await w.message('ann', 'c-general', T0 + HOUR);
    await w.message('ann', 'c-intro', T0 + DAY);
    await w.message('ann', 'c-intro', T0 + 2 * DAY);
    expect(await stageOf(w, 'ann')).toBe('participating');
    const rows = await funnel(w.database, w.guildId, T0, T0 + WEEK);
    expect(rows.find((r) => r.stage === 'introduced')).toMatchObject({ members: 1, medianMs: DAY });
    expect(
      w
        .outbox()
        .filter((r) => r.action.type === 'role.add')
        .map((r) => r.key),
    ).toEqual(['journey:role:g1:ann:introduced:r-intro:add']);
  });

  it('GIVEN nothing changed since the last sweep THEN the next sweep re-evaluates nobody; a time-based track always does', async () => {
    const w = await makeCommunity();
    await w.join('ann', T0);
    expect((await sweep(w.database, w.guildId, T0 + HOUR)).evaluated).toBe(1);
    expect((await sweep(w.database, w.guildId, T0 + 2 * HOUR)).evaluated).toBe(0);
    expect((await sweep(w.database, w.guildId, T0 + 3 * HOUR, { full: true })).evaluated).toBe(1);
    await w.settings(
      (s) => ({
        ...s,
        journey: {
          ...s.journey,
          track: {
            removePreviousRole: false,
            stages: [
              s.journey.track.stages[0]!,
              {
                ...s.journey.track.stages[1]!,
                optional: false,
                match: 'all',
                criteria: [{ kind: 'memberDays', atLeast: 7 }],
              },
            ],
          },
        },
      }),
      T0 + 4 * HOUR,
    );
    expect((await sweep(w.database, w.guildId, T0 + 5 * HOUR)).evaluated).toBe(1);
    expect((await sweep(w.database, w.guildId, T0 + 6 * DAY)).advanced).toBe(0);
    expect((await sweep(w.database, w.guildId, T0 + 7 * DAY)).advanced).toBe(1);
    expect(await stageOf(w, 'ann')).toBe('introduced');
  });
});
