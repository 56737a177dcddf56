/**
 * The multi-process core on PostgreSQL against SQLite: processes running the real outbox drain with the
 * real Discord sender and REST client and the real scheduler's run claims
 * (test/faults/fixtures/drainProcess.ts: not the whole bot) drain one backlog of messages against the
 * emulator at Discord's limits (50 requests/s global, 5 messages per 5 s per channel). First one
 * process on a SQLite file and one on PostgreSQL (the ratio of their throughputs), then 2 and 4 on
 * PostgreSQL: throughput as a ratio to the 50/s limit, duplicates and lost actions counted on the
 * emulator, and the 429s: each process paces itself at 47/s, so N processes on their own ask for
 * N × 47/s; the last case puts the 4 processes behind the REST proxy that shares the token's budget
 * (src/platforms/discord/restProxy.ts, as bench/restBudget.ts measures it for the whole bot).
 * BENCH_PG_ACTIONS sets the backlog (default 3,000: about a minute per case at 50/s).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { closeDatabase, type Database, openDatabase } from '../src/db/database.js';
import { migratePg, openPgPool } from '../src/db/pg/connection.js';
import { createLogger } from '../src/log.js';
import { startRestProxy } from '../src/platforms/discord/restProxy.js';
import { startDiscordSandbox } from '../src/sandbox/discord/index.js';
import { databaseUrl, type PostgresServer, startPostgres } from '../src/sandbox/postgres.js';
import { seedOutbox } from '../test/helpers/outboxRows.js';
import { buildWorld, seedDatabase, tally, workload } from '../test/helpers/outboxWorkload.js';
import { killProcesses, startProcesses, stopProcesses } from '../test/helpers/processes.js';
import type { BenchResult } from './result.js';

const ACTIONS = Number(process.env.BENCH_PG_ACTIONS ?? 3_000);
const GLOBAL_LIMIT = 50;
/** 200 channels: at 1 message/s per channel, the channels can take 4× the global limit. */
const SHAPE = { guilds: 4, channelsPerGuild: 50, membersPerGuild: 5 };
/** Nothing is due until every process is up, so all of them start together. */
const NOT_YET = 10 * 365 * 86_400_000;

interface Case {
  engine: 'sqlite' | 'postgres';
  processes: number;
  viaProxy?: boolean;
}

interface Figures {
  perSecond: number;
  duplicates: number;
  lost: number;
  resends: number;
  rateLimited: number;
  alive: number;
}

async function pending(db: Database): Promise<number> {
  const [row] = await db.all<{ n: number | string }>(sql`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`);
  return Number(row?.n ?? 0);
}

