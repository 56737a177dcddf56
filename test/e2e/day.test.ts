/**
 * A compressed day of three communities run by three real bot processes (src/main.ts, the real
 * discord.js client), one Discord shard each, on ONE database (each engine in turn: every process is
 * given the same DATABASE_URL), all through one REST proxy (src/proxy.ts) against the emulator at
 * Discord's own rate limits. Members join (welcome DMs), ask questions nobody answers (nudges), opt
 * in to intros and get an intro round (private threads), and each server gets its digest
 * (test/helpers/communityDay.ts). Halfway the process of shard 1 is killed -9 while it holds claimed
 * outbox rows (the test waits for that, so it cannot pass without a crash mid-work); more members
 * join and ask there while it is down; once its leases have ended it is restarted on the same shard,
 * as a supervisor would, and catches up.
 *
 * Counted on the emulator: each welcome once per joiner, each nudge once per question, each intro
 * thread once per pair, each digest once per server, no 429; from the database: every row the killed
 * process held was finished by another holder, and nothing is left to send.
 *
 * Nothing waits a fixed time: each step waits for what the product says (a backfill that read every
 * channel, in the processes' logs; the killed process's leases ended; two more nudge scans of every
 * server in job_runs and no pending outbox row once the day is done), with generous time-outs for a
 * loaded machine. The emulator's nonce de-duplication is off, so a second send would show as a second
 * message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { type DiscordSandbox, startDiscordSandbox } from '../../src/sandbox/discord/index.js';
import {
  buildClubs,
  type Club,
  caughtUp,
  complaints,
  type DayDatabase,
  dayDatabase,
  seen,
  startProxy,
  TOPICS,
  wave,
} from '../helpers/communityDay.js';
import type { Engine } from '../helpers/engines.js';
import { type BotProcess, killHard, killProcesses, startProcess, stopProcesses } from '../helpers/processes.js';
import { waitFor, zoneWhereItIs } from './harness.js';

const SHARDS = 3;
/** The engines the app runs on with several processes (PostgreSQL joins when the app opens postgres:// URLs). */
const DAY_ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

let sandbox: DiscordSandbox | undefined;
let dir: string | undefined;
let database: DayDatabase | undefined;
/** Requests the emulator holds (a failed test must not leave them waiting). */
let heldRequests: { release(): void } | undefined;
afterEach(async () => {
  heldRequests?.release();
  heldRequests = undefined;
  await killProcesses();
  await database?.close();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  database = undefined;
  sandbox = undefined;
  dir = undefined;
});

