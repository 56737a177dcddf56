/**
 * The second test pass (`npm test` runs it after the first): the end-to-end tests again, with the
 * bot on PostgreSQL (CONVENE_TEST_ENGINE=postgres: test/e2e/harness.ts gives each community a fresh
 * database on the run's server). The first pass already runs every store and service test on both
 * engines (describe.each(ENGINES)); here only the e2e files whose bot runs on the harness's database.
 */
import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** e2e files that stay on SQLite: run by the first pass only, each with the reason. */
export const SQLITE_ONLY_E2E: readonly string[] = [
  // The forum bot on PostgreSQL already, in the first pass (its own testDatabase('postgres')); the
  // other Discourse e2e files run here (their harness follows CONVENE_TEST_ENGINE).
  'test/e2e/discourse/postgres.test.ts',
  // Already the bot on PostgreSQL, in the first pass.
  'test/e2e/postgres.test.ts',
  // Runs on both engines itself (its own DAY_ENGINES, in the first pass).
  'test/e2e/day.test.ts',
  // About SQLite itself: a full disk (SQLITE_FULL) under the bot's file.
  'test/e2e/fullDisk.test.ts',
  // DATABASE_URL errors of SQLite files (missing folder, unwritable file, a folder as a file) and
  // start-up refusals made before any database opens: nothing here reads CONVENE_TEST_ENGINE.
  'test/e2e/startErrors.test.ts',
  // Start-up with an in-memory SQLite database and the environment checks: no harness database.
  'test/e2e/start.test.ts',
  // The sender against a store of its own (makeTestDb, SQLite): no bot on the harness's database.
  'test/e2e/fitSend.test.ts',
  // Registers commands through the REST API only: no database.
  'test/e2e/deployCommands.test.ts',
  // The Discord emulator against discord.js alone (memberInteractions starts the bot but checks only
  // what the emulator sees: it runs here).
  'test/e2e/sandbox/gateway.test.ts',
  'test/e2e/sandbox/interactions.test.ts',
  'test/e2e/sandbox/messages.test.ts',
  'test/e2e/sandbox/rateLimits.test.ts',
  // `npm run cluster -- --check`: the script starts its own local PostgreSQL server and database.
  'test/e2e/cluster.test.ts',
];

// Spread, not mergeConfig: that would add these lists to the first pass's instead of replacing them.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/e2e/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...SQLITE_ONLY_E2E],
    env: { CONVENE_TEST_ENGINE: 'postgres' },
  },
});
