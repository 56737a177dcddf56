/**
 * The real discord.js client against the sandbox gateway: login, GUILD_CREATE, events with the
 * timestamps a test chose, intent rules (privileged intents, MESSAGE_CONTENT), member chunking, and
 * surviving RESUME / RECONNECT / INVALID_SESSION.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { ChannelType, type Client, GatewayIntentBits, type Message } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type DiscordSandbox, type GuildHandle, startDiscordSandbox } from '../../../src/sandbox/discord/index.js';
import { connectClient, destroyClients, makeClient } from '../../helpers/discordClient.js';

const HOUR = 3_600_000;

let sandbox: DiscordSandbox;
let guild: GuildHandle;
let alice: string;
let bob: string;

beforeAll(async () => {
  sandbox = await startDiscordSandbox({ heartbeatIntervalMs: 500 });
  guild = sandbox.createGuild({
    name: 'Makers',
    channels: [
      { name: 'general', type: 'text', topic: 'Say hi' },
      { name: 'help', type: 'forum', tags: ['question', 'answered'] },
    ],
  });
  alice = sandbox.addUser({ username: 'alice' }).id;
  bob = sandbox.addUser({ username: 'bob' }).id;
  sandbox.addMember(guild.id, alice, { at: Date.now() - 30 * 24 * HOUR });
  sandbox.addMember(guild.id, bob, { roles: [guild.moderatorRoleId!] });
});

afterEach(destroyClients);
afterAll(() => sandbox.close());

const general = () => guild.channels.general!;

function collect<T>(client: Client, event: 'messageCreate', map: (m: Message) => T): T[] {
  const seen: T[] = [];
  client.on(event, (m) => seen.push(map(m)));
  return seen;
}

describe('login', () => {
  it('GIVEN a guild with channels WHEN discord.js logs in THEN ready fires with the guild, its channels, roles and the bot member', async () => {
    const client = await connectClient(sandbox);

    const cached = client.guilds.cache.get(guild.id);
    expect(cached?.name).toBe('Makers');
    expect(cached?.channels.cache.get(general())?.name).toBe('general');
    expect(cached?.channels.cache.get(guild.channels.help!)?.type).toBe(ChannelType.GuildForum);
    expect(cached?.roles.cache.get(guild.moderatorRoleId!)?.name).toBe('Moderator');
    expect(cached?.memberCount).toBe(4); // owner, bot, alice, bob
    // Discord sends only the bot's own member in GUILD_CREATE without GUILD_PRESENCES.
    expect([...cached!.members.cache.keys()]).toEqual([sandbox.botUserId]);
    expect(client.user.id).toBe(sandbox.botUserId);
    expect(client.application.id).toBe(sandbox.applicationId);
  });

  it('GIVEN a wrong token WHEN logging in THEN discord.js rejects with TokenInvalid after a 401', async () => {
    const client = makeClient(sandbox);
    await expect(client.login('not-the-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    expect(sandbox.requests.at(-1)).toMatchObject({ path: '/gateway/bot', status: 401 });
  });

  it('GIVEN a raw socket WHEN it identifies with a bad token THEN the gateway closes with 4004 after HELLO', async () => {
    const ws = new WebSocket(`${sandbox.gatewayUrl}?v=10&encoding=json`);
    const hello = await new Promise<{ op: number; d: { heartbeat_interval: number } }>((resolve) =>
      ws.once('message', (raw) => resolve(JSON.parse(String(raw)))),
    );
    expect(hello).toMatchObject({ op: 10, d: { heartbeat_interval: 500 } });
    ws.send(JSON.stringify({ op: 1, d: null }));
    const ack = await new Promise<{ op: number }>((resolve) =>
      ws.once('message', (raw) => resolve(JSON.parse(String(raw)))),
    );
    expect(ack.op).toBe(11);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ op: 2, d: { token: 'nope', intents: 1, properties: {} } }));
    expect(await closed).toBe(4004);
  });
});

describe('compression', () => {
  it('GIVEN compress=zlib-stream WHEN connecting THEN HELLO and the heartbeat ACK arrive as one shared deflate stream', async () => {
    const ws = new WebSocket(`${sandbox.gatewayUrl}?v=10&encoding=json&compress=zlib-stream`);
    const inflate = zlib.createInflate();
    const payloads: { op: number }[] = [];
    inflate.on('data', (chunk: Buffer) => payloads.push(JSON.parse(String(chunk))));
    ws.on('message', (raw: Buffer) => inflate.write(raw, () => inflate.flush(zlib.constants.Z_SYNC_FLUSH)));

    await sandbox.waitFor(() => payloads.length === 1);
    ws.send(JSON.stringify({ op: 1, d: null }));
    await sandbox.waitFor(() => payloads.length === 2);
    ws.close(1000);

    expect(payloads.map((p) => p.op)).toEqual([10, 11]);
  });
});

describe('events', () => {
  it('GIVEN a connected bot WHEN a member joins "2 hours ago" THEN guildMemberAdd carries that join time', async () => {
    const client = await connectClient(sandbox);
    const joined = new Promise<{ id: string; joinedAt: number | null }>((resolve) =>
      client.once('guildMemberAdd', (m) => resolve({ id: m.id, joinedAt: m.joinedTimestamp })),
    );
    const at = Date.now() - 2 * HOUR;
    const carol = sandbox.addUser({ username: 'carol' }).id;
    sandbox.addMember(guild.id, carol, { at });

    expect(await joined).toEqual({ id: carol, joinedAt: at });
  });

  it('GIVEN a connected bot WHEN alice posts "5 hours ago" replying to bob THEN messageCreate has the content, author, reply and creation time', async () => {
    const client = await connectClient(sandbox);
    const seen = collect(client, 'messageCreate', (m) => ({
      id: m.id,
      content: m.content,
      author: m.author.id,
      created: m.createdTimestamp,
      replyTo: m.reference?.messageId ?? null,
      mentionsBob: m.mentions.users.has(bob),
    }));
    const question = sandbox.say(guild.id, general(), bob, 'Anyone know vitest?');
    const at = Date.now() - 5 * HOUR;
    const answer = sandbox.say(guild.id, general(), alice, 'I do!', { at, replyTo: question.id });

    const got = await sandbox.waitFor(() => seen.find((m) => m.id === answer.id));
    expect(got).toEqual({
      id: answer.id,
      content: 'I do!',
      author: alice,
      created: at,
      replyTo: question.id,
      mentionsBob: true,
    });
  });

  it('GIVEN a cached message WHEN alice reacts THEN messageReactionAdd reaches discord.js with the emoji and user', async () => {
    const client = await connectClient(sandbox);
    const posted = new Promise<Message>((resolve) => client.once('messageCreate', resolve));
    const message = sandbox.say(guild.id, general(), bob, 'Welcome everyone');
    await posted;
    const reacted = new Promise<{ emoji: string | null; user: string; message: string }>((resolve) =>
      client.once('messageReactionAdd', (r, u) => resolve({ emoji: r.emoji.name, user: u.id, message: r.message.id })),
    );

    sandbox.react(general(), message.id, alice, '👋');

    expect(await reacted).toEqual({ emoji: '👋', user: alice, message: message.id });
  });

  it('GIVEN a forum WHEN alice opens a tagged post THEN threadCreate arrives with parent, tag, time and a fetchable starter message', async () => {
    const client = await connectClient(sandbox);
    const created = new Promise<{
      id: string;
      parent: string | null;
      tags: string[];
      at: number | null;
      fresh: boolean;
    }>((resolve) =>
      client.once('threadCreate', (t, fresh) =>
        resolve({ id: t.id, parent: t.parentId, tags: t.appliedTags, at: t.createdTimestamp, fresh }),
      ),
    );
    const at = Date.now() - HOUR;
    const post = sandbox.openForumPost(guild.id, guild.channels.help!, alice, {
      title: 'How do I test?',
      content: 'Details inside',
      tags: ['question'],
      at,
    });

    const questionTag = sandbox.channel(guild.channels.help!)!.availableTags.find((t) => t.name === 'question')!.id;
    expect(await created).toEqual({
      id: post.thread.id,
      parent: guild.channels.help,
      tags: [questionTag],
      at,
      fresh: true,
    });
    const thread = client.channels.cache.get(post.thread.id);
    if (!thread?.isThread()) throw new Error('thread not cached');
    const starter = await thread.fetchStarterMessage();
    expect(starter?.content).toBe('Details inside');

    const updated = new Promise<string[]>((resolve) =>
      client.once('threadUpdate', (_old, t) => resolve(t.appliedTags)),
    );
    sandbox.applyTag(post.thread.id, 'answered');
    expect(await updated).toHaveLength(2);
  });

  it('GIVEN the bot sends a message over REST THEN it also arrives as MESSAGE_CREATE, as on Discord', async () => {
    const client = await connectClient(sandbox);
    const seen = collect(client, 'messageCreate', (m) => m.id);
    const channel = client.channels.cache.get(general());
    if (!channel?.isSendable()) throw new Error('not sendable');

    const sent = await channel.send('Hello from the bot');

    await sandbox.waitFor(() => seen.includes(sent.id));
  });
});

describe('intents', () => {
  it('GIVEN the app lacks the GUILD_MEMBERS privileged intent WHEN the client requests it THEN the gateway closes with 4014 and login fails', async () => {
    const strict = await startDiscordSandbox({ heartbeatIntervalMs: 500, privilegedIntents: { guildMembers: false } });
    try {
      const client = makeClient(strict, { intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers] });
      await expect(client.login(strict.botToken)).rejects.toThrow(/disallowed intents/i);
      expect(strict.gatewayStats.closeCodes).toContain(4014);
      expect(strict.gatewayStats.identifies).toBe(0);
    } finally {
      await destroyClients();
      await strict.close();
    }
  });

  it('GIVEN a client without MESSAGE_CONTENT WHEN members post THEN content is empty unless the bot is mentioned', async () => {
    const client = await connectClient(sandbox, {
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
    });
    const seen = collect(client, 'messageCreate', (m) => ({ id: m.id, content: m.content }));

    const plain = sandbox.say(guild.id, general(), alice, 'secret plans');
    const mention = sandbox.say(guild.id, general(), alice, `hey <@${sandbox.botUserId}> help`);

    expect(await sandbox.waitFor(() => seen.find((m) => m.id === plain.id))).toEqual({ id: plain.id, content: '' });
    expect(await sandbox.waitFor(() => seen.find((m) => m.id === mention.id))).toEqual({
      id: mention.id,
      content: `hey <@${sandbox.botUserId}> help`,
    });
  });

  it('GIVEN a client without GUILD_MEMBERS WHEN a member joins THEN no guildMemberAdd is dispatched', async () => {
    const client = await connectClient(sandbox, {
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
    });
    let joins = 0;
    client.on('guildMemberAdd', () => joins++);
    const seen = collect(client, 'messageCreate', (m) => m.id);
    const dave = sandbox.addUser({ username: 'dave' }).id;
    sandbox.addMember(guild.id, dave);
    // A message dispatched after the join arrives after it would have: if the join came, we would see it.
    const marker = sandbox.say(guild.id, general(), alice, 'marker');
    await sandbox.waitFor(() => seen.includes(marker.id));
    expect(joins).toBe(0);
  });

  it('GIVEN GUILD_MEMBERS WHEN discord.js fetches all members THEN they come in GUILD_MEMBERS_CHUNK with the request nonce', async () => {
    const client = await connectClient(sandbox);
    const chunks: { index: number; count: number; nonce: string | undefined; size: number }[] = [];
    client.on('guildMembersChunk', (members, _g, chunk) =>
      chunks.push({ index: chunk.index, count: chunk.count, nonce: chunk.nonce, size: members.size }),
    );
    const cached = client.guilds.cache.get(guild.id)!;

    const members = await cached.members.fetch();

    const expected = [...sandbox.guild(guild.id)!.members.keys()].sort();
    expect([...members.keys()].sort()).toEqual(expected);
    expect(chunks).toEqual([{ index: 0, count: 1, nonce: expect.any(String), size: expected.length }]);
    const alone = await cached.members.fetch({ user: [alice] });
    expect([...alone.keys()]).toEqual([alice]);
  });
});

describe('connection recovery', () => {
  it('GIVEN a dropped connection WHEN a message is posted meanwhile THEN the client RESUMEs and receives it exactly once', async () => {
    const client = await connectClient(sandbox);
    const seen = collect(client, 'messageCreate', (m) => m.id);
    const resumed = new Promise<void>((resolve) => client.once('shardResume', () => resolve()));
    const before = { ...sandbox.gatewayStats };

    sandbox.disconnectAll();
    const missed = sandbox.say(guild.id, general(), alice, 'posted while the bot was away');
    await resumed;
    const after = sandbox.say(guild.id, general(), alice, 'posted after the resume');

    await sandbox.waitFor(() => seen.includes(after.id));
    expect(seen.filter((id) => id === missed.id)).toHaveLength(1);
    expect(sandbox.gatewayStats.resumes).toBe(before.resumes + 1);
    expect(sandbox.gatewayStats.identifies).toBe(before.identifies);
  });

  it('GIVEN op 7 RECONNECT WHEN the client obeys THEN it reconnects to resume_gateway_url, resumes and keeps receiving', async () => {
    const client = await connectClient(sandbox);
    const seen = collect(client, 'messageCreate', (m) => m.id);
    const resumed = new Promise<void>((resolve) => client.once('shardResume', () => resolve()));
    const identifies = sandbox.gatewayStats.identifies;

    sandbox.sendReconnect();
    await resumed;
    const message = sandbox.say(guild.id, general(), alice, 'still there?');

    await sandbox.waitFor(() => seen.includes(message.id));
    expect(sandbox.gatewayStats.clientCloseCodes).toContain(4200);
    expect(sandbox.gatewayStats.identifies).toBe(identifies);
  });

  it('GIVEN op 9 INVALID_SESSION resumable WHEN sent THEN the client resumes on the same connection', async () => {
    const client = await connectClient(sandbox);
    const resumed = new Promise<void>((resolve) => client.once('shardResume', () => resolve()));
    const { connections, resumes } = sandbox.gatewayStats;

    sandbox.sendInvalidSession(true);
    await resumed;

    expect(sandbox.gatewayStats.resumes).toBe(resumes + 1);
    expect(sandbox.gatewayStats.connections).toBe(connections);
  });

  it('GIVEN op 9 INVALID_SESSION not resumable WHEN sent THEN the client identifies again and keeps receiving', async () => {
    // discord.js waits 5 s between identifies of one client; a no-op throttler keeps the test fast.
    const client = await connectClient(sandbox, {
      ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
    });
    const seen = collect(client, 'messageCreate', (m) => m.id);
    const identifies = sandbox.gatewayStats.identifies;
    const ready = new Promise<void>((resolve) => client.once('shardReady', () => resolve()));

    sandbox.sendInvalidSession(false);
    await ready;
    const message = sandbox.say(guild.id, general(), alice, 'after re-identify');

    await sandbox.waitFor(() => seen.includes(message.id));
    expect(sandbox.gatewayStats.identifies).toBe(identifies + 1);
  });
});

/**
 * A minimal bot in a child process: logs in, answers "ping" with "pong (seen N before)", where N is
 * how many messages it found in the channel history, and prints "ready" when connected.
 */