async function drainCase(
  server: PostgresServer,
  { engine, processes, viaProxy }: Case,
  index: number,
): Promise<Figures> {
  const sandbox = await startDiscordSandbox({
    heartbeatIntervalMs: 5_000,
    rateLimit: { globalPerSecond: GLOBAL_LIMIT },
  });
  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-pg-'));
  let db: Database | undefined;
  const proxy = viaProxy
    ? await startRestProxy({
        upstream: sandbox.apiUrl,
        globalPerSecond: GLOBAL_LIMIT,
        token: sandbox.botToken,
        port: 0,
        log: createLogger('silent'),
      })
    : null;
  try {
    const world = buildWorld(sandbox, SHAPE);
    const items = workload(world, { messages: ACTIONS, threads: 0, dms: 0 });
    const later = Date.now() + NOT_YET;
    let url: string;
    if (engine === 'sqlite') {
      url = `file:${join(dir, 'convene.db')}`;
      seedDatabase(url.slice('file:'.length), world, items, later);
      db = await openDatabase(url);
    } else {
      const name = `bench_${index}_${Date.now()}`;
      const admin = await openPgPool(server.url, { max: 1 });
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      url = databaseUrl(server.url, name);
      const pool = await openPgPool(url, { max: 1 });
      await migratePg(pool);
      await pool.end();
      db = await openDatabase(url);
      const { guilds } = db.tables;
      await db.insert(guilds).values(
        world.map((g, i) => ({
          id: g.id,
          platform: 'discord' as const,
          name: `Guild ${i + 1}`,
          settings: { digest: { channelId: g.digestChannel } },
          createdAt: later,
          updatedAt: later,
        })),
      );
      await seedOutbox(db, items, later);
    }
    const bots = startProcesses(processes, {
      script: 'test/faults/fixtures/drainProcess.ts',
      readyText: 'drain process is running',
      env: {
        DISCORD_TOKEN: sandbox.botToken,
        DISCORD_API_URL: sandbox.apiUrl,
        ...(proxy ? { DISCORD_REST_PROXY: proxy.url } : {}),
        DATABASE_URL: url,
        LOG_LEVEL: 'info',
      },
    });
    await Promise.all(bots.map((b) => b.ready));
    const hits = () => sandbox.rateLimitHits.user + sandbox.rateLimitHits.global + sandbox.rateLimitHits.shared;
    const before429 = hits();
    const started = performance.now();
    const { outbox } = db.tables;
    await db.update(outbox).set({ notBefore: Date.now() }).where(sql`${outbox.key} LIKE 'ex:%'`);
    while ((await pending(db)) > 0) await new Promise((r) => setTimeout(r, 200));
    const seconds = (performance.now() - started) / 1000;
    const rateLimited = hits() - before429;
    // A process that died on its own left the work to the others.
    const alive = bots.filter((b) => b.child.exitCode === null && b.child.signalCode === null).length;
    await stopProcesses(bots);
    const counts = tally(
      sandbox,
      world,
      items.map((i) => i.key),
    );
    return {
      perSecond: counts.delivered / seconds,
      duplicates: counts.duplicates,
      lost: counts.lost,
      resends: counts.resends,
      rateLimited,
      alive,
    };
  } finally {
    await killProcesses();
    await proxy?.close();
    if (db) await closeDatabase(db);
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const server = await startPostgres();
  try {
    const results: BenchResult[] = [];
    const cases: Case[] = [
      { engine: 'sqlite', processes: 1 },
      { engine: 'postgres', processes: 1 },
      { engine: 'postgres', processes: 2 },
      { engine: 'postgres', processes: 4 },
      { engine: 'postgres', processes: 4, viaProxy: true },
    ];
    const figures: Figures[] = [];
    for (const [i, c] of cases.entries()) figures.push(await drainCase(server, c, i));
    const [sqlite, ...postgres] = figures;
    results.push({
      name: `1 process, ${ACTIONS} messages: PostgreSQL vs SQLite`,
      value: postgres[0]!.perSecond,
      unit: 'msg/s',
      ratio: postgres[0]!.perSecond / sqlite!.perSecond,
      target: '≈ 1× (both paced by the 50/s limit)',
      note: `SQLite ${sqlite!.perSecond.toFixed(1)} msg/s`,
    });
    for (const [i, c] of cases.entries()) {
      const f = figures[i]!;
      const label = `${c.processes} process${c.processes > 1 ? 'es' : ''} on ${c.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}${c.viaProxy ? ' through the proxy' : ''}`;
      results.push(
        {
          name: `${label}: drain ${ACTIONS} messages`,
          value: f.perSecond,
          unit: 'msg/s',
          ratio: f.perSecond / GLOBAL_LIMIT,
          target: '≥ 0.9× of 50/s',
        },
        {
          name: `${label}: duplicates / lost`,
          value: f.duplicates + f.lost,
          unit: '',
          target: '0',
          note: `duplicates ${f.duplicates}, lost ${f.lost}, resends ${f.resends}`,
        },
        {
          name: `${label}: 429 responses`,
          value: f.rateLimited,
          unit: '',
          target: c.viaProxy || c.processes === 1 ? '0' : '0 (no shared budget without the proxy)',
        },
        {
          name: `${label}: still running at the end`,
          value: f.alive,
          unit: `of ${c.processes}`,
          target: `${c.processes}`,
        },
      );
    }
    return results;
  } finally {
    await server.stop();
  }
}
