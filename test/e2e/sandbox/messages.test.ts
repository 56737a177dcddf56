/**
 * REST through the real discord.js client: who a message really pings, Discord's validation errors as
 * DiscordAPIError, nonce de-duplication, multipart uploads, DMs, history paging, roles and threads.
 */
import { ChannelType, type Client, DiscordAPIError, Routes, type TextChannel } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DiscordSandbox, type GuildHandle, startDiscordSandbox } from '../../../src/sandbox/discord/index.js';
import { connectClient, destroyClients } from '../../helpers/discordClient.js';

const HOUR = 3_600_000;

let sandbox: DiscordSandbox;
let guild: GuildHandle;
let alice: string;
let bob: string;
let client: Client<true>;

beforeAll(async () => {
  // Realistic per-channel limits are covered in rateLimits.test.ts; here they would only slow the suite.
  sandbox = await startDiscordSandbox({
    heartbeatIntervalMs: 500,
    rateLimit: { routes: { 'POST /channels/:channel_id/messages': { limit: 50, windowMs: 1000 } } },
  });
  guild = sandbox.createGuild({
    name: 'Makers',
    channels: [
      { name: 'general', type: 'text' },
      { name: 'history', type: 'text' },
      { name: 'mods-only', type: 'text', private: true, visibleTo: ['Moderator'], hiddenFromBot: true },
    ],
    roles: [{ name: 'Helpers', mentionable: true }],
  });
  alice = sandbox.addUser({ username: 'alice' }).id;
  bob = sandbox.addUser({ username: 'bob', dmsOpen: false }).id;
  sandbox.addMember(guild.id, alice);
  sandbox.addMember(guild.id, bob);
});

afterEach(destroyClients);
afterAll(() => sandbox.close());

async function channel(name = 'general'): Promise<TextChannel> {
  client = await connectClient(sandbox);
  const found = client.channels.cache.get(guild.channels[name]!);
  if (found?.type !== ChannelType.GuildText) throw new Error(`${name} is not a cached text channel`);
  return found;
}

describe('mentions', () => {
  it('GIVEN allowedMentions parse [] WHEN the content says @everyone and mentions alice THEN nobody is pinged', async () => {
    const ch = await channel();
    const sent = await ch.send({ content: `@everyone <@${alice}> look at this`, allowedMentions: { parse: [] } });

    expect(sandbox.message(sent.id)!.pinged).toEqual({ everyone: false, users: [], roles: [] });
    expect(sent.mentions.everyone).toBe(false);
  });

  it('GIVEN no allowed_mentions WHEN the content says @everyone, a user and a role THEN Discord pings all of them', async () => {
    const ch = await channel();
    const helpers = guild.roles.Helpers!;
    const sent = await ch.send(`@everyone <@${alice}> <@&${helpers}> look at this`);

    expect(sandbox.message(sent.id)!.pinged).toEqual({ everyone: true, users: [alice], roles: [helpers] });
  });

  it('GIVEN allowedMentions users [alice] WHEN alice and bob are mentioned THEN only alice is pinged', async () => {
    const ch = await channel();
    const sent = await ch.send({ content: `<@${alice}> and <@${bob}>`, allowedMentions: { users: [alice] } });

    expect(sandbox.message(sent.id)!.pinged.users).toEqual([alice]);
  });

  it('GIVEN a reply WHEN allowed_mentions is given without replied_user THEN the replied-to member is not pinged', async () => {
    const ch = await channel();
    const question = sandbox.say(guild.id, ch.id, alice, 'question?');
    const target = await ch.messages.fetch(question.id);

    const quiet = await target.reply({ content: 'answer', allowedMentions: { parse: [] } });
    const loud = await target.reply({ content: 'answer', allowedMentions: { parse: [], repliedUser: true } });

    expect(sandbox.message(quiet.id)!.pinged.users).toEqual([]);
    expect(sandbox.message(loud.id)!.pinged.users).toEqual([alice]);
  });
});

