import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e tests start emulators and child processes on loopback; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One PostgreSQL server for the run: tests of the store run on SQLite and on PostgreSQL.
    globalSetup: ['test/helpers/postgresServer.ts'],
  },
});
