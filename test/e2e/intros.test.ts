/**
 * Introductions end to end: consent, /meet with reasons, Introduce-us only after the other accepts,
 * rounds that pair everyone once, feedback, and a crash mid-round.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  backfilled,
  type Community,
  join,
  makeCommunity,
  messagesStored,
  outboxSettled,
  rows,
  startBot,
} from './harness.js';

let community: Community | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

const HOUR = 3_600_000;

type Component = { custom_id: string; label: string };
const buttonsOf = (m: { components: unknown[] }) =>
  (m.components as { components: Component[] }[]).flatMap((r) => r.components);

/** bob and cyd both talk about vulkan shaders but never to each other; dee talks about cooking. */
async function setUp(now?: () => number) {
  community = await makeCommunity();
  const startedAt = Date.now();
  app = await startBot(community, {}, now);
  // Scheduled work (the rounds) waits until the start-up backfill has read the history.
  await backfilled(app, startedAt);
  const { sandbox, guild, members } = community;
  const t = Date.now() - 48 * HOUR;
  const topics: Record<string, string[]> = {
    bob: [
      'vulkan compute shader barriers',
      'vulkan descriptor sets and shader bindings',
      'spirv shader compiler flags vulkan',
    ],
    cyd: ['vulkan shader pipeline cache', 'compute shader workgroup size vulkan', 'vulkan validation layers shader'],
    dee: ['sourdough bread baking temperature', 'cast iron pan seasoning', 'bread flour hydration'],
    eve: ['vulkan shader hot reload', 'vulkan render graph shader'],
  };
  let i = 0;
  const said: string[] = [];
  for (const [name, lines] of Object.entries(topics)) {
    for (const line of lines)
      said.push(sandbox.say(guild.id, guild.channels.general!, members[name]!, line, { at: t + i++ * 60_000 }).id);
  }
  await sandbox.runCommand(guild.id, guild.channels.general!, community.moderator, 'convene intros set', {
    channel: guild.channels.intros!,
    every: '1w',
    day: 'monday',
    time: '10:00',
    timezone: 'UTC',
    size: 2,
  });
  await messagesStored(app, ...said);
}

async function joinIntros(...names: string[]) {
  for (const name of names) {
    const r = await community!.sandbox.runCommand(
      community!.guild.id,
      community!.guild.channels.general!,
      community!.members[name]!,
      'intros join',
    );
    expect(r.ephemeral).toBe(true);
  }
}

describe('consent and /meet', () => {
  it('GIVEN a member not in intros THEN /meet tells them how to join, and nobody outside intros is suggested', async () => {
    await setUp();
    const { sandbox, guild, members } = community!;
    const before = await sandbox.runCommand(guild.id, guild.channels.general!, members.bob!, 'meet');
    expect(before.content).toMatch(/\/intros join/);
    await joinIntros('bob', 'cyd', 'dee', 'eve');
    await sandbox.runCommand(guild.id, guild.channels.general!, members.eve!, 'intros leave');
    await app!.scheduler.tick(Date.now());
    const meet = await sandbox.runCommand(guild.id, guild.channels.general!, members.bob!, 'meet');
    expect(meet.ephemeral).toBe(true);
    expect(meet.ackMs).toBeLessThan(3000);
    const text = meet.content + JSON.stringify(meet.embeds);
    expect(text).toMatch(/cyd|Cyd/);
    expect(text).toMatch(/vulkan|shader/i);
    const targets = buttonsOf(meet).map((b) => b.custom_id.split(':')[1]);
    expect(targets).toContain(members.cyd);
    expect(targets).not.toContain(members.bob);
    expect(targets).not.toContain(members.eve);
    expect(targets).not.toContain(members.ada); // never joined
  });

  it('GIVEN "Introduce us" THEN the other member is asked first, and only their Accept opens a private thread', async () => {
    await setUp();
    const { sandbox, guild, members } = community!;
    await joinIntros('bob', 'cyd', 'dee');
    await app!.scheduler.tick(Date.now());
    const meet = await sandbox.runCommand(guild.id, guild.channels.general!, members.bob!, 'meet');
    const introduce = buttonsOf(meet).find((b) => b.custom_id.endsWith(members.cyd!))!;
    const pressed = await sandbox.clickButton(
      guild.id,
      guild.channels.general!,
      meet.message!.id,
      members.bob!,
      introduce.custom_id,
    );
    expect(pressed.ephemeral).toBe(true);
    await outboxSettled(app!);
    expect(sandbox.threadsIn(guild.channels.intros!)).toHaveLength(0);
    const ask = sandbox.dmsTo(members.cyd!).at(-1)!;
    const accept = buttonsOf(ask).find((b) => /accept/i.test(b.label))!;
    const dmChannel = ask.channelId;
    await sandbox.clickButton(null, dmChannel, ask.id, members.cyd!, accept.custom_id);
    await outboxSettled(app!);
    const threads = sandbox.threadsIn(guild.channels.intros!);
    expect(threads).toHaveLength(1);
    const opening = sandbox.messagesIn(threads[0]!.id)[0]!;
    expect(opening.pinged.users.sort()).toEqual([members.bob, members.cyd].sort());
    expect(opening.pinged.everyone).toBe(false);
    expect(opening.content + JSON.stringify(opening.embeds)).toMatch(/vulkan|shader/i);
  });
});

