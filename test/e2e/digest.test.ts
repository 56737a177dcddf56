/**
 * The weekly digest end to end: scheduled in the guild's timezone with a driven clock (no real
 * waiting), posted exactly once across restarts, caught up once after downtime.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  backfilled,
  type Community,
  comingMonday,
  makeCommunity,
  outboxSettled,
  rows,
  startBot,
  waitFor,
} from './harness.js';

let community: Community | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

// The coming Monday, 09:00 in Berlin.
const MONDAY = comingMonday(9, 'Europe/Berlin');
const MONDAY_0900_BERLIN = MONDAY.at;
const MINUTE = 60_000;
const DAY = 86_400_000;

async function setUp(clock: { now: number }) {
  community = await makeCommunity();
  const startedAt = Date.now();
  app = await startBot(community, {}, () => clock.now);
  // Scheduled work waits until the start-up backfill has read the history.
  await backfilled(app, startedAt);
  const { sandbox, guild, members, moderator } = community;
  const set = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest set', {
    channel: guild.channels.general!,
    day: 'monday',
    time: '09:00',
    timezone: 'Europe/Berlin',
  });
  expect(set.ephemeral).toBe(true);
  // A week of community life before the digest.
  const q = sandbox.openForumPost(guild.id, guild.channels.questions!, members.bob!, {
    title: 'Compute shader barriers?',
    content: 'When do I need a memory barrier?',
    at: Date.now() - 2 * DAY,
  });
  sandbox.say(guild.id, q.thread.id, members.cyd!, 'Between dispatches that share a buffer', {
    at: Date.now() - 2 * DAY + 3_600_000,
  });
  for (let i = 0; i < 12; i++)
    sandbox.say(guild.id, guild.channels.general!, members.dee!, `chat ${i} about shaders`, {
      at: Date.now() - 3 * DAY + i * MINUTE,
    });
  await new Promise((r) => setTimeout(r, 300));
}

const digests = () =>
  community!.sandbox
    .messagesIn(community!.guild.channels.general!)
    .filter((m) => m.authorId === community!.sandbox.botUserId && m.embeds.length > 0);

async function tick(at: number) {
  await app!.scheduler.tick(at);
  await outboxSettled(app!);
}

describe('weekly digest', () => {
  it('GIVEN Monday 09:00 Europe/Berlin THEN nothing at 08:59, one digest at 09:00, none more that week, even after a restart', async () => {
    const clock = { now: Date.now() };
    await setUp(clock);
    clock.now = MONDAY_0900_BERLIN - MINUTE;
    await tick(clock.now);
    expect(digests()).toHaveLength(0);

    clock.now = MONDAY_0900_BERLIN;
    await app!.scheduler.tick(clock.now);
    // A restart before the outbox drained: the new process must send the queued digest once.
    await app!.stop();
    app = await startBot(community!, {}, () => clock.now);
    clock.now += 30 * MINUTE;
    await tick(clock.now);
    clock.now += 3 * 3_600_000;
    await tick(clock.now);
    const posted = digests();
    expect(posted).toHaveLength(1);
    const digest = posted[0]!;
    expect(digest.pinged).toEqual({ everyone: false, users: [], roles: [] });
    expect(digest.allowedMentions).toMatchObject({ parse: [] });
    expect(digest.content.length).toBeLessThanOrEqual(2000);
    const png = digest.attachments.find((a) => a.filename.endsWith('.png'))!;
    expect(png).toBeDefined();
    expect(await rows(app!, "SELECT key FROM outbox WHERE key LIKE 'digest:%'")).toEqual([
      { key: `digest:${community!.guild.id}:${MONDAY.week}` },
    ]);
  });

  it('GIVEN the bot was down over Monday 09:00 THEN the digest is caught up once when it returns', async () => {
    const clock = { now: Date.now() };
    await setUp(clock);
    await app!.stop();
    clock.now = MONDAY_0900_BERLIN + 2 * 86_400_000; // back on Wednesday
    const restartedAt = Date.now();
    app = await startBot(community!, {}, () => clock.now);
    // Scheduled work waits until the restart has read what it missed.
    await backfilled(app, restartedAt);
    await tick(clock.now);
    await tick(clock.now + 5 * MINUTE);
    expect(digests()).toHaveLength(1);
  });

  it('GIVEN preview and post-now THEN the moderator sees it privately, then the channel gets it once; a member is refused', async () => {
    const clock = { now: Date.now() };
    await setUp(clock);
    const { sandbox, guild, moderator, members } = community!;
    const preview = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest preview');
    expect(preview.ephemeral).toBe(true);
    expect(JSON.stringify(preview.embeds)).toMatch(/Compute shader barriers/);
    expect(digests()).toHaveLength(0);

    const refused = await sandbox.runCommand(
      guild.id,
      guild.channels.general!,
      members.bob!,
      'convene digest post-now',
      {},
      { bypassDefaultPermissions: true },
    );
    expect(refused.content).toMatch(/for moderators/);

    clock.now = Date.now();
    await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest post-now');
    clock.now = Date.now() + 1000;
    await outboxSettled(app!);
    expect(digests()).toHaveLength(1);
  });
});

describe('the way back', () => {
  it('GIVEN the digest pulse buttons THEN a vote counts once and the note form reaches the moderators anonymously', async () => {
    const clock = { now: Date.now() };
    await setUp(clock);
    const { sandbox, guild, moderator, members } = community!;
    clock.now = Date.now();
    await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest post-now');
    clock.now = Date.now() + 1000;
    await outboxSettled(app!);
    const digest = digests()[0]!;
    const buttons = (digest.components as { components: { custom_id: string; label: string }[] }[]).flatMap(
      (r) => r.components,
    );
    const helped = buttons.find((b) => /helped/i.test(b.label))!;
    const note = buttons.find((b) => /moderators/i.test(b.label))!;
    await sandbox.clickButton(guild.id, guild.channels.general!, digest.id, members.bob!, helped.custom_id);
    await sandbox.clickButton(guild.id, guild.channels.general!, digest.id, members.bob!, helped.custom_id);
    const opened = await sandbox.clickButton(
      guild.id,
      guild.channels.general!,
      digest.id,
      members.cyd!,
      note.custom_id,
    );
    expect(opened.modal).toBeTruthy();
    const sent = await sandbox.submitModal(guild.id, guild.channels.general!, members.cyd!, note.custom_id, {
      text: 'More beginner threads please',
    });
    expect(sent.ephemeral).toBe(true);
    const preview = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest preview');
    const shown = preview.content + JSON.stringify(preview.embeds);
    expect(shown).toContain('More beginner threads please');
    expect(shown).not.toContain('cyd');
    const status = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene status');
    expect(status.content).toMatch(/Digest pulse \(\d{4}-W\d\d\): 1 helped, 0 not really, 1 note/);
  });
});

describe('sections from the other features', () => {
  it('GIVEN a member who reached a journey stage this week THEN the digest names the milestone, without a ping', async () => {
    const clock = { now: Date.now() };
    await setUp(clock);
    const { sandbox, guild, moderator } = community!;
    const user = sandbox.addUser({ username: 'newbie', globalName: 'Newbie' });
    sandbox.addMember(guild.id, user.id, { at: Date.now() - 3 * 86_400_000 });
    sandbox.say(guild.id, guild.channels.general!, user.id, 'hello everyone, first post here', {
      at: Date.now() - 2 * DAY,
    });
    await new Promise((r) => setTimeout(r, 300));
    const preview = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest preview');
    const text = preview.content + JSON.stringify(preview.embeds);
    expect(text).toMatch(/Newbie[^"]*reached Participating/);
    expect(text).not.toContain(`<@${user.id}>`);
  });
});

describe('questions still waiting', () => {
  it('GIVEN two unanswered questions in a help text channel THEN the digest lists both, oldest first', async () => {
    const clock = { now: Date.now() };
    await setUp(clock);
    const { sandbox, guild, members, moderator } = community!;
    const first = sandbox.say(guild.id, guild.channels.help!, members.eve!, 'How do I profile a vulkan frame?', {
      at: Date.now() - 30 * 3_600_000,
    });
    const second = sandbox.say(guild.id, guild.channels.help!, members.dee!, 'Why does my shader compile twice?', {
      at: Date.now() - 3 * 3_600_000,
    });
    // Both questions stored before the preview (ingest takes longer on PostgreSQL than a fixed pause).
    await waitFor(
      async () =>
        (await rows(app!, 'SELECT question_id FROM questions WHERE question_id IN (?, ?)', first.id, second.id))
          .length === 2,
      10_000,
      'both questions to be stored',
    );
    const preview = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest preview');
    const text = JSON.stringify(preview.embeds);
    const a = text.indexOf(first.id);
    const b = text.indexOf(second.id);
    expect(a).toBeGreaterThan(-1);
    expect(b).toBeGreaterThan(a);
  });
});
