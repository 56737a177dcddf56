/**
 * A compressed day of three communities run by three real bot processes (src/main.ts, the real
 * discord.js client), one Discord shard each, on ONE SQLite file (WAL), all through one REST proxy
 * (src/proxy.ts) against the emulator at Discord's own rate limits. Members join (welcome DMs), ask
 * questions that nobody answers (nudges once the moderator's `after:` has passed: questions are
 * posted with a time in the past, which is how the day is compressed), opt in to intros and get an
 * intro round (private threads), and each server gets its digest. Halfway the process of shard 1 is
 * killed -9; more members join and ask there while it is down (no other process hears that shard),
 * then it is restarted on the same shard, as a supervisor would, and catches up.
 *
 * Counted on the emulator: each welcome once per joiner, each nudge once per question, each intro
 * thread once per pair, each digest once per server, no 429; every command answered as asked.
 *
 * Nothing waits a fixed time: each step waits for what the product says (a backfill that read every
 * channel, in the processes' logs; the killed process's outbox leases ended; two more nudge scans of
 * every server in job_runs and no pending outbox row once the day is done), with generous time-outs
 * for a loaded machine. A restarted process's scheduled work waits for its backfill (before, its first
 * scan could route a nudge before the history it missed was read).
 *
 * Figures of the last 5 runs in a row on a shared 2-core machine (runs 4 and 5 with
 * test/faults/manyProcesses.test.ts alongside), 38-49 s each (50-112 s in earlier runs while other
 * sessions kept the load average at 13-19): per server 8 welcomes [1 × 8], 4 nudges [1 × 4], 2 intro
 * threads opened once each (4 members, nobody twice), 1 digest; 0 × 429 of 186-189 requests at the
 * emulator's Discord limits; 0 outbox rows left; no process logged a warning or an error. Shard 1
 * was killed after 1 to 4 of its morning welcomes; the others' processes and the restarted one
 * shared its actions (the outbox is not split by shard, only the gateway and the scheduler are);
 * 1 to 4 of its rows were done on a second attempt (taken over from the killed one's leases)
 * without a second message; its two afternoon joiners had 0 welcomes until the restart, then 1.
 * The emulator's nonce de-duplication is off, so a second send would show as a second message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Db, openDb } from '../../src/db/connection.js';
import { type DiscordSandbox, startDiscordSandbox } from '../../src/sandbox/discord/index.js';
import type { GuildHandle } from '../../src/sandbox/discord/world.js';
import { shardOfGuild } from '../../src/shards.js';
import { waitFor, zoneWhereItIs } from '../e2e/harness.js';
import { type BotProcess, killHard, killProcesses, startProcess, stopProcesses } from '../helpers/processes.js';

const SHARDS = 3;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let sandbox: DiscordSandbox | undefined;
let dir: string | undefined;
let store: Db | undefined;
afterEach(async () => {
  await killProcesses();
  store?.$client.close();
  store = undefined;
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sandbox = undefined;
  dir = undefined;
});

/** What the regulars talked about (the intro round matches on it). */
const TOPICS: Record<string, string[]> = {
  bob: ['vulkan compute shader barriers', 'vulkan descriptor sets and shader bindings'],
  cyd: ['vulkan shader pipeline cache', 'compute shader workgroup size vulkan'],
  dee: ['sourdough bread baking temperature', 'bread flour hydration'],
  eve: ['sourdough starter feeding', 'cast iron bread baking'],
};

/** Unanswered questions, one per wave: forum posts (even waves) and #help messages (odd ones). */
const QUESTIONS = [
  {
    title: 'Vulkan descriptor sets keep getting invalidated',
    body: 'My vulkan descriptor sets are invalid after I update them. What am I doing wrong?',
  },
  {
    title: 'Sourdough bread comes out flat',
    body: 'My sourdough bread is flat after baking, is my bread flour the problem?',
  },
  { title: 'Vulkan shader pipeline cache misses', body: 'Why does my vulkan pipeline cache miss on every start?' },
  { title: 'Bread flour hydration for sourdough', body: 'How much water does bread flour need for a sourdough loaf?' },
];

interface Club {
  guild: GuildHandle;
  shard: number;
  joiners: string[];
  /** Question threads (forum posts) and #help messages, each to be nudged once. */
  questions: { channelId: string; messageId: string }[];
}

