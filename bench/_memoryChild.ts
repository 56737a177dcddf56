/** Child of bench/ingest.ts: ingest 100k members and 1M messages as a live bot would, then report RSS. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDeps } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { migrateDb, openDb } from '../src/db/connection.js';
import { features } from '../src/features/index.js';
import { Ingestor } from '../src/ingest/ingestor.js';
import { createLogger } from '../src/log.js';
import { makeMessages, memberEvents } from './ingest.js';

const dir = mkdtempSync(join(tmpdir(), 'convene-mem-'));
const db = openDb(join(dir, 'memory.db'));
migrateDb(db);
const deps = makeDeps(loadConfig({}), db, createLogger('silent'), () => {});
const ingestor = new Ingestor(deps, process.argv.includes('--features') ? features : []);
for (let i = 0; i < 10; i++) await ingestor.pushMany(memberEvents(10_000, i * 10_000, i * 10_000));
const baselineMb = process.memoryUsage().rss / 1_048_576;
// A live bot receives messages a few at a time: feed them in small slices.
for (let chunk = 0; chunk < 1000; chunk++) {
  await ingestor.pushMany(makeMessages(1_000, 100_000, Date.parse('2025-01-01') + chunk * 1e6, chunk + 2));
}
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
await new Promise((resolve) => setTimeout(resolve, 100));
gc?.();
const rssMb = process.memoryUsage().rss / 1_048_576;
db.$client.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ rssMb, baselineMb, ...Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, Math.round(v / 1_048_576)])) })}\n`,
);
