/**
 * Issue 12 §6, the narrowest case: the real bot dies right after Discord created an intro thread and
 * before it could record the thread's id; it is restarted after the emulator's nonce window (100 ms)
 * and the outbox lease. The restarted bot finds the thread it made instead of opening a second one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, migrateDb, openDb } from '../../src/db/connection.js';
import { asChannelId, asGuildId, asMemberId } from '../../src/events.js';
import { enqueue } from '../../src/outbox/store.js';
import { type Community, makeCommunity, waitFor } from '../e2e/harness.js';
import { armKill, type Bot, launch, stop } from './crash.js';

let community: Community | undefined;
let db: Db | undefined;
const bots: Bot[] = [];

afterEach(async () => {
  community?.sandbox.onRequest(null);
  for (const bot of bots.splice(0)) await stop(bot);
  db?.$client.close();
  db = undefined;
  await community?.sandbox.close();
  community = undefined;
});

const ENV = { CONVENE_OUTBOX_LEASE: '1s' };

describe('a crash between creating an intro thread and recording it', () => {
  it.each(['POST /channels/:channel_id/threads', 'POST /channels/:channel_id/messages'])(
    'GIVEN the bot is killed -9 right after Discord carried out %s THEN after a restart there is one thread with one opening message',
    async (route) => {
      community = await makeCommunity({ nonceWindowMs: 100 });
      const { sandbox, guild, members } = community;
      db = openDb(community.dbPath);
      migrateDb(db);
      const pair = [asMemberId(members.bob!), asMemberId(members.cyd!)];
      enqueue(
        db,
        [
          {
            platform: 'discord',
            guildId: asGuildId(guild.id),
            key: 'intro:crash',
            action: {
              type: 'thread.create',
              channelId: asChannelId(guild.channels.intros!),
              name: 'Intro: Bob & Cyd',
              memberIds: pair,
              body: { content: '👋 Bob, meet Cyd! You both write vulkan shaders.', mentions: { members: pair } },
            },
          },
        ],
        Date.now(),
      );
      let first: Bot | undefined;
      const kill = armKill(community, () => first, { matches: (r) => r.route === route, n: 1, phase: 'after' });
      first = launch(community, ENV);
      bots.push(first);
      await kill.fired;
      await first.exited;
      kill.disarm();
      const second = launch(community, ENV);
      bots.push(second);
      const d = db;
      await waitFor(
        () =>
          (d.$client.prepare("SELECT status FROM outbox WHERE key = 'intro:crash'").get() as { status: string })
            .status === 'done',
        30_000,
        'the thread to be finished',
      );
      const threads = sandbox.threadsIn(guild.channels.intros!);
      const figures = {
        threads: threads.length,
        openings: threads.map((t) => sandbox.messagesIn(t.id).length),
        members: threads.map((t) =>
          [...(sandbox.channel(t.id)?.thread?.members.keys() ?? [])].filter((id) => id !== sandbox.botUserId).sort(),
        ),
      };
      console.log(`killed after ${route}: ${JSON.stringify(figures)}`);
      expect(figures).toEqual({ threads: 1, openings: [1], members: [[...pair].sort()] });
    },
    60_000,
  );
});
