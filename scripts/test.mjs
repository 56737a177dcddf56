#!/usr/bin/env node
/**
 * `npm test`: the two passes of the test suite, one after the other.
 *   1. vitest.config.ts: every test (store and service tests on SQLite and PostgreSQL, e2e on SQLite).
 *   2. vitest.postgres.config.ts: the e2e tests again with the bot on PostgreSQL.
 * Arguments go to both passes (`npm test -- test/e2e/journey.test.ts` runs that file on both engines;
 * a filter that names no file of the second pass leaves it empty, which passes).
 * CONVENE_TEST_REPORTS=<folder>: each pass also writes vitest's JSON report there (sqlite.json,
 * postgres.json), for .ci/run to sum. Exits non-zero if either pass failed; the second runs anyway.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const reports = process.env.CONVENE_TEST_REPORTS;
if (reports) mkdirSync(reports, { recursive: true });

const passes = [
  { name: 'sqlite', config: 'vitest.config.ts', extra: [] },
  { name: 'postgres', config: 'vitest.postgres.config.ts', extra: ['--passWithNoTests'] },
];

let failed = false;
for (const pass of passes) {
  const started = Date.now();
  console.log(`\n=== test pass: ${pass.name} (${pass.config}) ===`);
  const reporting = reports
    ? ['--reporter=default', '--reporter=json', `--outputFile.json=${join(reports, `${pass.name}.json`)}`]
    : [];
  const run = spawnSync('npx', ['vitest', 'run', '--config', pass.config, ...pass.extra, ...reporting, ...args], {
    stdio: 'inherit',
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`=== test pass ${pass.name}: exit ${run.status ?? run.signal} in ${seconds} s ===`);
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
