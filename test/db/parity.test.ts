/**
 * GIVEN both migration folders (migrations/ for SQLite, migrations-pg/ for PostgreSQL)
 * THEN the two migrated databases hold the same tables, columns, primary keys and indexes, and every
 * column has the PostgreSQL type its SQLite kind maps to.
 */
import { randomBytes } from 'node:crypto';
import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migratePg, openPgPool } from '../../src/db/pg/connection.js';
import * as schema from '../../src/db/schema.js';
import { makeTestDb } from '../helpers/db.js';
import { postgresUrlOf } from '../helpers/engines.js';
import {
  expectedPgType,
  postgresShape,
  type SchemaShape,
  schemaDifferences,
  sqliteShape,
} from '../helpers/schemaShape.js';

const name = `convene_parity_${randomBytes(4).toString('hex')}`;
let pool: Awaited<ReturnType<typeof openPgPool>>;
let onSqlite: SchemaShape;
let onPostgres: SchemaShape;

beforeAll(async () => {
  const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  pool = await openPgPool(postgresUrlOf(name), { max: 2 });
  // The real migration files, applied to an empty database (not the run's template).
  expect(await migratePg(pool)).toBeGreaterThan(0);
  onPostgres = await postgresShape(pool);
  onSqlite = sqliteShape(makeTestDb().$client);
});

afterAll(async () => {
  await pool?.end();
  const admin = await openPgPool(inject('postgresUrl'), { max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('schema parity between SQLite and PostgreSQL', () => {
  it('GIVEN both engines migrated THEN tables, columns, nullability, defaults, primary keys and indexes are the same', () => {
    expect(Object.keys(onSqlite).length).toBeGreaterThanOrEqual(36);
    expect(schemaDifferences(onSqlite, onPostgres)).toEqual([]);
  });

  it('GIVEN every column of the schema THEN PostgreSQL has the type its SQLite kind maps to', () => {
    const wrong: string[] = [];
    for (const table of Object.values(schema)) {
      if (!is(table, SQLiteTable)) continue;
      const config = getTableConfig(table);
      for (const column of config.columns) {
        const actual = onPostgres[config.name]?.columns.find((c) => c.name === column.name)?.type;
        const expected = expectedPgType(column.columnType);
        if (actual !== expected) wrong.push(`${config.name}.${column.name}: ${actual} (expected ${expected})`);
      }
    }
    expect(wrong).toEqual([]);
    // The kinds the mapping is about, seen on real columns.
    expect(onPostgres.members!.columns.find((c) => c.name === 'bot')!.type).toBe('boolean');
    expect(onPostgres.guilds!.columns.find((c) => c.name === 'settings')!.type).toBe('jsonb');
    expect(onPostgres.messages!.columns.find((c) => c.name === 'created_at')!.type).toBe('bigint');
    expect(onPostgres.intros_terms!.columns.find((c) => c.name === 'weight')!.type).toBe('double precision');
  });

  it('GIVEN a column missing on PostgreSQL THEN the comparison names it', async () => {
    await pool.query('ALTER TABLE sync_cursors DROP COLUMN updated_at');
    await pool.query('DROP INDEX messages_reply');
    const changed = await postgresShape(pool);
    expect(schemaDifferences(onSqlite, changed)).toEqual([
      'index messages.messages_reply: (guild_id, reply_to_id) vs missing',
      'column sync_cursors.updated_at: only on SQLite',
    ]);
  });

  it('GIVEN a column missing on SQLite THEN the comparison names it', () => {
    const client = makeTestDb().$client;
    client.exec('ALTER TABLE discord_sent DROP COLUMN nonce');
    expect(schemaDifferences(sqliteShape(client), onPostgres)).toEqual([
      'column discord_sent.nonce: only on PostgreSQL',
    ]);
  });
});
