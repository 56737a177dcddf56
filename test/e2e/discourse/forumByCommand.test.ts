/**
 * A forum per community, end to end: the real bot (discord.js on the Discord emulator) with no forum
 * in its environment; two servers each connect their own Discourse emulator by command, over real
 * HTTP. Each forum's webhooks land in its own community only; wrong secrets, unknown forums and a
 * rotated secret are refused with nothing stored; the key and the secret never reach the database
 * in clear (SQLite's file, PostgreSQL's rows).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { signatureOf } from '../../../src/platforms/discourse/webhook.js';
import type { GuildHandle } from '../../../src/sandbox/discord/world.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { type Community, makeCommunity, outboxSettled, rows, startBot, waitFor } from '../harness.js';

const SECRET_KEY = randomBytes(32).toString('base64');
let community: Community | undefined;
let forums: DiscourseSandbox[] = [];
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  for (const f of forums) await f.close();
  app = undefined;
  community = undefined;
  forums = [];
});

/** A second server on the same Discord, with its own moderator. */
function secondServer(c: Community): { guild: GuildHandle; moderator: string; member: string; channel: string } {
  const guild = c.sandbox.createGuild({ name: 'Pixel Guild', channels: [{ name: 'general', type: 'text' }] });
  const moderator = c.sandbox.addUser({ username: 'pia', globalName: 'Pia' }).id;
  const member = c.sandbox.addUser({ username: 'quin', globalName: 'Quin' }).id;
  c.sandbox.addMember(guild.id, moderator, { roles: guild.moderatorRoleId ? [guild.moderatorRoleId] : [] });
  c.sandbox.addMember(guild.id, member);
  return { guild, moderator, member, channel: guild.channels.general! };
}

/** A moderator runs /convene forum connect and fills the form it opens; returns the bot's answer. */
async function connectByCommand(
  c: Community,
  where: { guildId: string; channel: string; moderator: string },
  form: { url: string; username: string; key: string },
) {
  const opened = await c.sandbox.runCommand(where.guildId, where.channel, where.moderator, 'convene forum connect');
  expect(opened.type).toBe(9);
  expect(opened.modal?.components).toHaveLength(3);
  return c.sandbox.submitModal(where.guildId, where.channel, where.moderator, opened.modal!.customId, form);
}

