/**
 * Fault suite — outbox drain: the real bot is killed -9 at seeded points while it sends messages,
 * DMs and private threads, and restarted each time, with the emulator's nonce window shortened to
 * 100 ms (so a resend after a restart is not saved by Discord's nonce). Afterwards every action was
 * carried out exactly once: none lost, none duplicated, no thread left without its opening message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxItem } from '../../src/actions.js';
import { type Db, migrateDb, openDb } from '../../src/db/connection.js';
import { asChannelId, asGuildId, asMemberId } from '../../src/events.js';
import { enqueue } from '../../src/outbox/store.js';
import { type Community, makeCommunity, waitFor } from '../e2e/harness.js';
import { armKill, type Bot, launch, prng, stop, tearDown } from './crash.js';

let community: Community | undefined;
let db: Db | undefined;
const bots: Bot[] = [];

afterEach(async () => {
  await tearDown({ community, db, bots });
  community = db = undefined;
});

const POINTS = 20;
/** Short enough that the next bot takes over the killed bot's rows as soon as it is up. */
const ENV = { CONVENE_OUTBOX_LEASE: '1s' };
const WORKLOAD = new Set([
  'POST /channels/:channel_id/messages',
  'POST /channels/:channel_id/threads',
  'PUT /channels/:channel_id/thread-members/:user_id',
  'POST /users/@me/channels',
]);
/** The batch below makes 8 such requests: 2 posts, a DM (channel + post), a thread (create, 2 members, post). */
const REQUESTS_PER_BATCH = 8;

function batch(c: Community, point: number): OutboxItem[] {
  const { guild, members } = c;
  const base = { platform: 'discord' as const, guildId: asGuildId(guild.id) };
  const marker = (j: number) => `Drain check ${point}.${j}: the shader club meets on Friday.`;
  return [
    {
      ...base,
      key: `fault:${point}:0`,
      action: { type: 'message.send', channelId: asChannelId(guild.channels.general!), body: { content: marker(0) } },
    },
    {
      ...base,
      key: `fault:${point}:1`,
      action: { type: 'message.send', channelId: asChannelId(guild.channels.help!), body: { content: marker(1) } },
    },
    {
      ...base,
      key: `fault:${point}:2`,
      action: { type: 'dm.send', memberId: asMemberId(members.bob!), body: { content: marker(2) } },
    },
    {
      ...base,
      key: `fault:${point}:3`,
      action: {
        type: 'thread.create',
        channelId: asChannelId(guild.channels.intros!),
        name: `Intro: check ${point}`,
        memberIds: [asMemberId(members.cyd!), asMemberId(members.dee!)],
        body: { content: marker(3), mentions: { members: [asMemberId(members.cyd!), asMemberId(members.dee!)] } },
      },
    },
  ];
}

const pending = (d: Db) =>
  (d.$client.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n;

describe('fault suite: outbox drain', () => {
  it.each([11])(
    'GIVEN seed %i: the bot is killed -9 at 20 seeded points of a drain (before or after Discord carried out a request) THEN every message and thread exists exactly once, none empty',
    async (seed) => {
      const random = prng(seed);
      community = await makeCommunity({ nonceWindowMs: 100 });
      const c = community;
      db = openDb(c.dbPath);
      migrateDb(db);
      const fired: string[] = [];
      for (let point = 0; point < POINTS; point++) {
        enqueue(db, batch(c, point), Date.now());
        const n = 1 + Math.floor(random() * REQUESTS_PER_BATCH);
        const phase = random() < 0.5 ? 'before' : 'after';
        let bot: Bot | undefined;
        const kill = armKill(c, () => bot, { matches: (r) => WORKLOAD.has(r.route), n, phase });
        bot = launch(c, ENV);
        bots.push(bot);
        const d = db;
        let killed = false;
        void kill.fired.then(() => {
          killed = true;
        });
        await waitFor(() => killed || pending(d) === 0, 30_000, `kill point ${point}`);
        if (killed) fired.push(`${point}:${phase}#${n}`);
        kill.disarm();
        await stop(bot);
      }
      // A last bot finishes what the last kill left.
      const last = launch(c, ENV);
      bots.push(last);
      await last.running;
      const d = db;
      await waitFor(() => pending(d) === 0, 30_000, 'the outbox to drain');
      await stop(last);

      const { sandbox, guild, members } = c;
      const threads = sandbox.threadsIn(guild.channels.intros!);
      const posted = [
        ...sandbox.messagesIn(guild.channels.general!),
        ...sandbox.messagesIn(guild.channels.help!),
        ...sandbox.dmsTo(members.bob!),
        ...threads.flatMap((t) => sandbox.messagesIn(t.id)),
      ].map((m) => m.content);
      const expected = Array.from({ length: POINTS }, (_, p) =>
        batch(c, p).map((item) => ('body' in item.action ? item.action.body.content : '')),
      ).flat();
      const copies = (text: string) => posted.filter((p) => p === text).length;
      const threadNames = threads.map((t) => t.name);
      const figures = {
        killed: fired.length,
        lost: expected.filter((t) => copies(t) === 0).length,
        duplicates: expected.reduce((sum, t) => sum + Math.max(0, copies(t) - 1), 0),
        duplicateThreads: threadNames.length - new Set(threadNames).size,
        emptyThreads: threads.filter((t) => sandbox.messagesIn(t.id).length === 0).length,
        failedRows: (
          db.$client.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'failed'").get() as { n: number }
        ).n,
      };
      console.log(`drain seed ${seed}: ${JSON.stringify(figures)} kill points: ${fired.join(' ')}`);
      expect(figures).toEqual({
        killed: POINTS,
        lost: 0,
        duplicates: 0,
        duplicateThreads: 0,
        emptyThreads: 0,
        failedRows: 0,
      });
    },
    240_000,
  );
});
