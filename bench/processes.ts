/**
 * 1, 2 and 4 real bot processes (src/main.ts) on one SQLite file drain the same backlog of messages
 * against the emulator at Discord's limits (50 requests/s global, 5 messages per 5 s per channel):
 * throughput as a ratio to the 50/s limit, duplicates and lost actions counted on the emulator, and
 * the 429s the processes caused (each paces itself at 47/s today, so N processes ask for N × 47/s).
 * BENCH_PROCESS_ACTIONS sets the backlog (default 20,000: about 7 minutes per case at 50/s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src/db/connection.js';
import { startDiscordSandbox } from '../src/sandbox/discord/index.js';
import { buildWorld, seedDatabase, tally, workload } from '../test/helpers/outboxWorkload.js';
import { killProcesses, startProcesses, stopProcesses } from '../test/helpers/processes.js';
import type { BenchResult } from './result.js';

const ACTIONS = Number(process.env.BENCH_PROCESS_ACTIONS ?? 20_000);
const GLOBAL_LIMIT = 50;
/** 200 channels: at 1 message/s per channel, the channels can take 4× the global limit. */
const SHAPE = { guilds: 4, channelsPerGuild: 50, membersPerGuild: 5 };
/** Nothing is due until every process is up, so all of them start together. */
const NOT_YET = 10 * 365 * 86_400_000;

async function drainWith(processes: number): Promise<BenchResult[]> {
  const sandbox = await startDiscordSandbox({
    heartbeatIntervalMs: 5_000,
    rateLimit: { globalPerSecond: GLOBAL_LIMIT },
  });
  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-processes-'));
  try {
    const world = buildWorld(sandbox, SHAPE);
    const dbPath = join(dir, 'convene.db');
    const keys = seedDatabase(
      dbPath,
      world,
      workload(world, { messages: ACTIONS, threads: 0, dms: 0 }),
      Date.now() + NOT_YET,
    );
    const bots = startProcesses(processes, {
      env: {
        DISCORD_TOKEN: sandbox.botToken,
        DISCORD_API_URL: sandbox.apiUrl,
        DATABASE_URL: `file:${dbPath}`,
        LOG_LEVEL: 'info',
        HTTP_PORT: '0',
      },
    });
    await Promise.all(bots.map((b) => b.ready));
    const db = openDb(dbPath);
    const hits = () => sandbox.rateLimitHits.user + sandbox.rateLimitHits.global + sandbox.rateLimitHits.shared;
    const before429 = hits();
    const started = performance.now();
    db.$client.prepare("UPDATE outbox SET not_before = ? WHERE key LIKE 'ex:%'").run(Date.now());
    const pending = db.$client.prepare("SELECT count(*) AS n FROM outbox WHERE status = 'pending'");
    while ((pending.get() as { n: number }).n > 0) await new Promise((r) => setTimeout(r, 200));
    const seconds = (performance.now() - started) / 1000;
    db.$client.close();
    const limited = hits() - before429;
    // A process that died on its own (a contention error nothing caught) left the work to the others.
    const alive = bots.filter((b) => b.child.exitCode === null && b.child.signalCode === null).length;
    await stopProcesses(bots);
    const counts = tally(sandbox, world, keys);
    const rate = counts.delivered / seconds;
    const label = `${processes} process${processes > 1 ? 'es' : ''}`;
    return [
      {
        name: `${label}: drain ${ACTIONS} messages, one SQLite file`,
        value: rate,
        unit: 'actions/s',
        ratio: rate / GLOBAL_LIMIT,
        target: '≥ 0.9× of 50/s',
      },
      {
        name: `${label}: duplicates / lost`,
        value: counts.duplicates + counts.lost,
        unit: '',
        target: '0',
        note: `duplicates ${counts.duplicates}, lost ${counts.lost}, resends ${counts.resends}`,
      },
      { name: `${label}: 429 responses`, value: limited, unit: '', target: '0 (shared budget: not yet)' },
      { name: `${label}: still running at the end`, value: alive, unit: `of ${processes}`, target: `${processes}` },
    ];
  } finally {
    await killProcesses();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const n of [1, 2, 4]) results.push(...(await drainWith(n)));
  return results;
}