function secretAndUrl(content: string) {
  const url = /Payload URL: `([^`]+)`/.exec(content)?.[1];
  const secret = /Secret: `([0-9a-f]{64})`/.exec(content)?.[1];
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks\/discourse\/[\w-]{12}$/);
  expect(secret).toBeDefined();
  return { url: url!, secret: secret! };
}

const messagesOf = async (a: App, guildId: string) =>
  Number((await rows(a, 'SELECT count(*) AS n FROM messages WHERE guild_id = ?', guildId))[0]!.n);

/** A member opens a topic; the webhook deliveries it caused, once answered. */
async function deliverTopic(forum: DiscourseSandbox, username: string, title: string) {
  const from = forum.deliveries.length;
  forum.createTopic({ username, title, raw: `${title}, with enough words in the body to be a post.` });
  await forum.flush();
  return forum.deliveries.slice(from);
}

const topicNames = async (a: App, guildId: string) =>
  (
    await rows(
      a,
      "SELECT name FROM channels WHERE guild_id = ? AND channel_id NOT LIKE 'category:%' ORDER BY created_at",
      guildId,
    )
  ).map((r) => r.name as string);

/** What the database holds, as bytes to search: SQLite's files (the file and its WAL), PostgreSQL's rows as text. */
async function storedBytes(c: Community, a: App): Promise<Buffer> {
  if (c.engine === 'sqlite') {
    const dir = dirname(c.dbPath);
    return Buffer.concat(
      readdirSync(dir)
        .filter((f) => f.startsWith('convene.db'))
        .map((f) => readFileSync(join(dir, f))),
    );
  }
  const tables = await rows(a, "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'");
  const texts: string[] = [];
  for (const { name } of tables) {
    for (const row of await rows(a, `SELECT CAST(t AS TEXT) AS row FROM ${name as string} t`))
      texts.push(String(row.row));
  }
  return Buffer.from(texts.join('\n'));
}

/** A port nothing listens on (opened, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('a forum per community, connected by command', () => {
  it('GIVEN two servers that each connect their own forum THEN each forum’s webhooks land in its own community only, the bot writes to each forum as that forum’s account, and wrong or rotated secrets are refused with nothing stored', async () => {
    community = await makeCommunity();
    const pixel = secondServer(community);
    const keyA = `key-a-${randomBytes(16).toString('hex')}`;
    const keyB = `key-b-${randomBytes(16).toString('hex')}`;
    const forumA = await DiscourseSandbox.start({ apiKey: keyA, botUsername: 'convene_a' });
    const forumB = await DiscourseSandbox.start({ apiKey: keyB, botUsername: 'convene_b' });
    forums = [forumA, forumB];
    // The emulators listen on 127.0.0.1, a local address: allowed here, refused by default (below).
    app = await startBot(community, { CONVENE_SECRET_KEY: SECRET_KEY, CONVENE_ALLOW_PRIVATE_FORUMS: 'true' });
    const { sandbox, guild, members } = community;
    const general = guild.channels.general!;
    const hostA = new URL(forumA.url).host;
    const hostB = new URL(forumB.url).host;

    // Wrong key, a non-admin user, nobody at the address: refused, each with its reason, nothing stored.
    forumA.createUser({ username: 'plain_member' });
    const where = { guildId: guild.id, channel: general, moderator: members.ada! };
    const wrongKey = await connectByCommand(community, where, { url: forumA.url, username: 'convene_a', key: keyB });
    const notAdmin = await connectByCommand(community, where, { url: forumA.url, username: 'plain_member', key: keyA });
    const nobody = await connectByCommand(community, where, {
      url: `http://127.0.0.1:${await closedPort()}`,
      username: 'convene_a',
      key: keyA,
    });
    for (const refused of [wrongKey, notAdmin, nobody]) {
      expect(refused.ephemeral).toBe(true);
      console.log(`[moderator reads] ${refused.content}`);
    }
    expect(wrongKey.content).toMatch(/refused the API key for the username “convene\\_a”/);
    expect(notAdmin.content).toMatch(/“plain\\_member” is not an admin/);
    expect(nobody.content).toMatch(/could not reach a forum/);
    expect(await rows(app, 'SELECT * FROM forums')).toEqual([]);
    expect(await rows(app, 'SELECT * FROM community_pairs')).toEqual([]);

    // A member cannot connect one, even where the command's default permission was overridden.
    const denied = await sandbox.runCommand(
      guild.id,
      general,
      members.bob!,
      'convene forum connect',
      {},
      {
        bypassDefaultPermissions: true,
      },
    );
    expect(denied.type).not.toBe(9);
    expect(denied.content).toMatch(/for moderators/);

    // Shader Club connects forum A: the secret and the exact webhook URL are shown once.
    const connectedA = await connectByCommand(community, where, {
      url: `${forumA.url}/`,
      username: 'convene_a',
      key: keyA,
    });
    console.log(`[moderator reads] ${connectedA.content}`);
    expect(connectedA.ephemeral).toBe(true);
    const a = secretAndUrl(connectedA.content);
    expect(connectedA.content).toContain('Topic Event, Post Event, User Event, Category Event');
    forumA.setWebhook({ url: a.url, secret: a.secret });

    // Pixel Guild connects forum B; its attempt at forum A is the takeover that stays refused.
    const wherePixel = { guildId: pixel.guild.id, channel: pixel.channel, moderator: pixel.moderator };
    const takeover = await connectByCommand(community, wherePixel, {
      url: forumA.url,
      username: 'convene_a',
      key: keyA,
    });
    console.log(`[moderator reads] ${takeover.content}`);
    expect(takeover.content).toMatch(/already connected to another Discord server, \*\*Shader Club\*\*/);
    const connectedB = await connectByCommand(community, wherePixel, {
      url: forumB.url,
      username: 'convene_b',
      key: keyB,
    });
    const b = secretAndUrl(connectedB.content);
    expect(b.url).not.toBe(a.url);
    forumB.setWebhook({ url: b.url, secret: b.secret });
    expect(await rows(app, 'SELECT guild_id AS g, forum_guild_id AS f FROM community_pairs ORDER BY g')).toEqual(
      [
        { g: guild.id, f: `discourse:${hostA}` },
        { g: pixel.guild.id, f: `discourse:${hostB}` },
      ].sort((x, y) => (x.g < y.g ? -1 : 1)),
    );

    // Each forum's topics land in its own forum guild, and nowhere else.
    forumA.createUser({ username: 'noor' });
    forumB.createUser({ username: 'olek' });
    const fromA = await deliverTopic(forumA, 'noor', 'Shadow maps flicker on moving lights');
    const fromB = await deliverTopic(forumB, 'olek', 'Palette swap for sprites at runtime');
    expect(fromA.map((d) => d.status)).toEqual(fromA.map(() => 200));
    expect(fromB.map((d) => d.status)).toEqual(fromB.map(() => 200));
    await waitFor(
      async () =>
        (await messagesOf(app!, `discourse:${hostA}`)) === 1 && (await messagesOf(app!, `discourse:${hostB}`)) === 1,
    );
    expect(await topicNames(app, `discourse:${hostA}`)).toEqual(['Shadow maps flicker on moving lights']);
    expect(await topicNames(app, `discourse:${hostB}`)).toEqual(['Palette swap for sprites at runtime']);
    expect(await rows(app, 'SELECT id FROM guilds WHERE id LIKE ? ORDER BY id', 'discourse:%')).toHaveLength(2);

    // What the bot sends to a forum goes through that forum's own client: cyd links to noor on forum A,
    // and the code arrives there as a PM from forum A's bot account; forum B's API is never called.
    const asked = await sandbox.runCommand(guild.id, general, members.cyd!, 'link discourse', { username: 'noor' });
    expect(asked.content).toContain('@noor');
    await outboxSettled(app, 15_000);
    const pmsToNoor = () =>
      forumA
        .privateMessagesTo('noor')
        .map((p) => p.posts[0]!)
        .filter((p) => /code:\d{6}/.test(p.raw));
    await waitFor(() => pmsToNoor().length === 1, 10_000, 'the link code PM on forum A');
    expect(pmsToNoor()[0]!.username).toBe('convene_a');
    // Each forum heard only its own bot account (forum B's key would be refused on forum A anyway).
    expect(new Set(forumB.requests.map((r) => r.apiUsername))).toEqual(new Set(['convene_b']));

    // New settings for forum A (another admin account): the client is rebuilt from them at once.
    forumA.createUser({ username: 'convene_ops', admin: true });
    const updated = await connectByCommand(community, where, { url: forumA.url, username: 'convene_ops', key: keyA });
    console.log(`[moderator reads] ${updated.content}`);
    expect(updated.content).toMatch(/has its new settings/);
    expect(updated.content).not.toMatch(/[0-9a-f]{64}/);
    await sandbox.runCommand(guild.id, general, members.cyd!, 'link discourse', { username: 'noor' });
    await outboxSettled(app, 15_000);
    await waitFor(() => pmsToNoor().length === 2, 10_000, 'the second link code PM on forum A');
    expect(pmsToNoor().map((p) => p.username)).toEqual(['convene_a', 'convene_ops']);
    // A command on forum A reaches the bot through forum A's webhook and is answered there by PM.
    forumA.createTopic({
      username: 'noor',
      title: 'How does this bot work',
      raw: '@convene_ops help, what can you do here?',
    });
    await forumA.flush();
    await outboxSettled(app, 15_000);
    const answered = () =>
      forumA
        .privateMessagesTo('noor')
        .map((p) => p.posts[0]!)
        .filter((p) => p.username === 'convene_ops' && !/code:\d{6}/.test(p.raw));
    const help = await waitFor(() => answered()[0], 10_000, 'the help PM on forum A');
    console.log(`[member reads] ${help.raw.split('\n').slice(0, 4).join(' / ')}`);
    expect(help.raw).toMatch(/@convene_ops/);
    // What the bot wrote to forum A (the probes of the refused settings only read).
    expect(new Set(forumA.requests.filter((r) => r.method !== 'GET').map((r) => r.apiUsername))).toEqual(
      new Set(['convene_a', 'convene_ops']),
    );

    // A real delivery of forum A, posted by hand: forum B's secret, no signature, an unknown forum
    // are refused and store nothing; the same bytes with forum A's secret are stored.
    forumA.setWebhook(undefined);
    const held = (await deliverTopic(forumA, 'noor', 'Bloom bleeds through walls')).find(
      (d) => d.event === 'topic_created',
    )!;
    expect(held.sent).toBe(false);
    const post = (url: string, secret: string | null) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-discourse-event': held.event,
          'x-discourse-event-type': held.type,
          ...(secret ? { 'x-discourse-event-signature': signatureOf(secret, held.body) } : {}),
        },
        body: held.body,
      });
    const before = (await rows(app, 'SELECT count(*) AS n FROM channels'))[0]!.n;
    expect((await post(a.url, b.secret)).status).toBe(401);
    expect((await post(a.url, null)).status).toBe(401);
    expect((await post(a.url.replace(/[\w-]{12}$/, 'no-such-forum'), a.secret)).status).toBe(404);
    expect((await rows(app, 'SELECT count(*) AS n FROM channels'))[0]!.n).toBe(before);
    expect((await post(a.url, a.secret)).status).toBe(200);
    expect(await topicNames(app, `discourse:${hostA}`)).toContain('Bloom bleeds through walls');
    expect(await topicNames(app, `discourse:${hostB}`)).not.toContain('Bloom bleeds through walls');
    forumA.setWebhook({ url: a.url, secret: a.secret });

    // Rotation: the old secret is refused at once, the new one accepted.
    const rotated = await sandbox.runCommand(guild.id, general, members.ada!, 'convene forum rotate-secret');
    console.log(`[moderator reads] ${rotated.content}`);
    const fresh = /secret for the forum \S+: `([0-9a-f]{64})`/.exec(rotated.content)?.[1];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(a.secret);
    const stale = await deliverTopic(forumA, 'noor', 'Cascaded shadow maps split badly');
    expect(stale.map((d) => d.status)).toEqual(stale.map(() => 401));
    expect(await topicNames(app, `discourse:${hostA}`)).not.toContain('Cascaded shadow maps split badly');
    forumA.setWebhook({ url: a.url, secret: fresh! });
    for (const d of stale) forumA.redeliver(d.eventId);
    await forumA.flush();
    expect(forumA.deliveries.slice(-stale.length).map((d) => d.status)).toEqual(stale.map(() => 200));
    expect(await topicNames(app, `discourse:${hostA}`)).toContain('Cascaded shadow maps split badly');
    expect(await topicNames(app, `discourse:${hostB}`)).toEqual(['Palette swap for sprites at runtime']);

    // Status says a secret exists, never which.
    const status = await sandbox.runCommand(guild.id, general, members.ada!, 'convene status');
    const forumLine = status.content.split('\n').find((l) => l.startsWith(`Forum ${hostA}`));
    console.log(`[moderator reads] ${forumLine}`);
    expect(forumLine).toContain('webhook secret set');
    expect(status.content).not.toContain(fresh!);
    expect(status.content).not.toContain(a.secret);

    // Neither API key nor any secret is in the database in clear (SQLite: the file and its WAL;
    // PostgreSQL: every row of every table, as text).
    const raw = await storedBytes(community, app);
    expect(raw.length).toBeGreaterThan(0);
    expect(raw.includes(Buffer.from(`discourse:${hostA}`))).toBe(true);
    for (const clear of [keyA, keyB, a.secret, b.secret, fresh!, SECRET_KEY])
      expect(raw.includes(Buffer.from(clear))).toBe(false);

    // Disconnect forgets the forum: its path answers 404 and Pixel Guild's forum is untouched.
    const gone = await sandbox.runCommand(guild.id, general, members.ada!, 'convene forum disconnect');
    console.log(`[moderator reads] ${gone.content}`);
    expect(gone.content).toMatch(/separate again/);
    expect((await post(a.url, fresh!)).status).toBe(404);
    expect(await rows(app, 'SELECT forum_guild_id AS f FROM forums')).toEqual([{ f: `discourse:${hostB}` }]);
  });

  it('GIVEN no CONVENE_SECRET_KEY THEN connecting a forum by command is refused before any key is typed, naming the variable', async () => {
    community = await makeCommunity();
    app = await startBot(community);
    const { sandbox, guild, members } = community;
    const answer = await sandbox.runCommand(guild.id, guild.channels.general!, members.ada!, 'convene forum connect');
    console.log(`[moderator reads] ${answer.content}`);
    expect(answer.type).not.toBe(9);
    expect(answer.ephemeral).toBe(true);
    expect(answer.content).toContain('CONVENE_SECRET_KEY');
    expect(await rows(app, 'SELECT * FROM forums')).toEqual([]);
  });

  it('GIVEN a forum on a local address and the default configuration THEN it is refused before Convene calls it', async () => {
    community = await makeCommunity();
    const forum = await DiscourseSandbox.start({ apiKey: 'k'.repeat(32), botUsername: 'convene' });
    forums = [forum];
    app = await startBot(community, { CONVENE_SECRET_KEY: SECRET_KEY });
    const { guild, members } = community;
    const answer = await connectByCommand(
      community,
      { guildId: guild.id, channel: guild.channels.general!, moderator: members.ada! },
      { url: forum.url, username: 'convene', key: 'k'.repeat(32) },
    );
    console.log(`[moderator reads] ${answer.content}`);
    expect(answer.content).toMatch(/private or local address \(127\.0\.0\.1\)/);
    expect(answer.content).toContain('CONVENE_ALLOW_PRIVATE_FORUMS=true');
    expect(forum.requests).toEqual([]);
    expect(await rows(app, 'SELECT * FROM forums')).toEqual([]);
  });

  it('GIVEN a forum connected by command THEN after a restart with the same CONVENE_SECRET_KEY its webhooks are accepted and its sends go out, from the database alone', async () => {
    community = await makeCommunity();
    const key = `key-${randomBytes(16).toString('hex')}`;
    const forum = await DiscourseSandbox.start({ apiKey: key, botUsername: 'convene' });
    forums = [forum];
    const env = { CONVENE_SECRET_KEY: SECRET_KEY, CONVENE_ALLOW_PRIVATE_FORUMS: 'true' };
    app = await startBot(community, env);
    const { sandbox, guild, members } = community;
    const where = { guildId: guild.id, channel: guild.channels.general!, moderator: members.ada! };
    const { url, secret } = secretAndUrl(
      (await connectByCommand(community, where, { url: forum.url, username: 'convene', key })).content,
    );
    await app.stop();

    app = await startBot(community, env);
    // HTTP_PORT=0 in tests: the restarted bot listens elsewhere; the path is what stays.
    const path = new URL(url).pathname;
    forum.setWebhook({ url: `http://127.0.0.1:${app.httpPort}${path}`, secret });
    forum.createUser({ username: 'noor' });
    const delivered = await deliverTopic(forum, 'noor', 'Normal maps look inverted on the left');
    expect(delivered.map((d) => d.status)).toEqual(delivered.map(() => 200));
    expect(await topicNames(app, `discourse:${new URL(forum.url).host}`)).toEqual([
      'Normal maps look inverted on the left',
    ]);
    await sandbox.runCommand(guild.id, where.channel, members.cyd!, 'link discourse', { username: 'noor' });
    await outboxSettled(app, 15_000);
    await waitFor(
      () => forum.privateMessagesTo('noor').some((p) => /code:\d{6}/.test(p.posts[0]!.raw)),
      10_000,
      'the link code PM after the restart',
    );
  });
});
