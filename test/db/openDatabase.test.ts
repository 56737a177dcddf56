/**
 * openDatabase(url) picks the engine from DATABASE_URL's form; migrateDatabase applies that engine's
 * drizzle-kit migrations once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/db/connection.js';
import { closeDatabase, migrateDatabase, openDatabase } from '../../src/db/database.js';
import { MIGRATIONS_PG_DIR, openPgPool } from '../../src/db/pg/connection.js';
import { tempDir } from '../helpers/db.js';
import { postgresUrlOf } from '../helpers/engines.js';

const journal = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

const created: string[] = [];
afterAll(async () => {
  const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('openDatabase', () => {
  it('GIVEN a file: URL THEN it opens SQLite there and migrates once', async () => {
    const path = join(tempDir(), 'convene.db');
    const db = await openDatabase(`file:${path}`);
    expect(db.engine).toBe('sqlite');
    expect(await migrateDatabase(db)).toBe(journal(MIGRATIONS_DIR));
    expect(await migrateDatabase(db)).toBe(0);
    await closeDatabase(db);
    const again = await openDatabase(path);
    const { guilds } = again.tables;
    expect(await again.select().from(guilds)).toEqual([]);
    await closeDatabase(again);
  });

  it('GIVEN a postgres:// URL THEN it opens PostgreSQL and migrates once', async () => {
    const name = `convene_open_${randomBytes(4).toString('hex')}`;
    const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    created.push(name);
    const db = await openDatabase(postgresUrlOf(name));
    expect(db.engine).toBe('postgres');
    expect(await migrateDatabase(db)).toBe(journal(MIGRATIONS_PG_DIR));
    expect(await migrateDatabase(db)).toBe(0);
    const { guilds } = db.tables;
    await db.insert(guilds).values({ id: 'g', platform: 'discord', name: 'Quokka Hall', createdAt: 1, updatedAt: 2 });
    expect(await db.select().from(guilds)).toEqual([
      { id: 'g', platform: 'discord', name: 'Quokka Hall', settings: {}, createdAt: 1, updatedAt: 2 },
    ]);
    await closeDatabase(db);
  });

  it('GIVEN a PostgreSQL server that does not answer THEN opening fails at once, not at the first query', async () => {
    await expect(openDatabase('postgres://convene:x@127.0.0.1:1/convene')).rejects.toThrow(/ECONNREFUSED/);
  });
});
