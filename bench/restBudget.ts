/**
 * One rate limit budget for the whole bot: real Convene processes (src/main.ts) draining message
 * backlogs together against the emulator (Discord's 50 requests/s global limit and its route
 * buckets), through the REST proxy (src/proxy.ts) with 1 and 4 processes, and 4 processes each on
 * its own (how Convene ran before the proxy) as the reference measured in the same run.
 * Throughput is messages the emulator accepted per second, as a ratio to the 50/s limit.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drainFigures, fillOutboxes, startCluster } from '../test/helpers/proxyCluster.js';
import type { BenchResult } from './result.js';

const GLOBAL_LIMIT = 50;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function drain(processes: number, viaProxy: boolean, perProcess: number) {
  const cluster = await startCluster({ processes, viaProxy, root });
  try {
    const backlog = await fillOutboxes(cluster, perProcess, `bench-${processes}-${viaProxy ? 'proxy' : 'alone'}`);
    return await drainFigures(cluster, backlog, 600_000);
  } finally {
    await cluster.stop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const one = await drain(1, true, 600);
  const four = await drain(4, true, 300);
  const alone = await drain(4, false, 300);
  const four429 = four.rateLimited.global + four.rateLimited.route + four.rateLimited.shared;
  const alone429 = alone.rateLimited.global + alone.rateLimited.route + alone.rateLimited.shared;
  const lost = (f: typeof one) => `${f.missing} lost, ${f.duplicates} sent twice`;
  return [
    {
      name: '1 process through the proxy: 600 messages',
      value: one.perSecond,
      unit: 'msg/s',
      ratio: one.perSecond / GLOBAL_LIMIT,
      target: '≥ 0.8× of 50/s',
      note: `${one.requestsPerSecond.toFixed(1)} req/s in all; ${one.rateLimited.global + one.rateLimited.route} × 429; ${lost(one)}`,
    },
    {
      name: '4 processes through the proxy: 1,200 messages',
      value: four.perSecond,
      unit: 'msg/s',
      ratio: four.perSecond / GLOBAL_LIMIT,
      target: '≥ 0.8× of 50/s',
      note: `${four.requestsPerSecond.toFixed(1)} req/s in all (start-up backfills share the budget); ${(four.perSecond / one.perSecond).toFixed(2)}× the 1-process rate; ${lost(four)}`,
    },
    { name: '429s, 4 processes through the proxy', value: four429, unit: '', target: '0' },
    {
      name: '4 processes each on its own (no shared budget): 1,200 messages',
      value: alone.perSecond,
      unit: 'msg/s',
      ratio: alone.perSecond / GLOBAL_LIMIT,
      note: `reference; ${alone.requestsPerSecond.toFixed(1)} req/s accepted in all; ${lost(alone)}`,
    },
    {
      name: '429s, 4 processes each on its own',
      value: alone429,
      unit: '',
      note: `global ${alone.rateLimited.global}, route ${alone.rateLimited.route}`,
    },
  ];
}
