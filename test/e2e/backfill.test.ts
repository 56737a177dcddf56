/**
 * What was said while Convene was down comes back on restart: the real bot (discord.js) against the
 * Discord emulator, stopped, the community carries on (posts, edits, deletes, reactions), restarted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { backfilled, type Community, makeCommunity, rows, startBot, waitFor } from './harness.js';

const HOUR = 3_600_000;
let community: Community | undefined;
let app: App | undefined;

afterEach(async () => {
  await app?.stop();
  await community?.sandbox.close();
  app = undefined;
  community = undefined;
});

const stored = async (bot: App, messageId: string) =>
  (await rows(bot, 'SELECT message_id FROM messages WHERE message_id = ?', messageId)).length > 0;

async function health(bot: App): Promise<{ code: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${bot.httpPort}/healthz`);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('messages missed while down', () => {
  it('GIVEN 800 messages posted in one channel while the bot was down THEN a restart stores every one, oldest first', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members } = community;
    app = await startBot(community);
    const before = sandbox.say(
      guild.id,
      guild.channels.general!,
      members.bob!,
      'the last thing said before the outage',
      {
        at: Date.now() - 60_000,
      },
    );
    await waitFor(() => stored(app!, before.id), 10_000, 'the message before the outage');
    await app.stop();
    app = undefined;

    const authors = [members.bob!, members.cyd!, members.dee!, members.eve!];
    const start = before.createdAt + 1_000;
    const missed = Array.from({ length: 800 }, (_, i) =>
      sandbox.say(guild.id, guild.channels.general!, authors[i % authors.length]!, `missed message ${i} on shaders`, {
        at: start + i * 20,
      }),
    );
    const restartedAt = Date.now();
    app = await startBot(community);
    await backfilled(app, restartedAt);

    const have = new Set(
      (await rows(app, 'SELECT message_id FROM messages WHERE channel_id = ?', guild.channels.general)).map((r) =>
        String(r.message_id),
      ),
    );
    const lost = missed.filter((m) => !have.has(m.id));
    expect(lost).toHaveLength(0);
    // Oldest first: every page is read forwards from what the bot already had.
    const reads = sandbox.requests.filter(
      (r) => r.method === 'GET' && r.path === `/channels/${guild.channels.general}/messages` && r.status === 200,
    );
    expect(reads.length).toBeGreaterThanOrEqual(8);
    expect(reads.every((r) => r.query.after !== undefined && r.query.before === undefined)).toBe(true);
  }, 60_000);

  it('GIVEN a message older than CONVENE_BACKFILL_HORIZON THEN it is not read; a newer one is', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members } = community;
    const old = sandbox.say(guild.id, guild.channels.general!, members.bob!, 'ancient history', {
      at: Date.now() - 3 * HOUR,
    });
    const recent = sandbox.say(guild.id, guild.channels.general!, members.bob!, 'recent news', {
      at: Date.now() - HOUR,
    });
    const startedAt = Date.now();
    app = await startBot(community, { CONVENE_BACKFILL_HORIZON: '2h' });
    await backfilled(app, startedAt);
    expect(await stored(app, recent.id)).toBe(true);
    expect(await stored(app, old.id)).toBe(false);
  });

  it('GIVEN a long backfill THEN a live message is stored before the backfill finishes', async () => {
    community = await makeCommunity({
      // Discord paces history reads; slow them down so the backfill takes a few seconds.
      rateLimit: { routes: { 'GET /channels/:channel_id/messages': { limit: 1, windowMs: 500 } } },
    });
    const { sandbox, guild, members } = community;
    const start = Date.now() - 600 * 10;
    for (let i = 0; i < 600; i++) {
      sandbox.say(guild.id, guild.channels.general!, members.bob!, `history ${i}`, { at: start + i * 10 });
    }
    const startedAt = Date.now();
    const starting = startBot(community);
    await waitFor(
      () =>
        sandbox.requests.some(
          (r) => r.method === 'GET' && r.path.includes(`/channels/${guild.channels.general}/messages`),
        ),
      20_000,
      'the backfill to start reading #general',
    );
    const live = sandbox.say(guild.id, guild.channels.help!, members.cyd!, 'is anyone around?');
    app = await starting;
    let liveStoredFirst: boolean | undefined;
    await waitFor(
      async () => {
        if (await stored(app!, live.id)) liveStoredFirst ??= (app!.deps.status.lastBackfill?.at ?? 0) < startedAt;
        return liveStoredFirst !== undefined;
      },
      20_000,
      'the live message',
    );
    expect(liveStoredFirst).toBe(true);
    await backfilled(app, startedAt);
    expect(
      (await rows(app, 'SELECT count(*) AS n FROM messages WHERE channel_id = ?', guild.channels.general))[0]!.n,
    ).toBe(600);
  }, 60_000);
});

describe('edits, deletes and reactions made while down', () => {
  it('GIVEN a message deleted and one edited while down THEN the deleted one loses its keywords and the edited one is re-derived', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members } = community;
    app = await startBot(community);
    const kept = sandbox.say(guild.id, guild.channels.general!, members.bob!, 'vulkan pipelines are tricky');
    const edited = sandbox.say(guild.id, guild.channels.general!, members.cyd!, 'opengl buffers keep leaking');
    const deleted = sandbox.say(guild.id, guild.channels.general!, members.dee!, 'raytracing secrets revealed');
    await waitFor(
      async () => (await Promise.all([kept, edited, deleted].map((m) => stored(app!, m.id)))).every(Boolean),
      10_000,
      'three messages',
    );
    await app.stop();
    app = undefined;

    sandbox.editMessage(edited.id, 'metal shaders compile slowly');
    sandbox.deleteMessage(deleted.id);
    const restartedAt = Date.now();
    app = await startBot(community);
    await backfilled(app, restartedAt);

    const row = async (id: string) =>
      (await rows(app!, 'SELECT terms, edited_at, deleted_at FROM messages WHERE message_id = ?', id))[0]!;
    expect(await row(deleted.id)).toMatchObject({ terms: '', deleted_at: expect.any(Number) });
    expect(String((await row(edited.id)).terms)).toMatch(/metal/);
    expect(String((await row(edited.id)).terms)).not.toMatch(/opengl/);
    expect((await row(edited.id)).edited_at).toEqual(expect.any(Number));
    expect(await row(kept.id)).toMatchObject({ deleted_at: null, edited_at: null });
    expect(String((await row(kept.id)).terms)).toMatch(/vulkan/);
  });

  it('GIVEN reactions added and removed while down THEN they are reconciled and the asker’s ✅ marks the question solved', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members } = community;
    app = await startBot(community);
    const post = sandbox.openForumPost(guild.id, guild.channels.questions!, members.eve!, {
      title: 'Why does my vulkan fence never signal?',
      content: 'I submit and wait on the fence but it never signals. What am I missing?',
      at: Date.now() - 2 * HOUR,
    });
    const answer = sandbox.say(guild.id, post.thread.id, members.bob!, 'You must pass the fence to vkQueueSubmit', {
      at: Date.now() - HOUR,
    });
    sandbox.react(post.thread.id, answer.id, members.dee!, '👍');
    await waitFor(
      async () =>
        (await rows(app!, 'SELECT 1 FROM reactions WHERE message_id = ? AND member_id = ?', answer.id, members.dee))
          .length,
      10_000,
      'the reaction before the outage',
    );
    await app.stop();
    app = undefined;

    sandbox.react(post.thread.id, answer.id, members.eve!, '✅');
    sandbox.react(post.thread.id, answer.id, members.cyd!, '👍');
    sandbox.unreact(post.thread.id, answer.id, members.dee!, '👍');
    const restartedAt = Date.now();
    app = await startBot(community);
    await backfilled(app, restartedAt);

    expect(
      await rows(
        app,
        'SELECT member_id, emoji FROM reactions WHERE message_id = ? ORDER BY member_id, emoji',
        answer.id,
      ),
    ).toEqual(
      [
        { member_id: members.cyd, emoji: '👍' },
        { member_id: members.eve, emoji: '✅' },
      ].sort((a, b) => a.member_id!.localeCompare(b.member_id!)),
    );
    expect(await rows(app, 'SELECT solved_via FROM questions WHERE question_id = ?', post.thread.id)).toEqual([
      { solved_via: expect.stringMatching(/reaction/) },
    ]);
  });
});

describe('members who came and went while down', () => {
  it('GIVEN a member left and another joined while down THEN the restart marks one left and stores the other', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members } = community;
    app = await startBot(community);
    await app.stop();
    app = undefined;
    sandbox.removeMember(guild.id, members.dee!);
    const fay = sandbox.addUser({ username: 'fay' });
    sandbox.addMember(guild.id, fay.id, { at: Date.now() - 60_000 });
    app = await startBot(community);
    const member = async (id: string) =>
      (await rows(app!, 'SELECT joined_at, left_at FROM members WHERE member_id = ?', id))[0];
    expect(await member(members.dee!)).toMatchObject({ left_at: expect.any(Number) });
    expect(await member(fay.id)).toMatchObject({ joined_at: expect.any(Number), left_at: null });
    expect(await member(members.eve!)).toMatchObject({ left_at: null });
  });
});

describe('a fresh gateway session', () => {
  it('GIVEN the server invalidates the session THEN what was said meanwhile is backfilled and /healthz is green again', async () => {
    community = await makeCommunity();
    const { sandbox, guild, members } = community;
    app = await startBot(community);
    expect((await health(app)).code).toBe(200);
    const identifiesBefore = sandbox.gatewayStats.identifies;
    sandbox.sendInvalidSession(false);
    // The session is gone: this message reaches no gateway connection, only the history.
    const missed = sandbox.say(guild.id, guild.channels.general!, members.cyd!, 'said between two sessions');
    await waitFor(() => sandbox.gatewayStats.identifies > identifiesBefore, 20_000, 'a new session');
    await waitFor(() => stored(app!, missed.id), 20_000, 'the missed message to be backfilled');
    const deadline = Date.now() + 10_000;
    let last = await health(app);
    while (last.code !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      last = await health(app);
    }
    expect(last).toMatchObject({ code: 200, body: { platforms: { discord: { up: true } } } });
  });
});