describe('validation', () => {
  it('GIVEN 2001 characters WHEN sending THEN discord.js throws DiscordAPIError 50035 naming content and nothing is stored', async () => {
    const ch = await channel();
    const before = sandbox.messagesIn(ch.id).length;

    const error = await ch.send('x'.repeat(2001)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({
      code: 50035,
      status: 400,
      rawError: { message: 'Invalid Form Body', errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } },
    });
    expect(sandbox.messagesIn(ch.id)).toHaveLength(before);
    await expect(ch.send('x'.repeat(2000))).resolves.toBeDefined();
  });

  it('GIVEN embeds over 6000 characters in total WHEN sending THEN Discord rejects them as MAX_EMBED_SIZE_EXCEEDED', async () => {
    const ch = await channel();
    const embed = { description: 'd'.repeat(3500) };

    await expect(ch.send({ embeds: [embed, embed] })).rejects.toMatchObject({
      code: 50035,
      rawError: { errors: { embeds: { _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED' }] } } },
    });
    await expect(ch.send({ embeds: [{ title: 't'.repeat(257) }] })).rejects.toMatchObject({
      rawError: { errors: { embeds: { 0: { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } } },
    });
  });

  it('GIVEN an empty body WHEN posting a message THEN Discord answers 50006', async () => {
    const ch = await channel();
    await expect(client.rest.post(Routes.channelMessages(ch.id), { body: { content: '' } })).rejects.toMatchObject({
      code: 50006,
      message: 'Cannot send an empty message',
    });
  });

  it('GIVEN parse users AND a users list WHEN sending THEN allowed_mentions is rejected as mutually exclusive', async () => {
    const ch = await channel();
    await expect(
      ch.send({ content: 'hi', allowedMentions: { parse: ['users'], users: [alice] } }),
    ).rejects.toMatchObject({
      code: 50035,
      rawError: { errors: { allowed_mentions: { _errors: [{ code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE' }] } } },
    });
  });
});

describe('create-message semantics', () => {
  it('GIVEN enforce_nonce WHEN the same nonce is sent twice THEN the second call returns the first message and creates nothing', async () => {
    const ch = await channel('history');
    const before = sandbox.messagesIn(ch.id).length;

    const first = await ch.send({ content: 'digest 2026-W48', nonce: 'digest-w48', enforceNonce: true });
    const again = await ch.send({ content: 'digest 2026-W48', nonce: 'digest-w48', enforceNonce: true });
    const unenforced = await ch.send({ content: 'digest 2026-W48', nonce: 'digest-w48' });

    expect(again.id).toBe(first.id);
    expect(unenforced.id).not.toBe(first.id);
    expect(sandbox.messagesIn(ch.id)).toHaveLength(before + 2);
  });

  it('GIVEN a file WHEN sent with the message (multipart) THEN the attachment bytes are stored and downloadable', async () => {
    const ch = await channel();
    const bytes = Buffer.from('weekly digest chart bytes \u0000\u0001\u00ff');

    const sent = await ch.send({ content: 'chart attached', files: [{ attachment: bytes, name: 'chart.png' }] });

    const stored = sandbox.message(sent.id)!.attachments;
    expect(stored).toHaveLength(1);
    expect(stored[0]!.filename).toBe('chart.png');
    expect(stored[0]!.data.equals(bytes)).toBe(true);
    expect(sent.attachments.first()?.name).toBe('chart.png');
    const recorded = sandbox.requests.find(
      (r) => r.method === 'POST' && r.response && (r.response as { id?: string }).id === sent.id,
    );
    expect(recorded?.files).toEqual([
      expect.objectContaining({ field: 'files[0]', filename: 'chart.png', size: bytes.length }),
    ]);
    const downloaded = Buffer.from(await (await fetch(sent.attachments.first()!.url)).arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
  });

  it('GIVEN messages from the past WHEN paging with before/after THEN Discord order and ids from those times come back', async () => {
    const ch = await channel('history');
    const now = Date.now();
    const msgs = [5, 4, 3, 2, 1].map((h) => sandbox.say(guild.id, ch.id, alice, `${h}h ago`, { at: now - h * HOUR }));

    const older = await ch.messages.fetch({ before: msgs[3]!.id, limit: 2 });
    const newer = await ch.messages.fetch({ after: msgs[0]!.id, limit: 2 });

    expect([...older.values()].map((m) => m.content)).toEqual(['3h ago', '4h ago']);
    expect([...newer.values()].map((m) => m.content)).toEqual(['3h ago', '4h ago']);
    expect(older.first()!.createdTimestamp).toBe(now - 3 * HOUR);
  });

  it('GIVEN a member who closed DMs WHEN the bot DMs them THEN 50007; an open member receives the DM', async () => {
    await channel();
    const closed = await client.users.fetch(bob);
    const open = await client.users.fetch(alice);

    await expect(closed.send('hi')).rejects.toMatchObject({ code: 50007, status: 403 });
    await open.send({ content: 'Welcome to Makers!', allowedMentions: { parse: [] } });

    expect(sandbox.dmsTo(alice).map((m) => m.content)).toEqual(['Welcome to Makers!']);
    expect(sandbox.dmsTo(bob)).toEqual([]);
  });
});

describe('errors and records', () => {
  it('GIVEN an unknown channel WHEN fetched THEN 10003 Unknown Channel', async () => {
    await channel();
    await expect(client.channels.fetch('112233445566778899')).rejects.toMatchObject({ code: 10003, status: 404 });
  });

  it('GIVEN a channel hidden from the bot WHEN posting THEN 50001 Missing Access', async () => {
    await channel();
    await expect(
      client.rest.post(Routes.channelMessages(guild.channels['mods-only']!), { body: { content: 'hi' } }),
    ).rejects.toMatchObject({ code: 50001, status: 403 });
  });

  it('GIVEN no Authorization header WHEN calling REST THEN 401, and an unknown route is a recorded 404', async () => {
    const unauthorized = await fetch(`${sandbox.apiUrl}/v10/users/@me`);
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toEqual({ message: '401: Unauthorized', code: 0 });

    const unknown = await fetch(`${sandbox.apiUrl}/v10/guilds/${guild.id}/bans`, {
      headers: { authorization: `Bot ${sandbox.botToken}` },
    });
    expect(unknown.status).toBe(404);
    expect(sandbox.unknownRoutes.at(-1)).toMatchObject({
      method: 'GET',
      path: `/guilds/${guild.id}/bans`,
      status: 404,
    });
  });
});

describe('roles and threads', () => {
  it('GIVEN a role below the bot WHEN the bot adds and removes it THEN the member roles change; a managed role is refused', async () => {
    await channel();
    const member = await client.guilds.cache.get(guild.id)!.members.fetch(alice);

    await member.roles.add(guild.roles.Helpers!);
    expect(sandbox.memberRoles(guild.id, alice)).toEqual([guild.roles.Helpers]);
    await member.roles.remove(guild.roles.Helpers!);
    expect(sandbox.memberRoles(guild.id, alice)).toEqual([]);
    await expect(member.roles.add(guild.botRoleId!)).rejects.toMatchObject({ code: 50013 });
  });

  it('GIVEN a text channel WHEN the bot opens a private thread and adds two members THEN both are in it', async () => {
    const ch = await channel();
    const thread = await ch.threads.create({
      name: 'alice meets bob',
      type: ChannelType.PrivateThread,
      invitable: false,
    });
    await thread.members.add(alice);
    await thread.members.add(bob);

    const stored = sandbox.threadsIn(ch.id).find((t) => t.id === thread.id)!;
    expect(stored.type).toBe(ChannelType.PrivateThread);
    expect([...stored.thread!.members.keys()].sort()).toEqual([sandbox.botUserId, alice, bob].sort());
    const active = await client.guilds.cache.get(guild.id)!.channels.fetchActiveThreads();
    expect(active.threads.has(thread.id)).toBe(true);
  });

  it('GIVEN a member message WHEN the bot starts a thread on it THEN the thread has the message id', async () => {
    const ch = await channel();
    const question = sandbox.say(guild.id, ch.id, alice, 'How do I deploy?');
    const message = await ch.messages.fetch(question.id);

    const thread = await message.startThread({ name: 'Deploying' });

    expect(thread.id).toBe(question.id);
    expect(sandbox.message(question.id)!.threadId).toBe(thread.id);
  });
});
