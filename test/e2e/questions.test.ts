/**
 * Unanswered questions end to end: detection, routing to the peer who answered similar questions,
 * nudges with restraint (opt-out, cap, asker, quiet hours), escalation, and solved marks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  backfilled,
  type Community,
  execute,
  makeCommunity,
  outboxSettled,
  rows,
  startBot,
  waitFor,
  zoneWhereItIs,
} from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let community: Community | undefined;
let app: App | undefined;
/** The bot's clock runs this far ahead of the real one (scans "later" without waiting). */
let offset = 0;
const botNow = () => Date.now() + offset;
afterEach(async () => {
  offset = 0;
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

/**
 * History: cyd answered vulkan questions, dee answered bread questions, over the past weeks.
 * Everyone declares a timezone where it is daytime now.
 */
async function withHistory(options: { startBot?: boolean } = {}) {
  community = await makeCommunity();
  const startedAt = Date.now();
  app = await startBot(community, {}, botNow);
  // Scans wait while the start-up backfill reads the (empty) history.
  await backfilled(app, startedAt);
  const { sandbox, guild, members } = community;
  const forum = guild.channels.questions!;
  const past = Date.now() - 20 * DAY;
  const vulkan = [
    'How do vulkan descriptor sets work?',
    'Vulkan descriptor pool exhausted, why?',
    'Binding vulkan descriptor sets per draw?',
  ];
  const bread = ['Why is my sourdough bread flat?', 'Bread flour or all purpose for sourdough?'];
  vulkan.forEach((title, i) => {
    const post = sandbox.openForumPost(guild.id, forum, members.bob!, { title, content: title, at: past + i * DAY });
    sandbox.say(
      guild.id,
      post.thread.id,
      members.cyd!,
      'Allocate vulkan descriptor sets from a pool and update them before binding',
      { at: past + i * DAY + HOUR },
    );
  });
  bread.forEach((title, i) => {
    const post = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title,
      content: title,
      at: past + (i + 5) * DAY,
    });
    sandbox.say(guild.id, post.thread.id, members.dee!, 'Sourdough bread needs a strong starter and bread flour', {
      at: past + (i + 5) * DAY + HOUR,
    });
  });
  const awake = zoneWhereItIs(13, Date.now());
  for (const id of Object.values(members)) {
    await execute(app, 'UPDATE members SET timezone = ? WHERE member_id = ?', awake, id);
  }
  await new Promise((r) => setTimeout(r, 300));
  if (options.startBot === false) {
    await app.stop();
    app = undefined;
  }
}

/** Wait until the bot stored these questions (ingest takes longer on PostgreSQL than a fixed pause). */
async function questionsStored(...ids: string[]) {
  const marks = ids.map(() => '?').join(', ');
  await waitFor(
    async () =>
      (await rows(app!, `SELECT question_id FROM questions WHERE question_id IN (${marks})`, ...ids)).length ===
      ids.length,
    10_000,
    `questions ${ids.join(', ')} to be stored`,
  );
}

const botReplies = (threadId: string) =>
  community!.sandbox.messagesIn(threadId).filter((m) => m.authorId === community!.sandbox.botUserId);

/** Run the scheduled scans `later` ms from now on the bot's clock, and let the outbox send. */
async function scan(later = 0) {
  offset = Math.max(offset, later);
  await app!.scheduler.tick(botNow());
  await outboxSettled(app!);
}