const CHILD_BOT = `
const { Client, GatewayIntentBits } = await import('discord.js');
const [api, token] = process.argv.slice(1);
const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  rest: { api },
});
client.on('messageCreate', async (m) => {
  if (m.content !== 'ping') return;
  const history = await m.channel.messages.fetch({ before: m.id, limit: 100 });
  await m.channel.send({ content: 'pong (seen ' + history.size + ' before)', allowedMentions: { parse: [] } });
});
client.once('clientReady', () => console.log('ready'));
await client.login(token);
`;

function startChildBot(): ChildProcess {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD_BOT, sandbox.apiUrl, sandbox.botToken], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return child;
}

async function waitForReady(child: ChildProcess): Promise<void> {
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    if (out.includes('ready')) return;
  }
  throw new Error('child bot exited before it was ready');
}

describe('bot process restart', () => {
  it('GIVEN a bot in a child process WHEN it is killed and started again THEN the sandbox state survives and the new process answers', async () => {
    const channelId = sandbox.createChannel(guild.id, { name: 'restart', type: 'text' }).id;
    const first = startChildBot();
    try {
      await waitForReady(first);
      sandbox.say(guild.id, channelId, alice, 'ping');
      await sandbox.waitFor(() => sandbox.messagesIn(channelId).find((m) => m.content.startsWith('pong')));
    } finally {
      first.kill('SIGKILL');
      await once(first, 'exit');
    }

    sandbox.say(guild.id, channelId, alice, 'said while the bot was down');
    const second = startChildBot();
    try {
      await waitForReady(second);
      sandbox.say(guild.id, channelId, alice, 'ping');
      const reply = await sandbox.waitFor(
        () => sandbox.messagesIn(channelId).filter((m) => m.content.startsWith('pong'))[1],
      );
      // ping, pong, the message while down: the restarted bot reads the history the first one left.
      expect(reply.content).toBe('pong (seen 3 before)');
      expect(reply.authorId).toBe(sandbox.botUserId);
    } finally {
      second.kill('SIGKILL');
      await once(second, 'exit');
    }
  });
});