describe('a day of three communities on three processes', () => {
  it('GIVEN 3 shards on 3 processes over one SQLite file and one REST proxy, one killed -9 halfway and restarted THEN every welcome, nudge, intro thread and digest happens exactly once, with no 429', async () => {
    const sb = await startDiscordSandbox({
      heartbeatIntervalMs: 1_000,
      nonceWindowMs: 0,
      // Discord's 3 s to acknowledge a command is a deadline on wall time: on a shared 2-core machine
      // running five node processes (and CI's other workers), the emulator itself was starved for 3 s
      // at times and failed interactions answered in time. What is tested here is exactly-once.
      interactionAckTimeoutMs: 15_000,
    });
    sandbox = sb;
    dir = mkdtempSync(join(tmpdir(), 'convene-day-'));
    const dbPath = join(dir, 'convene.db');
    const past = Date.now() - 20 * DAY;

    const users: Record<string, string> = {};
    for (const name of ['ada', ...Object.keys(TOPICS)])
      users[name] = sb.addUser({ username: name, globalName: name[0]!.toUpperCase() + name.slice(1), at: past }).id;
    // Guild ids a millisecond apart: one on each shard.
    const made: Club[] = Array.from({ length: SHARDS }, (_, k) => {
      const guild = sb.createGuild({
        name: `Club ${k}`,
        at: past + k,
        channels: [
          { name: 'welcome', type: 'text', topic: 'Say hi' },
          { name: 'general', type: 'text', topic: 'Anything goes' },
          { name: 'help', type: 'text', topic: 'Ask for help here' },
          { name: 'questions', type: 'forum', topic: 'Long-form questions', tags: ['solved'] },
          { name: 'intros', type: 'text', topic: 'Introductions made by Convene' },
          { name: 'digest', type: 'text', topic: 'The weekly digest' },
        ],
      });
      for (const [name, id] of Object.entries(users))
        sb.addMember(guild.id, id, {
          at: past + 1000,
          roles: name === 'ada' && guild.moderatorRoleId ? [guild.moderatorRoleId] : [],
        });
      // History: cyd answered vulkan questions, dee bread ones; everyone chatted about their topics.
      const forum = guild.channels.questions!;
      for (const [i, [asker, helper, title, answer]] of [
        [
          'bob',
          'cyd',
          'How do vulkan descriptor sets work?',
          'Allocate vulkan descriptor sets from a pool and update them before binding',
        ],
        [
          'bob',
          'cyd',
          'Vulkan descriptor pool exhausted, why?',
          'Your vulkan descriptor pool is too small for the sets you allocate',
        ],
        ['eve', 'dee', 'Why is my sourdough bread flat?', 'Sourdough bread needs a strong starter and bread flour'],
        ['eve', 'dee', 'Bread flour or all purpose for sourdough?', 'Bread flour gives sourdough bread more structure'],
      ].entries()) {
        // Within the backfill horizon (14 days): the processes learn it when they start.
        const asked = Date.now() - (10 - i) * DAY;
        const post = sb.openForumPost(guild.id, forum, users[asker!]!, { title: title!, content: title!, at: asked });
        sb.say(guild.id, post.thread.id, users[helper!]!, answer!, { at: asked + 3_600_000 });
      }
      let t = Date.now() - 2 * DAY;
      for (const [name, lines] of Object.entries(TOPICS))
        for (const line of lines) sb.say(guild.id, guild.channels.general!, users[name]!, line, { at: t++ });
      return { guild, shard: shardOfGuild(guild.id, SHARDS), joiners: [], questions: [] };
    });
    const clubs = [...made].sort((a, b) => a.shard - b.shard);
    expect(clubs.map((c) => c.shard)).toEqual([0, 1, 2]);

    // One REST budget for the bot: every process goes through the proxy.
    const proxy = startProcess(SHARDS, {
      env: {
        DISCORD_TOKEN: sb.botToken,
        DISCORD_API_URL: sb.apiUrl,
        DISCORD_REST_PROXY_PORT: '0',
        LOG_LEVEL: 'info',
      },
      script: 'src/proxy.ts',
      readyText: 'set DISCORD_REST_PROXY=',
    });
    await proxy.ready;
    const proxyUrl = proxy.output().match(/set DISCORD_REST_PROXY=(http:\/\/[^\s"]+)/)![1]!;
    const options = {
      env: {
        DISCORD_TOKEN: sb.botToken,
        DISCORD_API_URL: sb.apiUrl,
        DISCORD_REST_PROXY: proxyUrl,
        DISCORD_SHARD_COUNT: String(SHARDS),
        DATABASE_URL: `file:${dbPath}`,
        LOG_LEVEL: 'info',
        HTTP_PORT: '0',
        CONVENE_SCAN_INTERVAL: '2s',
        CONVENE_OUTBOX_LEASE: '3s',
        CONVENE_JOB_LEASE: '3s',
      },
      envOf: (i: number) => ({ DISCORD_SHARDS: String(i) }),
    };
    // The test's own connection to the shared file, opened before the processes (opening writes, and
    // a write would wait for their lock, stalling the emulator in this process); it only reads after.
    const db = openDb(dbPath);
    store = db;
    // Shard 0 first: it migrates the database and registers the commands.
    const bots: BotProcess[] = [startProcess(0, options)];
    await bots[0]!.ready;
    bots.push(startProcess(1, options), startProcess(2, options));
    await Promise.all(bots.map((b) => b.ready));
    // A backfill that read every channel to its end (one cut short by a busy database is run again).
    const caughtUp = (b: BotProcess, guildId: string, since = 0) =>
      b
        .logs()
        .some(
          (l) =>
            l.msg === 'backfill done' && l.guildId === guildId && l.finished === true && Number(l.time ?? 0) >= since,
        );
    await waitFor(() => clubs.every((c) => caughtUp(bots[c.shard]!, c.guild.id)), 90_000, 'every backfill');

    // Morning: the moderator sets the day up; the regulars opt in to intros and say where they live.
    const awake = zoneWhereItIs(13, Date.now());
    /** The reply's text, or why there was none (checked below, after the figures are printed). */
    const command = async (c: Club, who: string, name: string, opts: Record<string, unknown> = {}) => {
      try {
        const r = await sb.runCommand(c.guild.id, c.guild.channels.general!, who, name, opts as never);
        return r.content;
      } catch (error) {
        return `(no reply to /${name}: ${(error as Error).message})`;
      }
    };
    const morning = await Promise.all(
      clubs.map(async (c) => {
        const replies = [
          await command(c, users.ada!, 'convene questions set', { after: '10m' }),
          await command(c, users.ada!, 'convene intros set', { channel: c.guild.channels.intros!, size: 2 }),
          await command(c, users.ada!, 'convene digest set', { channel: c.guild.channels.digest! }),
        ];
        for (const name of Object.keys(TOPICS)) {
          replies.push(await command(c, users[name]!, 'profile set', { timezone: awake }));
          replies.push(await command(c, users[name]!, 'intros join'));
        }
        return replies;
      }),
    );

    /**
     * A wave: two members join each club, and one question (forum or #help, alternating) goes
     * unanswered for 15 minutes. ada asks (she is no one's peer for her own questions), so four
     * regulars may be asked, twice a day each: room for two peers on each of the four questions
     * whichever scans decide them. (With bob asking, three regulars held six asks; when a scan
     * decided the morning's two questions apart, the recent asks' load sent both peers of the
     * second to eve, and the day's fourth question found nobody left to ask.)
     */
    let joined = 0;
    const wave = (n: number) => {
      for (const c of clubs) {
        for (let j = 0; j < 2; j++) {
          const user = sb.addUser({ username: `new${++joined}`, globalName: `Newcomer ${joined}`, at: past });
          sb.addMember(c.guild.id, user.id, { at: Date.now() });
          c.joiners.push(user.id);
        }
        const q = QUESTIONS[n % QUESTIONS.length]!;
        const at = Date.now() - 15 * MINUTE;
        if (n % 2 === 0) {
          const post = sb.openForumPost(c.guild.id, c.guild.channels.questions!, users.ada!, {
            title: q.title,
            content: q.body,
            at,
          });
          c.questions.push({ channelId: post.thread.id, messageId: post.message.id });
        } else {
          const m = sb.say(c.guild.id, c.guild.channels.help!, users.ada!, q.body, { at });
          c.questions.push({ channelId: c.guild.channels.help!, messageId: m.id });
        }
      }
    };
    const welcomes = (c: Club) => c.joiners.map((id) => sb.dmsTo(id).filter((m) => m.authorId === sb.botUserId).length);
    /** Bot messages per question: in a forum post's thread, or in #help in reply to the question. */
    const nudgeMessages = (c: Club) =>
      c.questions.map((q) =>
        sb
          .messagesIn(q.channelId)
          .filter(
            (m) =>
              m.authorId === sb.botUserId &&
              (q.channelId !== c.guild.channels.help! || m.reference?.messageId === q.messageId),
          ),
      );
    const nudges = (c: Club) => nudgeMessages(c).map((ms) => ms.length);
    wave(0);
    wave(1);
    const victim = bots[1]!;
    const lonely = clubs[1]!;
    // Halfway: shard 1 is killed -9 as soon as its first welcome is out (the rest of its morning is
    // decided, in flight or not yet decided).
    await waitFor(() => welcomes(lonely).some((n) => n >= 1), 30_000, "shard 1's first welcome");
    const killed = await killHard(victim);
    const killedAt = Date.now();
    const doneAtKill = { welcomes: welcomes(lonely), nudges: nudges(lonely) };

    // Afternoon: more members join and ask, everywhere; nobody hears shard 1.
    wave(2);
    // Down until the outbox rows it had claimed are free for the others to take (CONVENE_OUTBOX_LEASE).
    const leaseEnd = (
      db.$client
        .prepare("SELECT max(lease_until) AS until FROM outbox WHERE lease_owner LIKE ? AND status != 'done'")
        .get(`%:${victim.pid}:%`) as { until: number | null }
    ).until;
    await waitFor(() => Date.now() > (leaseEnd ?? 0), 30_000, "the killed process's leases to end");
    const unheardWelcomes = welcomes(lonely).slice(4);
    // The supervisor restarts shard 1.
    const restarted = startProcess(1, options);
    bots[1] = restarted;
    await restarted.ready;
    await waitFor(() => caughtUp(restarted, lonely.guild.id, killedAt), 90_000, 'the restarted backfill');
    wave(3);

    // Evening: an intro round and the digest in every club.
    const evening: string[] = [];
    for (const c of clubs) {
      evening.push(await command(c, users.ada!, 'convene intros run-now'));
      evening.push(await command(c, users.ada!, 'convene digest post-now'));
    }
    const threads = (c: Club) => sb.threadsIn(c.guild.channels.intros!);
    const digests = (c: Club) =>
      sb.messagesIn(c.guild.channels.digest!).filter((m) => m.authorId === sb.botUserId).length;
    const settled = await waitFor(
      () =>
        clubs.every(
          (c) =>
            welcomes(c).every((n) => n >= 1) &&
            nudges(c).every((n) => n >= 1) &&
            threads(c).length >= 2 &&
            digests(c) >= 1,
        ),
      150_000,
      'the day to be done',
    ).then(
      () => true,
      () => false,
    );
    // Anything that would be sent twice has the time to show: two more nudge scans of every server
    // after the day was done, and nothing left to send.
    const settledAt = Date.now();
    const scansSince = (guildId: string) =>
      (
        db.$client
          .prepare(
            "SELECT count(*) AS n FROM job_runs WHERE job = 'questions.scan' AND guild_id = ? AND outcome = 'ok' AND started_at > ?",
          )
          .get(guildId, settledAt) as { n: number }
      ).n;
    const pending = () =>
      (db.$client.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n;
    const quiet = await waitFor(
      () => clubs.every((c) => scansSince(c.guild.id) >= 2) && pending() === 0,
      60_000,
      'two more scans of every server',
    ).then(
      () => true,
      () => false,
    );
    const exits = await stopProcesses(bots, 60_000);
    await stopProcesses([proxy]);

    const hits = sb.rateLimitHits.hits.filter((h) => !h.forced);
    /** Per intro thread: the bot's messages in it, and the pair its opening message introduces. */
    const intro = (c: Club) =>
      threads(c).map((t) => {
        const said = sb.messagesIn(t.id).filter((m) => m.authorId === sb.botUserId);
        return { messages: said.length, pair: [...(said[0]?.pinged.users ?? [])].sort().join('+') };
      });
    const figures = clubs.map((c) => ({
      shard: c.shard,
      welcomes: welcomes(c),
      nudges: nudges(c),
      introThreads: intro(c).map((t) => t.messages),
      pairs: intro(c).map((t) => t.pair),
      digests: digests(c),
    }));
    // Who sent shard 1's actions: rows done by the killed process keep its owner token.
    const owners = db.$client
      .prepare(
        "SELECT lease_owner AS owner, count(*) AS n, sum(attempts > 1) AS retaken FROM outbox WHERE guild_id = ? AND status = 'done' GROUP BY lease_owner",
      )
      .all(lonely.guild.id) as { owner: string; n: number; retaken: number }[];
    const unfinished = db.$client.prepare("SELECT count(*) AS n FROM outbox WHERE status != 'done'").get() as {
      n: number;
    };
    db.$client.close();
    store = undefined;
    const ownerName = (owner: string) =>
      (
        [
          [victim.pid, 'shard 1 (killed)'],
          [restarted.pid, 'shard 1 (restarted)'],
          [bots[0]!.pid, 'shard 0'],
          [bots[2]!.pid, 'shard 2'],
        ] as const
      ).find(([pid]) => owner.includes(`:${pid}:`))?.[1] ?? owner;
    const sentBy = owners.map((o) => ({
      by: ownerName(o.owner),
      n: o.n,
      retaken: o.retaken,
    }));
    /** Warnings and errors each process logged, by message (a busy database, a failed command…). */
    const complaints = Object.fromEntries(
      (
        [
          ['shard 0', bots[0]!],
          ['shard 1 (killed)', victim],
          ['shard 1 (restarted)', restarted],
          ['shard 2', bots[2]!],
        ] as const
      ).map(([name, b]) => {
        const counts: Record<string, number> = {};
        for (const l of b.logs()) if (l.level >= 40) counts[l.msg] = (counts[l.msg] ?? 0) + 1;
        return [name, counts];
      }),
    );
    console.log(
      JSON.stringify({
        settled,
        quiet,
        figures,
        doneAtKill,
        unheardWelcomesBeforeRestart: unheardWelcomes,
        sentBy,
        unfinished: unfinished.n,
        rateLimited: hits.length,
        requests: sb.requests.length,
        killed,
        exits,
        complaints,
      }),
    );
    const nameOf = Object.fromEntries(Object.entries(users).map(([k, v]) => [v, k]));
    // Who each question's nudge asked, by name, per server (the daily cap is two asks per member).
    const pinged = clubs.map((c) =>
      nudgeMessages(c).map((ms) => ms.flatMap((m) => m.pinged.users.map((u) => nameOf[u])).join('+')),
    );
    const digestOf = (c: Club) =>
      sb.messagesIn(c.guild.channels.digest!).find((m) => m.authorId === sb.botUserId) as
        | { content: string; embeds?: { title?: string }[] }
        | undefined;
    // What members of shard 1's server read (printed to be looked at).
    console.log(
      JSON.stringify(
        {
          pinged,
          welcome: sb.dmsTo(lonely.joiners.at(-1)!)[0]?.content,
          nudge: nudgeMessages(lonely)[0]![0]?.content,
          digest: [digestOf(lonely)?.content, digestOf(lonely)?.embeds?.[0]?.title],
          morning: morning[1],
          replies: evening.slice(2, 4),
        },
        null,
        1,
      ),
    );

    expect(killed.signal).toBe('SIGKILL');
    // Every command of the day was answered as asked (a busy database once answered "Sorry, …").
    for (const replies of morning) {
      expect(replies.slice(0, 3)).toEqual([
        expect.stringContaining('Unanswered after 10 min:'),
        expect.stringContaining('Intro rounds are on:'),
        expect.stringContaining('The weekly digest goes to'),
      ]);
      expect(replies.slice(3)).toEqual(
        Object.keys(TOPICS).flatMap(() => [expect.stringContaining('Saved.'), expect.stringContaining('You are in!')]),
      );
    }
    for (const [k, reply] of evening.entries())
      expect(reply).toContain(
        k % 2 === 0 ? 'Round done: 2 groups from the 4 members in the pool.' : 'Posting the digest in',
      );
    expect(settled).toBe(true);
    expect(quiet).toBe(true);
    expect(exits.every((e) => e.code === 0)).toBe(true);
    for (const f of figures) {
      expect(f.welcomes).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
      expect(f.nudges).toEqual([1, 1, 1, 1]);
      // Four regulars opted in, groups of two: two threads, each opened once, nobody in both.
      expect(f.introThreads).toEqual([1, 1]);
      expect(new Set(f.pairs.flatMap((p) => p.split('+'))).size).toBe(4);
      expect(f.digests).toBe(1);
    }
    // Shard 1's joiners of the afternoon were not heard until the restart, then welcomed by its backfill.
    expect(unheardWelcomes).toEqual([0, 0]);
    // The morning's questions reach the member who answered that topic before (vulkan: cyd, bread: dee);
    // the afternoon's go to someone else, each regular being asked at most twice a day.
    for (const p of pinged) {
      expect(p[0]!.split('+')).toContain('cyd');
      expect(p[1]!.split('+')).toContain('dee');
    }
    expect(unfinished.n).toBe(0);
    // The nudge tells the wait as it was (15 minutes), not "0 hours".
    expect(nudgeMessages(lonely)[0]![0]!.content).toMatch(/waiting 1\d minutes without a reply/);
    expect(hits.length).toBe(0);
  }, 420_000);
});