/** Poll an async condition (a database read) until it holds; fast enough to catch a claim in flight. */
async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each(DAY_ENGINES)('a day of three communities on three processes on %s', (engine) => {
  it('GIVEN 3 shards on 3 processes over one database and one REST proxy, one killed -9 while it holds claims and restarted THEN every welcome, nudge, intro thread and digest happens exactly once, with no 429', async () => {
    const startedAt = Date.now();
    /** Seconds from the start to each step, printed with the figures (where a slow run spent its time). */
    const marks: Record<string, number> = {};
    const mark = (step: string) => {
      marks[step] = Math.round((Date.now() - startedAt) / 100) / 10;
    };
    const sb = await startDiscordSandbox({
      heartbeatIntervalMs: 1_000,
      nonceWindowMs: 0,
      // Discord's 3 s to acknowledge a command is wall time: on a shared 2-core machine running five
      // node processes, the emulator itself was starved for 3 s at times. What is tested is exactly-once.
      interactionAckTimeoutMs: 15_000,
    });
    sandbox = sb;
    dir = mkdtempSync(join(tmpdir(), 'convene-day-'));
    const data = await dayDatabase(engine, dir);
    database = data;
    const { users, clubs } = buildClubs(sb, SHARDS);
    expect(clubs.map((c) => c.shard)).toEqual([0, 1, 2]);

    const { proxy, url: proxyUrl } = await startProxy(sb, SHARDS);
    const options = {
      env: {
        DISCORD_TOKEN: sb.botToken,
        DISCORD_API_URL: sb.apiUrl,
        DISCORD_REST_PROXY: proxyUrl,
        DISCORD_SHARD_COUNT: String(SHARDS),
        DATABASE_URL: data.url,
        LOG_LEVEL: 'info',
        HTTP_PORT: '0',
        CONVENE_SCAN_INTERVAL: '2s',
        CONVENE_OUTBOX_LEASE: '3s',
        CONVENE_JOB_LEASE: '3s',
      },
      envOf: (i: number) => ({ DISCORD_SHARDS: String(i) }),
    };
    // Shard 0 first: it migrates the database and registers the commands.
    const bots: BotProcess[] = [startProcess(0, options)];
    await bots[0]!.ready;
    bots.push(startProcess(1, options), startProcess(2, options));
    await Promise.all(bots.map((b) => b.ready));
    await waitFor(() => clubs.every((c) => caughtUp(bots[c.shard]!, c.guild.id)), 90_000, 'every backfill');
    mark('started');

    // Morning: the moderator sets the day up; the regulars opt in to intros and say where they live.
    const awake = zoneWhereItIs(13, Date.now());
    /** The reply's text, or why there was none (checked below, after the figures are printed). */
    const command = async (c: Club, who: string, name: string, opts: Record<string, unknown> = {}) => {
      try {
        return (await sb.runCommand(c.guild.id, c.guild.channels.general!, who, name, opts as never)).content;
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
    mark('morning');

    // Discord is slow to open DM channels for a moment (each welcome opens one first): the drains
    // hold their claimed welcomes meanwhile, so the kill below lands mid-drain on a loaded machine too
    // (without it, a welcome was claimed and done between two polls, and the morning had no more).
    const slowDms = sb.holdRequests('POST /users/@me/channels');
    heldRequests = slowDms;
    wave(sb, clubs, users.ada!, 0);
    wave(sb, clubs, users.ada!, 1);
    const victim = bots[1]!;
    const lonely = clubs[1]!;
    const heldBy = (pid: number) => `%:${pid}:%`;
    // Halfway: shard 1 is killed -9 while it holds outbox rows it claimed and has not finished
    // (its drain claims a batch, sends it, and marks each row done).
    await until(
      async () =>
        (await data.count(
          sql`SELECT count(*) AS n FROM outbox WHERE lease_owner LIKE ${heldBy(victim.pid)} AND status = 'pending' AND lease_until > ${Date.now()}`,
        )) > 0,
      60_000,
      'shard 1 to hold claimed outbox rows',
    );
    const killed = await killHard(victim);
    const killedAt = Date.now();
    const dmsWaiting = slowDms.arrived();
    slowDms.release();
    mark('killed');
    // What it held when it died (nothing writes for it any more): its claims, to be taken over.
    const held = await data.rows<{ id: number; key: string; guild_id: string }>(
      sql`SELECT id, key, guild_id FROM outbox WHERE lease_owner LIKE ${heldBy(victim.pid)} AND status = 'pending' ORDER BY id`,
    );
    const heldRuns = await data.rows<{ id: number; job: string; guild_id: string; period: string }>(
      sql`SELECT id, job, guild_id, period FROM job_runs WHERE lease_owner LIKE ${heldBy(victim.pid)} AND outcome = 'running'`,
    );
    const doneAtKill = { welcomes: seen(sb, lonely).welcomes, nudges: seen(sb, lonely).nudges };
    // Held welcomes whose DM had already reached the emulator: sent, killed before it was marked done.
    const sentBeforeDone = held.filter((h) => {
      const member = /^welcome:[^:]+:(\d+)$/.exec(h.key)?.[1];
      return member !== undefined && sb.dmsTo(member).some((m) => m.authorId === sb.botUserId);
    }).length;

    // Afternoon: more members join and ask, everywhere; nobody hears shard 1.
    wave(sb, clubs, users.ada!, 2);
    // Down until every lease it held has ended (CONVENE_OUTBOX_LEASE, CONVENE_JOB_LEASE).
    const leaseEnd = Math.max(
      await data.count(
        sql`SELECT max(lease_until) AS n FROM outbox WHERE lease_owner LIKE ${heldBy(victim.pid)} AND status = 'pending'`,
      ),
      await data.count(
        sql`SELECT max(lease_until) AS n FROM job_runs WHERE lease_owner LIKE ${heldBy(victim.pid)} AND outcome = 'running'`,
      ),
    );
    await waitFor(() => Date.now() > leaseEnd, 30_000, "the killed process's leases to end");
    const unheardWelcomes = seen(sb, lonely).welcomes.slice(4);
    // The supervisor restarts shard 1.
    const restarted = startProcess(1, options);
    bots[1] = restarted;
    await restarted.ready;
    await waitFor(() => caughtUp(restarted, lonely.guild.id, killedAt), 90_000, 'the restarted backfill');
    // Its shard is back: the restarted process reports shard 1 of 3 connected.
    const port = restarted.logs().find((l) => l.msg === 'http: listening')?.port;
    const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
    mark('restarted');
    wave(sb, clubs, users.ada!, 3);

    // Evening: an intro round and the digest in every club.
    const evening: string[] = [];
    for (const c of clubs) {
      evening.push(await command(c, users.ada!, 'convene intros run-now'));
      evening.push(await command(c, users.ada!, 'convene digest post-now'));
    }
    const settled = await waitFor(
      () =>
        clubs.every((c) => {
          const s = seen(sb, c);
          return (
            s.welcomes.every((n) => n >= 1) &&
            s.nudges.every((n) => n >= 1) &&
            s.threads.length >= 2 &&
            s.digests.length >= 1
          );
        }),
      90_000,
      'the day to be done',
    ).then(
      () => true,
      () => false,
    );
    mark('settled');
    // Anything that would be sent twice has the time to show: two more nudge scans of every server
    // after the day was done, and nothing left to send.
    const settledAt = Date.now();
    const quiet = await until(
      async () => {
        for (const c of clubs) {
          const scans = await data.count(
            sql`SELECT count(*) AS n FROM job_runs WHERE job = 'questions.scan' AND guild_id = ${c.guild.id} AND outcome = 'ok' AND started_at > ${settledAt}`,
          );
          if (scans < 2) return false;
        }
        return (await data.count(sql`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`)) === 0;
      },
      60_000,
      'two more scans of every server',
    ).then(
      () => true,
      () => false,
    );
    mark('quiet');
    const exits = await stopProcesses(bots, 60_000);
    await stopProcesses([proxy]);

    const views = clubs.map((c) => seen(sb, c));
    const figures = clubs.map((c, i) => ({
      shard: c.shard,
      welcomes: views[i]!.welcomes,
      nudges: views[i]!.nudges,
      introThreads: views[i]!.threads.map((t) => t.messages),
      pairs: views[i]!.threads.map((t) => t.pair.join('+')),
      digests: views[i]!.digests.length,
    }));
    // The rows the killed process held, as they ended: finished by whom, after how many attempts.
    const heldIds = held.map((h) => Number(h.id));
    const takenOver = heldIds.length
      ? await data.rows<{ status: string; lease_owner: string; attempts: number }>(
          sql`SELECT status, lease_owner, attempts FROM outbox WHERE id IN (${sql.join(heldIds, sql`, `)})`,
        )
      : [];
    const holderName = (owner: string) =>
      (
        [
          [victim.pid, 'shard 1 (killed)'],
          [restarted.pid, 'shard 1 (restarted)'],
          [bots[0]!.pid, 'shard 0'],
          [bots[2]!.pid, 'shard 2'],
        ] as const
      ).find(([pid]) => owner.includes(`:${pid}:`))?.[1] ?? owner;
    // The scheduled runs it held, as they ended (a scan's period passes; the next period's scan covers it).
    const runIds = heldRuns.map((r) => Number(r.id));
    const runsAfter = runIds.length
      ? await data.rows<{ job: string; outcome: string; lease_owner: string }>(
          sql`SELECT job, outcome, lease_owner FROM job_runs WHERE id IN (${sql.join(runIds, sql`, `)})`,
        )
      : [];
    const unfinished = await data.count(sql`SELECT count(*) AS n FROM outbox WHERE status != 'done'`);
    const rateLimited = sb.rateLimitHits.hits.filter((h) => !h.forced).length;
    const status429 = sb.requests.filter((r) => r.status === 429).length;
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    const nameOf = Object.fromEntries(Object.entries(users).map(([k, v]) => [v, k]));
    /** Who each question's nudge asked, by name, per server (the daily cap is two asks per member). */
    const pinged = views.map((v) =>
      v.nudgeMessages.map((ms) => ms.flatMap((m) => m.pinged.users.map((u) => nameOf[u]))),
    );
    console.log(
      JSON.stringify({
        engine,
        seconds,
        marks,
        settled,
        quiet,
        figures,
        totals: {
          welcomes: figures.flatMap((f) => f.welcomes).reduce((a, b) => a + b, 0),
          nudges: figures.flatMap((f) => f.nudges).reduce((a, b) => a + b, 0),
          threads: figures.flatMap((f) => f.introThreads).length,
          digests: figures.reduce((a, f) => a + f.digests, 0),
          status429,
        },
        killedHeld: { outboxRows: held.map((h) => h.key), sentBeforeDone, jobRuns: heldRuns, dmsWaiting },
        heldRunsAfter: runsAfter.map((r) => ({ ...r, lease_owner: holderName(r.lease_owner) })),
        takenOver: takenOver.map((r) => ({ ...r, lease_owner: holderName(r.lease_owner) })),
        doneAtKill,
        unheardWelcomesBeforeRestart: unheardWelcomes,
        unfinished,
        rateLimited,
        requests: sb.requests.length,
        killed,
        exits,
        complaints: {
          'shard 0': complaints(bots[0]!),
          'shard 1 (killed)': complaints(victim),
          'shard 1 (restarted)': complaints(restarted),
          'shard 2': complaints(bots[2]!),
        },
        // What members of shard 1's server read (printed to be looked at).
        pinged,
        welcome: sb.dmsTo(lonely.joiners.at(-1)!)[0]?.content,
        nudge: views[1]!.nudgeMessages[0]![0]?.content,
        digest: views[1]!.digests[0]?.content,
        evening: evening.slice(2, 4),
      }),
    );

    expect(killed.signal).toBe('SIGKILL');
    expect(health).toMatchObject({ ok: true, shards: { count: SHARDS, running: [{ id: 1, up: true }] } });
    // Killed mid-work: it held claimed rows, and each was finished by the next holder, once.
    expect(held.length).toBeGreaterThan(0);
    for (const row of takenOver) {
      expect(row.status).toBe('done');
      expect(row.lease_owner).not.toContain(`:${victim.pid}:`);
      expect(Number(row.attempts)).toBeGreaterThan(1);
    }
    expect(takenOver).toHaveLength(held.length);
    // Every command of the day was answered as asked.
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
      // 4 waves × 2 joiners, 4 questions, 4 regulars in groups of two: exactly once each, none lost.
      expect(f.welcomes).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
      expect(f.nudges).toEqual([1, 1, 1, 1]);
      expect(f.introThreads).toEqual([1, 1]);
      expect(new Set(f.pairs.flatMap((p) => p.split('+'))).size).toBe(4);
      expect(f.digests).toBe(1);
    }
    // Shard 1 was really down: its afternoon joiners were not welcomed until the restart.
    expect(unheardWelcomes).toEqual([0, 0]);
    // The first question (vulkan, asked before the kill) reaches the member who answered that topic
    // before; the two experts are asked as often as the daily cap allows (twice) in every server. Which
    // of the later questions reach them depends on the order their nudges are decided: once on
    // PostgreSQL, shard 1's question asked while its process was down was decided after the last one.
    for (const asked of pinged) {
      expect(asked[0]).toContain('cyd');
      const times = (name: string) => asked.filter((who) => who.includes(name)).length;
      expect([times('cyd'), times('dee')]).toEqual([2, 2]);
    }
    // And the nudge tells the wait as it was (15 minutes).
    expect(views[1]!.nudgeMessages[0]![0]!.content).toMatch(/waiting 1\d minutes without a reply/);
    expect(unfinished).toBe(0);
    expect(rateLimited).toBe(0);
    expect(status429).toBe(0);
  }, 240_000);
});
