/**
 * The newcomer journey end to end: the real bot (discord.js) against the Discord emulator.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import {
  asJson,
  backfilled,
  type Community,
  join,
  makeCommunity,
  rows,
  spawnBot,
  startBot,
  waitFor,
} from './harness.js';

const DAY = 86_400_000;
let community: Community | undefined;
let app: App | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

const drain = async (a: App) => {
  for (const d of a.drains) d.wake();
  for (const d of a.drains) await d.drainAll();
};

describe('welcome', () => {
  it('GIVEN a member joins THEN exactly one welcome DM arrives, also after a restart and a replay of the join', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const fay = join(community, 'fay');
    const dm = await waitFor(() => community!.sandbox.dmsTo(fay)[0], 10_000, 'welcome DM');
    expect(dm.content).toContain('Shader Club');
    expect(dm.content).toContain('/journey');
    expect(dm.pinged.everyone).toBe(false);
    await app.stop();
    // The restart backfills the member list: every member's join is replayed through ingest.
    app = await startBot(community);
    await app.scheduler.tick(Date.now());
    await drain(app);
    expect(community.sandbox.dmsTo(fay)).toHaveLength(1);
  });

  it('GIVEN the bot is killed right after a join THEN the restarted bot welcomes once', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    await app.stop();
    app = undefined;
    const first = await spawnBot(community);
    children.push(first);
    const gus = join(community, 'gus');
    await waitFor(() => community!.sandbox.dmsTo(gus).length > 0, 15_000, 'welcome');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const second = await spawnBot(community);
    children.push(second);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(community.sandbox.dmsTo(gus)).toHaveLength(1);
  }, 60_000);

  it('GIVEN a newcomer named "@everyone" THEN the welcome pings nobody but the newcomer', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    await community.sandbox.runCommand(
      community.guild.id,
      community.guild.channels.general!,
      community.moderator,
      'convene welcome set',
      {
        channel: community.guild.channels.welcome!,
        dm: false,
        text: 'Hello {member}, welcome to {server}! @here say hi',
      },
    );
    const troll = join(community, 'troll', Date.now(), '@everyone');
    const posted = await waitFor(
      () =>
        community!.sandbox.messagesIn(community!.guild.channels.welcome!).find((m) => m.content.startsWith('Hello')),
      10_000,
      'welcome in channel',
    );
    expect(posted.pinged).toEqual({ everyone: false, users: [troll], roles: [] });
  });

  it('GIVEN a member who joined while the bot was down two days ago THEN no late welcome; one an hour ago THEN welcomed', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    await app.stop();
    const old = join(community, 'old', Date.now() - 2 * DAY);
    const recent = join(community, 'recent', Date.now() - 3_600_000);
    app = await startBot(community);
    await app.scheduler.tick(Date.now());
    await drain(app);
    await waitFor(() => community!.sandbox.dmsTo(recent).length > 0, 10_000, 'catch-up welcome');
    expect(community.sandbox.dmsTo(old)).toHaveLength(0);
  });
});

describe('milestones and nudges', () => {
  it('GIVEN a newcomer who posts, then answers someone THEN stages advance and the stage role is added', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild, members } = community;
    const participant = guild.roles.Participant!;
    const set = await sandbox.runCommand(
      guild.id,
      guild.channels.general!,
      community.moderator,
      'convene journey set-role',
      { stage: 'participating', role: participant },
    );
    expect(set.ephemeral).toBe(true);
    const hal = join(community, 'hal', Date.now() - 3 * 3_600_000);
    const question = sandbox.say(guild.id, guild.channels.help!, members.bob!, 'How do I debug a GLSL shader?');
    sandbox.say(guild.id, guild.channels.help!, hal, 'Hi all, I write shaders for fun', {
      at: Date.now() - 2 * 3_600_000,
    });
    await waitFor(() => sandbox.memberRoles(guild.id, hal).includes(participant), 10_000, 'role');
    sandbox.say(guild.id, guild.channels.help!, hal, 'Try RenderDoc, it shows every pass', { replyTo: question.id });
    await waitFor(
      async () =>
        (await rows(app!, "SELECT 1 FROM journey_milestones WHERE member_id = ? AND stage = 'helping'", hal)).length,
      10_000,
      'helping milestone',
    );
    const journey = await sandbox.runCommand(guild.id, guild.channels.general!, hal, 'journey');
    expect(journey.ephemeral).toBe(true);
    expect(journey.content + JSON.stringify(journey.embeds)).toMatch(/Helping/i);
  });

  it('GIVEN a newcomer silent for 3 days THEN one nudge DM, driven by timestamps, and never a second', async () => {
    community = await makeCommunity();
    const startedAt = Date.now();
    app = await startBot(community);
    // Scheduled work waits until the start-up backfill has read the history.
    await backfilled(app, startedAt);
    const quiet = join(community, 'quiet', Date.now() - 4 * DAY);
    await waitFor(
      async () => (await rows(app!, 'SELECT 1 FROM members WHERE member_id = ?', quiet)).length,
      10_000,
      'member stored',
    );
    await app.scheduler.tick(Date.now());
    await drain(app);
    const nudges = () => community!.sandbox.dmsTo(quiet);
    await waitFor(() => nudges().length === 1, 10_000, 'nudge');
    await app.scheduler.tick(Date.now() + 2 * 3_600_000);
    await app.scheduler.tick(Date.now() + 26 * 3_600_000);
    await drain(app);
    expect(nudges()).toHaveLength(1);
    expect(nudges()[0]!.pinged.everyone).toBe(false);
  });
});

describe('moderator commands', () => {
  it('GIVEN a member who bypasses the client-side permission THEN /convene welcome set is refused and nothing changes', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const before = await rows(app, 'SELECT settings FROM guilds');
    const result = await community.sandbox.runCommand(
      community.guild.id,
      community.guild.channels.general!,
      community.members.bob!,
      'convene welcome set',
      { dm: false },
      { bypassDefaultPermissions: true },
    );
    expect(result.content).toMatch(/for moderators/);
    expect(await rows(app, 'SELECT settings FROM guilds')).toEqual(before);
  });

  it('GIVEN a config import with one bad field THEN nothing is applied and the reply names the field', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild, moderator } = community;
    const exported = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene config export');
    const config = JSON.parse(Buffer.from(exported.attachments[0]!.data).toString());
    config.core.retentionDays = -5;
    config.journey.welcome.text = 'changed';
    const before = await rows(app, 'SELECT settings FROM guilds');
    const audit = (await rows(app, 'SELECT count(*) AS n FROM audit_log'))[0]!.n;
    const result = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene config import', {
      file: { filename: 'convene.json', contentType: 'application/json', data: JSON.stringify(config) },
    });
    expect(result.content).toContain('core.retentionDays');
    expect(await rows(app, 'SELECT settings FROM guilds')).toEqual(before);
    expect((await rows(app, 'SELECT count(*) AS n FROM audit_log'))[0]!.n).toBe(audit);

    config.core.retentionDays = 90;
    const ok = await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene config import', {
      file: { filename: 'convene.json', contentType: 'application/json', data: JSON.stringify(config) },
    });
    expect(ok.content).not.toContain('core.retentionDays');
    expect(
      (
        asJson((await rows(app, 'SELECT settings FROM guilds'))[0]!.settings) as {
          journey: { welcome: { text: string } };
        }
      ).journey.welcome.text,
    ).toBe('changed');
    expect(await rows(app, "SELECT actor_id FROM audit_log WHERE action LIKE '%import%'")).toEqual([
      { actor_id: moderator },
    ]);
  });
});
