/**
 * A forum connected by command is read back like the environment's forum: the real bot (discord.js on
 * the Discord emulator) connects a Discourse emulator through `/convene forum connect`, stops; the
 * forum carries on with nobody listening (its webhook deliveries fail); on the next start the process
 * that owns forums reads what was missed, and a process that does not own them reads nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import { DiscourseSandbox } from '../../../src/sandbox/discourse/server.js';
import { type Community, makeCommunity, rows, startBot, waitFor } from '../harness.js';

const SECRET_KEY = randomBytes(32).toString('base64');
/** Where nothing listens: deliveries made while Convene is down fail, as they would for real. */
const DEAD = 'http://127.0.0.1:9/webhooks/discourse/gone';
let community: Community | undefined;
let forum: DiscourseSandbox | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  await forum?.close();
  app = undefined;
  community = undefined;
  forum = undefined;
});

/** A moderator connects the forum by command; the payload URL and the secret it shows once. */
async function connect(c: Community, f: DiscourseSandbox, username: string, key: string) {
  const { guild, members, sandbox } = c;
  const general = guild.channels.general!;
  const opened = await sandbox.runCommand(guild.id, general, members.ada!, 'convene forum connect');
  const answer = await sandbox.submitModal(guild.id, general, members.ada!, opened.modal!.customId, {
    url: f.url,
    username,
    key,
  });
  const url = /Payload URL: `([^`]+)`/.exec(answer.content)?.[1];
  const secret = /Secret: `([0-9a-f]{64})`/.exec(answer.content)?.[1];
  expect(url && secret, answer.content).toBeTruthy();
  return { path: new URL(url!).pathname, secret: secret! };
}

const count = async (a: App, sql: string, ...params: unknown[]) => Number((await rows(a, sql, ...params))[0]!.n);
/** Catch-up reads: the topic list, then each topic with its posts. */
const readsBack = (f: DiscourseSandbox) => f.requests.filter((r) => r.method === 'GET' && r.path === '/latest.json');

describe('a forum connected by command, read back after Convene was down', () => {
  it('GIVEN posts made while Convene was stopped THEN a process on a shard other than 0 does not read the forum, and the owning process stores them all at start, the question included', async () => {
    community = await makeCommunity();
    const key = `key-${randomBytes(16).toString('hex')}`;
    forum = await DiscourseSandbox.start({ apiKey: key, botUsername: 'convene' });
    const env = { CONVENE_SECRET_KEY: SECRET_KEY, CONVENE_ALLOW_PRIVATE_FORUMS: 'true' };
    app = await startBot(community, env);
    const { path, secret } = await connect(community, forum, 'convene', key);
    const forumGuild = `discourse:${new URL(forum.url).host}`;
    for (const username of ['noor', 'olek']) forum.createUser({ username });
    const webhookTo = (a: App) => forum!.setWebhook({ url: `http://127.0.0.1:${a.httpPort}${path}`, secret });

    // Live first: a topic reaches Convene through its webhook.
    webhookTo(app);
    forum.createTopic({ username: 'noor', title: 'Shadow acne on terrain', raw: 'Bias tweaks did not help me.' });
    await forum.flush();
    await waitFor(
      async () => (await count(app!, 'SELECT count(*) AS n FROM messages WHERE guild_id = ?', forumGuild)) === 1,
    );
    await app.stop();
    app = undefined;

    // Convene is down: the forum carries on, its deliveries fail.
    forum.setWebhook({ url: DEAD, secret });
    const { topic, post: asked } = forum.createTopic({
      username: 'olek',
      title: 'How do I bake lightmaps for moving doors?',
      raw: 'The doors in my level move, and their baked lighting stays behind. How do I handle that?',
    });
    const answered = forum.reply({ username: 'noor', topicId: topic.id, raw: 'Bake both states and blend them.' });
    await forum.flush();
    const missed = forum.deliveries.filter((d) => d.sent && d.status === undefined);
    expect(missed.length).toBeGreaterThan(0);
    const stored = (a: App) =>
      count(
        a,
        'SELECT count(*) AS n FROM messages WHERE guild_id = ? AND message_id IN (?, ?)',
        forumGuild,
        String(asked.id),
        String(answered.id),
      );

    // A process that does not own forums (shard 1 of 2) answers webhooks but reads nothing back.
    const readsBefore = readsBack(forum).length;
    app = await startBot(community, { ...env, DISCORD_SHARD_COUNT: '2', DISCORD_SHARDS: '1' });
    webhookTo(app);
    const live = forum.reply({ username: 'olek', topicId: topic.id, raw: 'Blending sounds doable, thanks.' });
    await forum.flush();
    await waitFor(
      async () =>
        (await count(app!, 'SELECT count(*) AS n FROM messages WHERE message_id = ?', String(live.id))) === 1 &&
        app!.deps.status.platforms.discord?.connected === true,
    );
    const notOwner = await stored(app);
    await app.stop();
    app = undefined;
    expect(readsBack(forum).length - readsBefore).toBe(0);
    expect(notOwner).toBe(0);

    // The owning process (shard 0, the default single process) reads back what was missed.
    forum.setWebhook({ url: DEAD, secret });
    app = await startBot(community, env);
    const after = await waitFor(
      async () => ((await stored(app!)) === 2 ? 2 : undefined),
      15_000,
      'the missed posts to be read back',
    ).catch(() => stored(app!));
    console.log(`[probe] missed posts stored: not owner ${notOwner} of 2, owner ${after} of 2`);
    expect(after).toBe(2);
    expect(readsBack(forum).length - readsBefore).toBeGreaterThan(0);
    // The questions feature heard the recovered topic as it would a live one.
    expect(
      await count(
        app,
        'SELECT count(*) AS n FROM questions WHERE guild_id = ? AND question_id = ?',
        forumGuild,
        String(asked.id),
      ),
    ).toBe(1);
  });
});
