/**
 * The foundation end to end: the real bot (discord.js) against the Discord emulator over loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { databaseOf } from '../../src/commands.js';
import { transaction } from '../../src/db/database.js';
import { asChannelId, asGuildId } from '../../src/events.js';
import { enqueueOn } from '../../src/outbox/store.js';
import {
  asBool,
  asJson,
  backfilled,
  type Community,
  makeCommunity,
  migrationsTable,
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

describe('boot', () => {
  it('GIVEN a token and the emulator THEN the bot connects, registers its commands and stores the guild', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const names = community.sandbox.commands().map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['help', 'convene', 'privacy']));
    const convene = community.sandbox.commands().find((c) => c.name === 'convene')!;
    expect(convene.default_member_permissions).toBe('32');
    expect(await rows(app, 'SELECT name FROM guilds')).toEqual([{ name: 'Shader Club' }]);
    expect((await rows(app, 'SELECT count(*) AS n FROM members'))[0]!.n).toBe(7); // the owner, five members and the bot
    expect(await rows(app, "SELECT kind FROM channels WHERE name = 'questions'")).toEqual([{ kind: 'forum' }]);
    expect(app.deps.status.intents).toEqual({ messageContent: true, guildMembers: true });
  });

  it('GIVEN a second start on the same database THEN commands are not re-registered and no migration runs', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    await app.stop();
    const puts = () =>
      community!.sandbox.requests.filter((r) => r.method === 'PUT' && r.path.includes('/commands')).length;
    const before = puts();
    app = await startBot(community);
    expect(puts()).toBe(before);
    const migrations = await rows(app, `SELECT count(*) AS n FROM ${migrationsTable(community.engine)}`);
    expect(migrations[0]!.n).toBeGreaterThan(0);
  });
});

describe('commands', () => {
  it('GIVEN /help THEN an ephemeral list of commands arrives within 3 s', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const result = await community.sandbox.runCommand(
      community.guild.id,
      community.guild.channels.general!,
      community.members.bob!,
      'help',
    );
    expect(result.ephemeral).toBe(true);
    expect(result.ackMs).toBeLessThan(3000);
    expect(result.content).toContain('/privacy show');
    expect(result.content).not.toContain('/convene status');
    expect(community.sandbox.failedInteractions).toEqual([]);
  });

  it('GIVEN /convene status by a moderator THEN it shows intents, database and outbox', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const result = await community.sandbox.runCommand(
      community.guild.id,
      community.guild.channels.general!,
      community.moderator,
      'convene status',
    );
    expect(result.ephemeral).toBe(true);
    expect(result.content).toMatch(/Message Content granted/);
    expect(result.content).toMatch(/Database: [\d.]+ MB/);
    expect(result.content).toMatch(/Outbox: 0 waiting, 0 failed/);
  });

  it('GIVEN /convene status by a member who bypasses the client-side permission THEN the server refuses', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const result = await community.sandbox.runCommand(
      community.guild.id,
      community.guild.channels.general!,
      community.members.bob!,
      'convene status',
      {},
      { bypassDefaultPermissions: true },
    );
    expect(result.ephemeral).toBe(true);
    expect(result.content).toMatch(/for moderators/);
    expect(result.content).not.toMatch(/Outbox/);
  });

  it('GIVEN /help with a word that matches nothing THEN a helpful ephemeral message', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const result = await community.sandbox.runCommand(
      community.guild.id,
      community.guild.channels.general!,
      community.members.bob!,
      'help',
      { command: 'zzz' },
    );
    expect(result.ephemeral).toBe(true);
    expect(result.content).toMatch(/No command starts with "zzz"/);
  });
});

describe('ingest over the gateway', () => {
  it('GIVEN every kind of community event THEN each is stored with the platform timestamp', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild, members } = community;
    const at = Date.now() - 3_600_000;
    const newcomer = sandbox.addUser({ username: 'fay', globalName: 'Fay' });
    sandbox.addMember(guild.id, newcomer.id, { at });
    const question = sandbox.say(
      guild.id,
      guild.channels.help!,
      newcomer.id,
      'How do I bind a vulkan descriptor set?',
      { at: at + 1000 },
    );
    const answer = sandbox.say(guild.id, guild.channels.help!, members.bob!, 'Use vkCmdBindDescriptorSets', {
      at: at + 2000,
      replyTo: question.id,
    });
    const post = sandbox.openForumPost(guild.id, guild.channels.questions!, members.cyd!, {
      title: 'OpenGL context loss',
      content: 'Why does my context get lost?',
      tags: ['opengl'],
      at: at + 3000,
    });
    sandbox.react(guild.channels.help!, answer.id, newcomer.id, '✅');
    sandbox.editMessage(answer.id, 'Use vkCmdBindDescriptorSets with a pipeline layout');
    sandbox.updateMember(guild.id, members.dee!, { nick: 'Dee the Great' });
    sandbox.applyTag(post.thread.id, 'solved');
    const doomed = sandbox.say(guild.id, guild.channels.general!, members.eve!, 'oops wrong channel', {
      at: at + 4000,
    });
    sandbox.deleteMessage(doomed.id);
    sandbox.removeMember(guild.id, members.eve!);

    await waitFor(
      async () =>
        (await rows(app!, 'SELECT 1 FROM members WHERE member_id = ? AND left_at IS NOT NULL', members.eve)).length,
      10_000,
      'eve left',
    );
    await waitFor(
      async () =>
        (
          await rows(
            app!,
            "SELECT 1 FROM channels WHERE channel_id = ? AND CAST(tags AS TEXT) LIKE '%solved%'",
            post.thread.id,
          )
        ).length,
      10_000,
      'tag',
    );
    await waitFor(
      async () =>
        (await rows(app!, 'SELECT 1 FROM messages WHERE message_id = ? AND deleted_at IS NOT NULL', doomed.id)).length,
      10_000,
      'delete',
    );

    expect(await rows(app, 'SELECT joined_at FROM members WHERE member_id = ?', newcomer.id)).toEqual([
      { joined_at: at },
    ]);
    expect(await rows(app, 'SELECT created_at, terms FROM messages WHERE message_id = ?', question.id)).toEqual([
      { created_at: at + 1000, terms: 'bind vulkan descriptor set' },
    ]);
    const reply = (
      await rows(app, 'SELECT reply_to_id, edited_at, terms FROM messages WHERE message_id = ?', answer.id)
    )[0]!;
    expect(reply.reply_to_id).toBe(question.id);
    expect(reply.edited_at).not.toBeNull();
    expect(String(reply.terms)).toContain('pipeline');
    expect(await rows(app, 'SELECT parent_channel_id FROM messages WHERE message_id = ?', post.message.id)).toEqual([
      { parent_channel_id: guild.channels.questions },
    ]);
    expect(await rows(app, 'SELECT emoji FROM reactions WHERE message_id = ?', answer.id)).toEqual([{ emoji: '✅' }]);
    expect(await rows(app, 'SELECT display_name FROM members WHERE member_id = ?', members.dee)).toEqual([
      { display_name: 'Dee the Great' },
    ]);
    expect(await rows(app, 'SELECT content FROM messages WHERE content IS NOT NULL')).toEqual([]);
  });

  it('GIVEN the bot was down while people talked and joined THEN a restart backfills it, once', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    await app.stop();
    const { sandbox, guild, members } = community;
    const missed = Array.from({ length: 130 }, (_, i) =>
      sandbox.say(guild.id, guild.channels.general!, members.bob!, `missed message ${i} about shaders`, {
        at: Date.now() - 60_000 + i,
      }),
    );
    const late = sandbox.addUser({ username: 'gus' });
    sandbox.addMember(guild.id, late.id, { at: Date.now() - 30_000 });
    // The members come back before start-up ends; the history in the background, right after.
    const restartedAt = Date.now();
    app = await startBot(community);
    expect(await rows(app, 'SELECT joined_at FROM members WHERE member_id = ?', late.id)).toHaveLength(1);
    await backfilled(app, restartedAt);
    expect(
      (await rows(app, 'SELECT count(*) AS n FROM messages WHERE channel_id = ?', guild.channels.general))[0]!.n,
    ).toBe(130);
    expect(await rows(app, 'SELECT 1 FROM messages WHERE message_id = ?', missed.at(-1)!.id)).toHaveLength(1);
    expect(app.deps.status.lastBackfill?.members).toBeGreaterThanOrEqual(7);
    await app.stop();
    const againAt = Date.now();
    app = await startBot(community);
    await backfilled(app, againAt);
    expect(
      (await rows(app, 'SELECT count(*) AS n FROM messages WHERE channel_id = ?', guild.channels.general))[0]!.n,
    ).toBe(130);
  });

  it('GIVEN a dropped connection THEN the bot resumes and a message sent meanwhile is stored once', async () => {
    community = await makeCommunity();
    const startedAt = Date.now();
    app = await startBot(community);
    // Not the start-up backfill: the resume must bring the message.
    await backfilled(app, startedAt);
    const { sandbox, guild, members } = community;
    sandbox.disconnectAll();
    const during = sandbox.say(guild.id, guild.channels.general!, members.cyd!, 'said while the bot was reconnecting');
    await waitFor(
      async () => (await rows(app!, 'SELECT 1 FROM messages WHERE message_id = ?', during.id)).length,
      15_000,
      'resumed message',
    );
    expect(sandbox.gatewayStats.resumes).toBeGreaterThanOrEqual(1);
    expect((await rows(app, 'SELECT count(*) AS n FROM messages WHERE message_id = ?', during.id))[0]!.n).toBe(1);
  });

  it('GIVEN the Message Content intent is not granted THEN the bot still runs and says so', async () => {
    community = await makeCommunity({ privilegedIntents: { messageContent: false } });
    app = await startBot(community);
    expect(app.deps.status.intents).toEqual({ messageContent: false, guildMembers: true });
    const result = await community.sandbox.runCommand(
      community.guild.id,
      community.guild.channels.general!,
      community.moderator,
      'convene status',
    );
    expect(result.content).toMatch(/Message Content NOT granted/);
    const said = community.sandbox.say(
      community.guild.id,
      community.guild.channels.general!,
      community.members.bob!,
      'secret words',
    );
    await waitFor(
      async () => (await rows(app!, 'SELECT 1 FROM messages WHERE message_id = ?', said.id)).length,
      10_000,
      'message',
    );
    expect(await rows(app, 'SELECT terms FROM messages WHERE message_id = ?', said.id)).toEqual([{ terms: '' }]);
  });
});

describe('outbox to Discord', () => {
  it('GIVEN an action whose text says @everyone THEN the message is sent once and pings nobody', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const channelId = community.guild.channels.general!;
    await transaction(databaseOf(app.deps), (tx) =>
      enqueueOn(
        tx,
        [
          {
            platform: 'discord',
            guildId: asGuildId(community!.guild.id),
            key: 'test:everyone',
            action: {
              type: 'message.send',
              channelId: asChannelId(channelId),
              body: { content: 'Welcome @everyone and @here <@&' + community!.guild.everyoneRoleId + '>' },
            },
          },
        ],
        Date.now(),
      ),
    );
    app.deps.wakeOutbox();
    const sent = await waitFor(
      () => community!.sandbox.messagesIn(channelId).find((m) => m.content.startsWith('Welcome')),
      10_000,
      'message',
    );
    expect(sent.pinged).toEqual({ everyone: false, users: [], roles: [] });
    expect(sent.authorId).toBe(community.sandbox.botUserId);
  });

  it('GIVEN Discord answers 429 THEN the outbox waits and the message is sent once', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const channelId = community.guild.channels.general!;
    community.sandbox.forceRateLimit({ count: 2, retryAfter: 0.2, route: `POST /channels/${channelId}/messages` });
    await enqueueOn(
      databaseOf(app.deps),
      [
        {
          platform: 'discord',
          guildId: asGuildId(community.guild.id),
          key: 'test:429',
          action: { type: 'message.send', channelId: asChannelId(channelId), body: { content: 'after a rate limit' } },
        },
      ],
      Date.now(),
    );
    app.deps.wakeOutbox();
    await waitFor(
      async () => (await rows(app!, "SELECT 1 FROM outbox WHERE key = 'test:429' AND status = 'done'")).length,
      10_000,
      'sent',
    );
    expect(community.sandbox.rateLimitHits.forced).toBe(2);
    expect(community.sandbox.messagesIn(channelId).filter((m) => m.content === 'after a rate limit')).toHaveLength(1);
  });

  it('GIVEN a DM to a member with closed DMs and a fallback channel THEN it is posted there, pinging only that member', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild, members } = community;
    sandbox.setDmsOpen(members.dee!, false);
    await enqueueOn(
      databaseOf(app.deps),
      [
        {
          platform: 'discord',
          guildId: asGuildId(guild.id),
          key: 'test:dm',
          action: {
            type: 'dm.send',
            memberId: members.dee as never,
            fallbackChannelId: asChannelId(guild.channels.welcome!),
            body: { content: 'Welcome, @everyone!' },
          },
        },
      ],
      Date.now(),
    );
    app.deps.wakeOutbox();
    const posted = await waitFor(
      () => sandbox.messagesIn(guild.channels.welcome!).find((m) => m.content.includes('Welcome')),
      10_000,
      'fallback',
    );
    expect(posted.pinged).toEqual({ everyone: false, users: [members.dee], roles: [] });
    // The row is marked done after Discord answered the post: wait for that, not only for the post.
    const done = await waitFor(
      async () => (await rows(app!, "SELECT result FROM outbox WHERE key = 'test:dm' AND status = 'done'"))[0],
      10_000,
      'the outbox row to be done',
    );
    expect(asJson(done.result)).toMatchObject({ fellBack: true });
  });
});

describe('privacy', () => {
  it('GIVEN /privacy show THEN the member gets a JSON file of what is kept, and /privacy delete erases it after a confirm', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild, members } = community;
    const said = sandbox.say(guild.id, guild.channels.general!, members.bob!, 'I love compute shaders');
    await waitFor(
      async () => (await rows(app!, 'SELECT 1 FROM messages WHERE message_id = ?', said.id)).length,
      10_000,
      'message',
    );
    const shown = await sandbox.runCommand(guild.id, guild.channels.general!, members.bob!, 'privacy show');
    expect(shown.ephemeral).toBe(true);
    const file = shown.attachments[0]!;
    expect(file.filename).toBe('convene-my-data.json');
    const data = JSON.parse(Buffer.from(file.data).toString());
    expect(data.messages.records[0]).toMatchObject({ messageId: said.id, terms: 'love comput=compute shader=shaders' });

    const asked = await sandbox.runCommand(guild.id, guild.channels.general!, members.bob!, 'privacy delete');
    const button = (asked.components[0] as { components: { custom_id: string }[] }).components[0]!.custom_id;
    const intruder = await sandbox.clickButton(
      guild.id,
      guild.channels.general!,
      asked.message!.id,
      members.cyd!,
      button,
    );
    expect(intruder.content).toMatch(/meant for someone else/);
    expect(await rows(app, 'SELECT terms FROM messages WHERE message_id = ?', said.id)).toEqual([
      { terms: 'love comput=compute shader=shaders' },
    ]);
    const confirmed = await sandbox.clickButton(
      guild.id,
      guild.channels.general!,
      asked.message!.id,
      members.bob!,
      button,
    );
    expect(confirmed.content).toMatch(/Done/);
    expect(await rows(app, 'SELECT terms FROM messages WHERE message_id = ?', said.id)).toEqual([{ terms: '' }]);
    const off = await rows(app, 'SELECT profiling_off FROM members WHERE member_id = ?', members.bob);
    expect(off.map((r) => asBool(r.profiling_off))).toEqual([true]);
    const later = sandbox.say(guild.id, guild.channels.general!, members.bob!, 'more about shaders');
    await waitFor(
      async () => (await rows(app!, 'SELECT 1 FROM messages WHERE message_id = ?', later.id)).length,
      10_000,
      'message',
    );
    expect(await rows(app, 'SELECT terms FROM messages WHERE message_id = ?', later.id)).toEqual([{ terms: '' }]);
  });
});
