/**
 * vitest globalSetup: one real PostgreSQL server per test run (src/sandbox/postgres.ts), with a
 * template database holding the migrations; test files make their own databases from it
 * (test/helpers/engines.ts). Stopped, and its files removed, at the end.
 */
import type { TestProject } from 'vitest/node';
import { migratePg, openPgPool } from '../../src/db/pg/connection.js';
import { databaseUrl, startPostgres } from '../../src/sandbox/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the run's server (database "postgres"). */
    postgresUrl: string;
    /** Name of the migrated template database. */
    postgresTemplate: string;
  }
}

export const TEMPLATE = 'convene_template';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  const admin = await openPgPool(server.url, { max: 1 });
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  const template = await openPgPool(databaseUrl(server.url, TEMPLATE), { max: 1 });
  await migratePg(template);
  await template.end();
  project.provide('postgresUrl', server.url);
  project.provide('postgresTemplate', TEMPLATE);
  return () => server.stop();
}
