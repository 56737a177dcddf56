/**
 * Long backfills (hundreds of messages missed while Convene was down): the real bot (discord.js)
 * against the Discord emulator, stopped, the community carries on, restarted. (Split from
 * backfill.test.ts: on PostgreSQL these exceed their time today; see vitest.postgres.config.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { backfilled, type Community, makeCommunity, rows, startBot, waitFor } from './harness.js';

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
