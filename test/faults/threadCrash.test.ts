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
import { armKill, type Bot, launch, tearDown } from './crash.js';

let community: Community | undefined;
let db: Db | undefined;
const bots: Bot[] = [];

afterEach(async () => {
  await tearDown({ community, db, bots });
  community = db = undefined;
});

const ENV = { CONVENE_OUTBOX_LEASE: '1s' };

function enqueueIntro(c: Community, d: Db) {
  const pair = [asMemberId(c.members.bob!), asMemberId(c.members.cyd!)];
  enqueue(
    d,
    [
      {
        platform: 'discord',
        guildId: asGuildId(c.guild.id),
        key: 'intro:crash',
        action: {
          type: 'thread.create',
          channelId: asChannelId(c.guild.channels.intros!),
          name: 'Intro: Bob & Cyd',
          memberIds: pair,
          body: { content: '👋 Bob, meet Cyd! You both write vulkan shaders.', mentions: { members: pair } },
        },
      },
    ],
    Date.now(),
  );
  return pair;
}

function figuresOf(c: Community) {
  const { sandbox } = c;
  const threads = sandbox.threadsIn(c.guild.channels.intros!);
  return {
    threads: threads.length,
    openings: threads.map((t) => sandbox.messagesIn(t.id).length),
    members: threads.map((t) =>
      [...(sandbox.channel(t.id)?.thread?.members.keys() ?? [])].filter((id) => id !== sandbox.botUserId).sort(),
    ),
  };
}

const done = (d: Db) =>
  (d.$client.prepare("SELECT status FROM outbox WHERE key = 'intro:crash'").get() as { status: string }).status ===
  'done';

describe('a crash between creating an intro thread and recording it', () => {
  it.each([
    { lost: 'the connection resets', answer: true as const },
    { lost: 'Discord answers 500', answer: { status: 500 } },
  ])(
    'GIVEN Discord created the thread but $lost while the bot lives THEN it does not open a second thread',
    async ({ lost, answer }) => {
      community = await makeCommunity({ nonceWindowMs: 100 });
      db = openDb(community.dbPath);
      migrateDb(db);
      const pair = enqueueIntro(community, db);
      let spoiled = 0;
      community.sandbox.onRequest((r, phase) => {
        if (spoiled > 0 || phase !== 'after' || r.route !== 'POST /channels/:channel_id/threads') return false;
        spoiled++;
        return answer;
      });
      const bot = launch(community, ENV);
      bots.push(bot);
      const d = db;
      await waitFor(() => done(d), 30_000, 'the thread to be finished');
      const figures = figuresOf(community);
      console.log(`${lost} after POST /channels/:channel_id/threads: ${JSON.stringify(figures)}`);
      expect(spoiled).toBe(1);
      expect(figures).toEqual({ threads: 1, openings: [1], members: [[...pair].sort()] });
    },
    60_000,
  );

  it.each(['POST /channels/:channel_id/threads', 'POST /channels/:channel_id/messages'])(
    'GIVEN the bot is killed -9 right after Discord carried out %s THEN after a restart there is one thread with one opening message',
    async (route) => {
      community = await makeCommunity({ nonceWindowMs: 100 });
      db = openDb(community.dbPath);
      migrateDb(db);
      const pair = enqueueIntro(community, db);
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
      await waitFor(() => done(d), 30_000, 'the thread to be finished');
      const figures = figuresOf(community);
      console.log(`killed after ${route}: ${JSON.stringify(figures)}`);
      expect(figures).toEqual({ threads: 1, openings: [1], members: [[...pair].sort()] });
    },
    60_000,
  );
});
