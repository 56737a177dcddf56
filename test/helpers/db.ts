/** A real SQLite database with the real migrations, in a fresh temp directory per call. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { type Db, migrateDb, openDb } from '../../src/db/connection.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function makeTestDb(): Db & { path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'convene-test-'));
  dirs.push(dir);
  const path = join(dir, 'convene.db');
  const db = openDb(path);
  migrateDb(db);
  return Object.assign(db, { path });
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'convene-test-'));
  dirs.push(dir);
  return dir;
}