describe('rounds', () => {
  it('GIVEN a pool of five THEN a round pairs everyone exactly once (one group of three), one thread per group, no repeat next round', async () => {
    await setUp();
    const { sandbox, guild } = community!;
    join(community!, 'fin', Date.now() - 40 * 86_400_000);
    await joinIntros('bob', 'cyd', 'dee', 'eve', 'fin');
    await sandbox.runCommand(guild.id, guild.channels.general!, community!.moderator, 'convene intros run-now');
    // A crash right after the round was decided: the restarted bot sends what was queued, once.
    await app!.stop();
    app = await startBot(community!);
    await outboxSettled(app);
    const threads = sandbox.threadsIn(guild.channels.intros!);
    expect(threads).toHaveLength(2);
    const groups = threads.map((t) => sandbox.messagesIn(t.id)[0]!.pinged.users.sort());
    const everyone = groups.flat().sort();
    const pool = ['bob', 'cyd', 'dee', 'eve', 'fin'].map((n) => community!.members[n]!).sort();
    expect(everyone).toEqual(pool);
    expect(groups.map((g) => g.length).sort()).toEqual([2, 3]);
    const pairs = (gs: string[][]) =>
      new Set(gs.flatMap((g) => g.flatMap((a, i) => g.slice(i + 1).map((b) => [a, b].sort().join('-')))));
    const firstPairs = pairs(groups);

    // Next round (a minute later: a new round id): nobody is paired with the same person again.
    await new Promise((r) => setTimeout(r, 61_000 - (Date.now() % 60_000)));
    await sandbox.runCommand(guild.id, guild.channels.general!, community!.moderator, 'convene intros run-now');
    await outboxSettled(app);
    const second = sandbox
      .threadsIn(guild.channels.intros!)
      .slice(2)
      .map((t) => sandbox.messagesIn(t.id)[0]!.pinged.users.sort());
    for (const pair of pairs(second)) expect(firstPairs.has(pair)).toBe(false);
  }, 90_000);

  it('GIVEN an intro a week old THEN members get "Did you meet?" and their answer is recorded', async () => {
    let offset = 0;
    await setUp(() => Date.now() + offset);
    const { sandbox, guild, members } = community!;
    await joinIntros('bob', 'cyd');
    await sandbox.runCommand(guild.id, guild.channels.general!, community!.moderator, 'convene intros run-now');
    await outboxSettled(app!);
    expect(sandbox.threadsIn(guild.channels.intros!)).toHaveLength(1);
    offset = 8 * 86_400_000;
    await app!.scheduler.tick(Date.now() + offset);
    await outboxSettled(app!, 10_000);
    const ask = sandbox.dmsTo(members.bob!).find((m) => buttonsOf(m).some((b) => /met/i.test(b.label)))!;
    expect(ask).toBeDefined();
    const met = buttonsOf(ask).find((b) => /we met/i.test(b.label))!;
    await sandbox.clickButton(null, ask.channelId, ask.id, members.bob!, met.custom_id);
    expect(await rows(app!, 'SELECT member_id, answer FROM intros_feedback')).toEqual([
      { member_id: members.bob, answer: expect.stringMatching(/met/) },
    ]);
  });
});