describe('nudges', () => {
  it('GIVEN a 5-hour-old vulkan question posted while the bot was offline THEN one nudge names the vulkan helper, with why', async () => {
    await withHistory({ startBot: false });
    const { sandbox, guild, members } = community!;
    const post = sandbox.openForumPost(guild.id, guild.channels.questions!, members.eve!, {
      title: 'Vulkan descriptor sets keep getting invalidated',
      content: 'My vulkan descriptor sets are invalid after I update them. What am I doing wrong?',
      at: Date.now() - 5 * HOUR,
    });
    const startedAt = Date.now();
    app = await startBot(community!, {}, botNow);
    // The question is known only once the backfill read it; scans wait for that.
    await backfilled(app, startedAt);
    await scan();
    await scan(10 * 60_000);
    const nudges = botReplies(post.thread.id);
    expect(nudges).toHaveLength(1);
    expect(nudges[0]!.pinged.users).toContain(members.cyd);
    expect(nudges[0]!.pinged.users).not.toContain(members.eve);
    expect(nudges[0]!.pinged.users.length).toBeLessThanOrEqual(2);
    expect(nudges[0]!.pinged.everyone).toBe(false);
    expect(nudges[0]!.pinged.roles).toEqual([]);
    expect(nudges[0]!.content).toMatch(/vulkan|descriptor/i);
    // Named by its title, linked.
    expect(nudges[0]!.content).toContain(
      `[Vulkan descriptor sets keep getting invalidated](https://discord.com/channels/${guild.id}/${post.thread.id})`,
    );
  });

  it('GIVEN a question answered while the bot was down THEN the restarted bot does not nudge it, even when a scan comes before its backfill read the answer; an unanswered one is nudged once the backfill is done', async () => {
    await withHistory();
    const { sandbox, guild, members } = community!;
    const forum = guild.channels.questions!;
    const answered = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title: 'Vulkan descriptor sets keep getting invalidated',
      content: 'My vulkan descriptor sets are invalid after I update them. What am I doing wrong?',
      at: Date.now() - 5 * HOUR,
    });
    const unanswered = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title: 'Vulkan descriptor pool keeps growing',
      content: 'Why does my vulkan descriptor pool grow every frame?',
      at: Date.now() - 5 * HOUR,
    });
    const stored = async (id: string) =>
      (await rows(app!, 'SELECT 1 FROM questions WHERE question_id = ?', id)).length > 0;
    await waitFor(
      async () => (await stored(answered.thread.id)) && (await stored(unanswered.thread.id)),
      10_000,
      'both questions',
    );
    await app!.stop();
    app = undefined;
    // While the bot is down, cyd answers the first one.
    sandbox.say(guild.id, answered.thread.id, members.cyd!, 'Update vulkan descriptor sets only after the fence');
    // Discord is slow to give that thread's history: the restart's backfill reads it last.
    const slow = sandbox.holdRequests(`GET /channels/${answered.thread.id}/messages`);
    try {
      const restartedAt = Date.now();
      app = await startBot(community!, {}, botNow);
      await waitFor(() => slow.arrived() > 0, 20_000, "the backfill to ask for the answered thread's history");
      await scan();
      expect(botReplies(answered.thread.id)).toHaveLength(0);
      expect(botReplies(unanswered.thread.id)).toHaveLength(0);
      slow.release();
      await backfilled(app, restartedAt);
      await scan();
      await scan(HOUR);
    } finally {
      slow.release();
    }
    expect(botReplies(answered.thread.id)).toHaveLength(0);
    expect(botReplies(unanswered.thread.id)).toHaveLength(1);
  });

  it('GIVEN questions answered or solved THEN no nudge; /solved and ✅ mark them solved', async () => {
    await withHistory();
    const { sandbox, guild, members } = community!;
    const forum = guild.channels.questions!;
    const answered = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title: 'Vulkan sync question',
      content: 'How do vulkan fences work?',
      at: Date.now() - 5 * HOUR,
    });
    const reply = sandbox.say(
      guild.id,
      answered.thread.id,
      members.bob!,
      'A fence signals the CPU when vulkan work is done',
      { at: Date.now() - 4 * HOUR },
    );
    const viaCommand = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title: 'Vulkan swapchain?',
      content: 'How do I recreate a vulkan swapchain?',
      at: Date.now() - 5 * HOUR,
    });
    await questionsStored(answered.thread.id, viaCommand.thread.id);
    sandbox.react(answered.thread.id, reply.id, members.eve!, '✅');
    const solved = await sandbox.runCommand(guild.id, viaCommand.thread.id, members.eve!, 'solved');
    expect(solved.ephemeral).toBe(true);
    // The scan must see the reply and the ✅ stored (ingest takes longer on PostgreSQL than a fixed pause).
    await waitFor(
      async () => (await rows(app!, "SELECT 1 FROM reactions WHERE message_id = ? AND emoji = '✅'", reply.id)).length,
      10_000,
      'the ✅ to be stored',
    );
    await scan();
    expect(botReplies(answered.thread.id)).toHaveLength(0);
    expect(botReplies(viaCommand.thread.id)).toHaveLength(0);
    const marks = await rows(
      app!,
      'SELECT question_id, solved_via FROM questions WHERE solved_at IS NOT NULL ORDER BY question_id',
    );
    expect(marks).toEqual(
      expect.arrayContaining([
        { question_id: answered.thread.id, solved_via: expect.stringMatching(/reaction/) },
        { question_id: viaCommand.thread.id, solved_via: expect.stringMatching(/command/) },
      ]),
    );
  });

  it('GIVEN the expert opted out, is asleep, or is the asker THEN they are never pinged', async () => {
    await withHistory();
    const { sandbox, guild, members } = community!;
    const forum = guild.channels.questions!;
    // cyd (the vulkan expert) asks herself: never pinged about her own question.
    const own = sandbox.openForumPost(guild.id, forum, members.cyd!, {
      title: 'Vulkan descriptor set layouts',
      content: 'Vulkan descriptor set layout compatibility?',
      at: Date.now() - 5 * HOUR,
    });
    await questionsStored(own.thread.id);
    await scan();
    expect(botReplies(own.thread.id).flatMap((m) => m.pinged.users)).not.toContain(members.cyd);

    // Opted out.
    await sandbox.runCommand(guild.id, guild.channels.general!, members.cyd!, 'nudges off');
    const optedOut = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title: 'Vulkan descriptor indexing',
      content: 'Vulkan descriptor indexing for bindless?',
      at: Date.now() - 5 * HOUR,
    });
    await questionsStored(optedOut.thread.id);
    await scan(HOUR);
    expect(botReplies(optedOut.thread.id).flatMap((m) => m.pinged.users)).not.toContain(members.cyd);

    // Asleep: back on, but it is 3 am where she lives.
    await sandbox.runCommand(guild.id, guild.channels.general!, members.cyd!, 'nudges on');
    await execute(
      app!,
      'UPDATE members SET timezone = ? WHERE member_id = ?',
      zoneWhereItIs(3, Date.now()),
      members.cyd,
    );
    const night = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title: 'Vulkan descriptor updates at night',
      content: 'Updating vulkan descriptor sets after binding?',
      at: Date.now() - 5 * HOUR,
    });
    await questionsStored(night.thread.id);
    await scan(2 * HOUR);
    expect(botReplies(night.thread.id).flatMap((m) => m.pinged.users)).not.toContain(members.cyd);
    // Each was looked at and passed its nudge stage: the exclusions were decisions, not silence.
    const stages = await rows(
      app!,
      'SELECT question_id, nudge_stage FROM questions WHERE question_id IN (?, ?, ?)',
      own.thread.id,
      optedOut.thread.id,
      night.thread.id,
    );
    expect(stages.map((r) => r.nudge_stage)).toEqual([1, 1, 1]);
    // With cyd awake and nudges on, the same kind of question does reach her: the test can fail.
    await execute(
      app!,
      'UPDATE members SET timezone = ? WHERE member_id = ?',
      zoneWhereItIs(13, Date.now()),
      members.cyd,
    );
    const control = sandbox.openForumPost(guild.id, forum, members.eve!, {
      title: 'Vulkan descriptor set copies',
      content: 'Copying vulkan descriptor sets between pools?',
      at: Date.now() - 5 * HOUR,
    });
    await questionsStored(control.thread.id);
    await scan(3 * HOUR);
    expect(botReplies(control.thread.id).flatMap((m) => m.pinged.users)).toContain(members.cyd);
  });

  it('GIVEN three vulkan questions in a day THEN the expert is pinged at most twice', async () => {
    await withHistory();
    const { sandbox, guild, members } = community!;
    const posts = [0, 1, 2].map((i) =>
      sandbox.openForumPost(guild.id, guild.channels.questions!, members.eve!, {
        title: `Vulkan descriptor set question ${i}`,
        content: `Vulkan descriptor set update problem number ${i}?`,
        at: Date.now() - 5 * HOUR + i * 60_000,
      }),
    );
    await questionsStored(...posts.map((p) => p.thread.id));
    await scan();
    const pingsOfCyd = posts
      .flatMap((p) => botReplies(p.thread.id))
      .filter((m) => m.pinged.users.includes(members.cyd!));
    expect(pingsOfCyd.length).toBeGreaterThan(0);
    expect(pingsOfCyd.length).toBeLessThanOrEqual(2);
  });
});

