/**
 * Fault suite — digest posts: a moderator runs /convene digest post-now 20 times, and each time the
 * real bot is killed -9 at a seeded point of it (acknowledging the command, answering it, or posting
 * the digest; before or after Discord carried the request out), then restarted. The emulator's nonce
 * window is shortened to 100 ms. Every digest that was decided is in the channel exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type Db, openDb } from '../../src/db/connection.js';
import { type Community, makeCommunity, startBot, waitFor } from '../e2e/harness.js';
import { armKill, type Bot, launch, prng, stop, tearDown } from './crash.js';

let community: Community | undefined;
let setup: App | undefined;
let db: Db | undefined;
const bots: Bot[] = [];

afterEach(async () => {
  await tearDown({ community, setup, db, bots });
  community = setup = db = undefined;
});

const POINTS = 20;
const ENV = { CONVENE_OUTBOX_LEASE: '1s' };
/** A post-now: the deferral, the answer to the moderator, the digest itself. */
const STEPS = new Set([
  'POST /interactions/:interaction_id/:interaction_token/callback',
  'PATCH /webhooks/:webhook_id/:webhook_token/messages/:message_id',
  'POST /channels/:channel_id/messages',
]);
const DAY = 86_400_000;

const count = (d: Db, sql: string, ...params: unknown[]) => (d.$client.prepare(sql).get(...params) as { n: number }).n;

describe('fault suite: digest posts', () => {
  it.each([5])(
    'GIVEN seed %i: the bot is killed -9 at 20 seeded points of digest posts THEN every digest decided is posted exactly once',
    async (seed) => {
      const random = prng(seed);
      community = await makeCommunity({ nonceWindowMs: 100 });
      const c = community;
      const { sandbox, guild, members, moderator } = c;
      const channel = guild.channels.intros!;
      setup = await startBot(c);
      await sandbox.runCommand(guild.id, guild.channels.general!, moderator, 'convene digest set', {
        channel,
        day: 'monday',
        time: '09:00',
        timezone: 'Europe/Berlin',
      });
      const q = sandbox.openForumPost(guild.id, guild.channels.questions!, members.bob!, {
        title: 'Compute shader barriers?',
        content: 'When do I need a memory barrier?',
        at: Date.now() - 2 * DAY,
      });
      sandbox.say(guild.id, q.thread.id, members.cyd!, 'Between the dispatch and the read.', { at: Date.now() - DAY });
      sandbox.say(guild.id, guild.channels.general!, members.dee!, 'Anyone tried mesh shaders?', {
        at: Date.now() - DAY,
      });
      db = openDb(c.dbPath);
      const d = db;
      await waitFor(() => count(d, 'SELECT count(*) AS n FROM messages') >= 3, 20_000, 'the week to be stored');
      await setup.stop();
      setup = undefined;

      const fired: string[] = [];
      let asked = 0;
      for (let point = 0; point < POINTS; point++) {
        const n = 1 + Math.floor(random() * STEPS.size);
        const phase = random() < 0.5 ? 'before' : 'after';
        let bot: Bot | undefined;
        const kill = armKill(c, () => bot, { matches: (r) => STEPS.has(r.route), n, phase });
        bot = launch(c, ENV);
        bots.push(bot);
        let killed = false;
        void kill.fired.then(() => {
          killed = true;
        });
        const up = await Promise.race([
          bot.running.then(
            () => true,
            () => false,
          ),
          kill.fired.then(() => false),
        ]);
        if (up) {
          asked++;
          sandbox
            .runCommand(
              guild.id,
              guild.channels.general!,
              moderator,
              'convene digest post-now',
              {},
              { timeoutMs: 30_000 },
            )
            .catch(() => {}); // the bot may die before it answers
        }
        await waitFor(() => killed, 30_000, `kill point ${point}`);
        fired.push(`${point}:${phase}#${n}`);
        kill.disarm();
        await stop(bot);
      }
      const last = launch(c, ENV);
      bots.push(last);
      await last.running;
      await waitFor(
        () => count(d, "SELECT count(*) AS n FROM outbox WHERE status = 'pending'") === 0,
        30_000,
        'the outbox to drain',
      );
      await stop(last);

      // Each digest row sent its own nonce ("cv<row id>"): the emulator keeps it on the message.
      const decided = d.$client.prepare("SELECT id FROM outbox WHERE key LIKE 'digest:%'").all() as { id: number }[];
      const posted = sandbox.messagesIn(channel).filter((m) => m.authorId === sandbox.botUserId);
      const copies = (id: number) => posted.filter((m) => m.nonce === `cv${id}`).length;
      const figures = {
        killed: fired.length,
        lost: decided.filter((r) => copies(r.id) === 0).length,
        duplicates: decided.reduce((sum, r) => sum + Math.max(0, copies(r.id) - 1), 0),
        strays: posted.filter((m) => !decided.some((r) => m.nonce === `cv${r.id}`)).length,
        failedRows: count(d, "SELECT count(*) AS n FROM outbox WHERE status = 'failed'"),
      };
      console.log(
        `digest posts seed ${seed}: ${JSON.stringify({ ...figures, asked, decided: decided.length })} kill points: ${fired.join(' ')}`,
      );
      // Most post-nows are decided before their kill; some die before (the moderator would ask again).
      expect(decided.length).toBeGreaterThanOrEqual(POINTS / 2);
      expect(figures).toEqual({ killed: POINTS, lost: 0, duplicates: 0, strays: 0, failedRows: 0 });
    },
    240_000,
  );
});
