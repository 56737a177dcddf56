/**
 * Three real bot processes (src/main.ts, the real discord.js client) on one SQLite file in WAL mode
 * drain a backlog of 3,000 actions (messages in 12 channels of 3 guilds, private threads, DMs) and run
 * the scheduled jobs of the 3 guilds (scans every 2 s, the weekly digest); one process is killed with
 * SIGKILL halfway. Counted on the emulator: every action exactly once; from the processes' logs and
 * job_runs: every (job, guild, period) run once.
 *
 * The emulator's rate limits are raised here (this is about exactly-once, not pace: bench/processes.ts
 * measures pace and 429s at Discord's limits) and its nonce de-duplication is off, so a second send
 * of a message would show as a second message: only the claims and the look-back may prevent it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connection.js';
import { type DiscordSandbox, startDiscordSandbox } from '../../src/sandbox/discord/index.js';
import { waitFor } from '../e2e/harness.js';
import { buildWorld, seedDatabase, tally, workload } from '../helpers/outboxWorkload.js';
import {
  killHard,
  killProcesses,
  type RecordedRun,
  runAccounts,
  startProcesses,
  stopProcesses,
} from '../helpers/processes.js';

const RELAXED = { limit: 10_000, windowMs: 1000 };

let sandbox: DiscordSandbox | undefined;
let dir: string | undefined;
afterEach(async () => {
  await killProcesses();
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sandbox = undefined;
  dir = undefined;
});

describe('many processes on one SQLite file', () => {
  it('GIVEN 3 processes draining 3,000 actions and running the jobs of 3 guilds, one killed -9 halfway THEN every action and every (job, guild, period) happens exactly once', async () => {
    sandbox = await startDiscordSandbox({
      heartbeatIntervalMs: 1_000,
      nonceWindowMs: 0,
      rateLimit: {
        globalPerSecond: 10_000,
        defaultBucket: RELAXED,
        routes: { 'POST /channels/:channel_id/messages': RELAXED, 'POST /users/@me/channels': RELAXED },
      },
    });
    const world = buildWorld(sandbox, { guilds: 3, channelsPerGuild: 4, membersPerGuild: 20 });
    dir = mkdtempSync(join(tmpdir(), 'convene-processes-'));
    const dbPath = join(dir, 'convene.db');
    const keys = seedDatabase(dbPath, world, workload(world, { messages: 2_400, threads: 150, dms: 450 }), Date.now());

    const bots = startProcesses(3, {
      env: {
        DISCORD_TOKEN: sandbox.botToken,
        DISCORD_API_URL: sandbox.apiUrl,
        DATABASE_URL: `file:${dbPath}`,
        // debug: each finished scheduled run is logged, which is how runs are counted below.
        LOG_LEVEL: 'debug',
        HTTP_PORT: '0',
        CONVENE_SCAN_INTERVAL: '2s',
        CONVENE_OUTBOX_LEASE: '3s',
        CONVENE_JOB_LEASE: '3s',
      },
    });
    await Promise.all(bots.map((b) => b.ready));
    const victim = bots[1]!;
    const sent = () => sandbox!.requests.filter((r) => r.route === 'POST /channels/:channel_id/messages').length;
    await waitFor(() => sent() >= keys.length / 2, 150_000, 'half of the backlog to be sent');
    // On a process that already died by itself this reports its own exit, which fails below.
    const killed = await killHard(victim);

    const db = openDb(dbPath);
    const pending = () =>
      (db.$client.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'").get() as { n: number }).n;
    const digestsDone = () =>
      (
        db.$client
          .prepare("SELECT count(*) AS n FROM job_runs WHERE job = 'digest.weekly' AND outcome = 'ok'")
          .get() as {
          n: number;
        }
      ).n;
    // Everything is measured and printed before anything is asserted (the figures are the point).
    const settled = await waitFor(
      () => pending() === 0 && digestsDone() === world.length,
      150_000,
      'the backlog and the digests',
    ).then(
      () => true,
      () => false,
    );
    db.$client.close();
    // Stopped before job_runs is read: a run finishing during the stop is both logged and recorded.
    const survivors = bots.filter((b) => b !== victim);
    const exits = await stopProcesses(survivors, 30_000);
    const after = openDb(dbPath);
    const runs = after.$client
      .prepare('SELECT job, guild_id, period, outcome, lease_owner FROM job_runs')
      .all() as RecordedRun[];
    const outboxRows = after.$client.prepare('SELECT status, count(*) AS n FROM outbox GROUP BY status').all();
    // Done rows keep the owner that finished them; attempts > 1: taken over after the kill.
    const victimRows = after.$client
      .prepare('SELECT count(*) AS n FROM outbox WHERE lease_owner LIKE ?')
      .get(`%:${victim.pid}:%`) as { n: number };
    const retaken = after.$client.prepare('SELECT count(*) AS n FROM outbox WHERE attempts > 1').get() as { n: number };
    after.$client.close();

    const counts = tally(sandbox, world, keys);
    // Runs that happened, from every process's log (the killed one's up to its death).
    const { finished, runTwice, byProcess } = runAccounts(bots, runs, victim);
    const victimToken = `:${victim.pid}:`;
    // A run the killed process was in: a scan whose 2 s period has passed (not caught up, by design) or
    // one taken over when its lease ended.
    const unfinished = runs.filter((r) => r.outcome !== 'ok');
    const digests = world.map(
      (g) => sandbox!.messagesIn(g.digestChannel).filter((m) => m.authorId === sandbox!.botUserId).length,
    );
    const errors = (msg: string) => bots.flatMap((b) => b.logs()).filter((l) => l.msg.startsWith(msg)).length;
    console.log(
      JSON.stringify({
        ...counts,
        outbox: outboxRows,
        sentByKilled: victimRows.n,
        retaken: retaken.n,
        runs: runs.length,
        runsFinishedInLogs: finished.length,
        runTwice,
        recordedNotLogged: byProcess.map((p) => p.recorded.length - p.logged.length),
        unfinished: unfinished.map(
          (r) => `${r.job}:${r.period}:${r.lease_owner?.includes(victimToken) ? 'killed' : r.lease_owner}`,
        ),
        digests,
        drainFailures: errors('outbox drain failed'),
        tickFailures: errors('scheduler tick failed'),
        leaseLost: errors('outbox: lease lost'),
        killed,
        exits,
        stoppedCleanly: survivors.map((b) => b.logs().some((l) => l.msg === 'Convene stopped')),
        refusedWrites: errors('the database refuses writes'),
        busyErrors: bots.reduce((n, b) => n + (b.output().match(/SQLITE_BUSY/g)?.length ?? 0), 0),
      }),
    );
    expect(killed.signal).toBe('SIGKILL');
    expect(settled).toBe(true);

    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(counts).toMatchObject({ expected: 3_000, delivered: 3_000, duplicates: 0, lost: 0 });
    expect(digests).toEqual([1, 1, 1]);
    expect(runTwice).toBe(0);
    // A transaction that read and then wrote while another process wrote failed at once (SQLITE_BUSY
    // without waiting): ingest kept those events in memory and retried them (19–28 per run before).
    expect(errors('the database refuses writes')).toBe(0);
    // Every run recorded as done was done by the process that recorded it; none was done unrecorded.
    for (const p of byProcess) {
      if (p.victim) expect(p.logged.filter((k) => !p.recorded.includes(k))).toEqual([]);
      else expect(p.logged).toEqual(p.recorded);
    }
    expect(byProcess.reduce((n, p) => n + p.recorded.length, 0)).toBe(runs.filter((r) => r.outcome === 'ok').length);
    expect(unfinished.every((r) => r.lease_owner.includes(victimToken) && r.job !== 'digest.weekly')).toBe(true);
    // Each guild's scans ran in several periods: the jobs really ran during the test.
    expect(new Set(runs.filter((r) => r.job === 'questions.scan').map((r) => r.period)).size).toBeGreaterThan(3);
  }, 420_000);
});