describe('escalation', () => {
  it('GIVEN a question unanswered for 25 hours THEN one message to the helpers role, then nothing more', async () => {
    await withHistory();
    const { sandbox, guild, members, moderator } = community!;
    const helpers = guild.roles.Helpers!;
    const set = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene questions set', {
      helpers,
    });
    expect(set.ephemeral).toBe(true);
    const post = sandbox.openForumPost(guild.id, guild.channels.questions!, members.eve!, {
      title: 'Nobody knows this one',
      content: 'Why does my compositor flicker on wayland?',
      at: Date.now() - 25 * HOUR,
    });
    await questionsStored(post.thread.id);
    await scan();
    await scan(HOUR);
    await scan(30 * HOUR);
    const escalations = botReplies(post.thread.id).filter((m) => m.pinged.roles.length > 0);
    expect(escalations).toHaveLength(1);
    expect(escalations[0]!.pinged).toEqual({ everyone: false, users: [], roles: [helpers] });
  });
});

describe('escalation without a helpers role', () => {
  it('GIVEN two questions unanswered for 25 hours and no helpers role THEN each moderator gets one private summary naming both, with links, and nothing more on later scans', async () => {
    await withHistory();
    const { sandbox, guild, members } = community!;
    const help = guild.channels.help!;
    const asked = sandbox.say(guild.id, help, members.eve!, 'How do I stop **wayland** from tearing?\nlogs below', {
      at: Date.now() - 25 * HOUR,
    });
    const post = sandbox.openForumPost(guild.id, guild.channels.questions!, members.bob!, {
      title: 'Compositor flicker after resume',
      content: 'Why does my compositor flicker after resume?',
      at: Date.now() - 25 * HOUR - 10 * 60_000,
    });
    await questionsStored(asked.id, post.thread.id);
    await scan();
    await scan(HOUR);
    await scan(2 * HOUR);
    const moderators = [
      ...new Set(
        (await rows(app!, 'SELECT member_id FROM members WHERE moderator AND NOT bot')).map((r) => String(r.member_id)),
      ),
    ];
    expect(moderators.length).toBeGreaterThan(0);
    for (const id of moderators) {
      const dms = sandbox.dmsTo(id);
      expect(dms).toHaveLength(1);
      expect(dms[0]!.content).toContain(
        `[How do I stop wayland from tearing?](https://discord.com/channels/${guild.id}/${help}/${asked.id})`,
      );
      expect(dms[0]!.content).toContain(
        `[Compositor flicker after resume](https://discord.com/channels/${guild.id}/${post.thread.id})`,
      );
      expect(dms[0]!.content).toContain('waiting 25 hours');
    }
    // No ping in the threads or the help channel.
    const pinged = [...botReplies(post.thread.id), ...botReplies(help)].filter((m) =>
      m.pinged.users.some((u) => moderators.includes(u)),
    );
    expect(pinged).toEqual([]);
  });
});

describe('/unanswered', () => {
  it('GIVEN open vulkan questions THEN the vulkan helper sees them in her help-wanted list, with links', async () => {
    await withHistory();
    const { sandbox, guild, members } = community!;
    const post = sandbox.openForumPost(guild.id, guild.channels.questions!, members.eve!, {
      title: 'Vulkan descriptor set aliasing',
      content: 'Can two vulkan descriptor sets alias?',
      at: Date.now() - HOUR,
    });
    await questionsStored(post.thread.id);
    const list = await sandbox.runCommand(guild.id, guild.channels.general!, members.cyd!, 'unanswered');
    expect(list.ephemeral).toBe(true);
    expect(list.content + JSON.stringify(list.embeds)).toContain(
      `https://discord.com/channels/${guild.id}/${post.thread.id}`,
    );
  });
});
