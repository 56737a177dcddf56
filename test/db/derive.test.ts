/**
 * The PostgreSQL twin of a SQLite table (src/db/pg/derive.ts): every kind of column the schema may
 * use gets its PostgreSQL type, and a kind with no mapping stops with the table and column named.
 */
import { getTableConfig as pgConfig } from 'drizzle-orm/pg-core';
import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { derivePgTable, SchemaDerivationError } from '../../src/db/pg/derive.js';

describe('derivePgTable', () => {
  it('GIVEN each kind of SQLite column THEN the PostgreSQL table has its type, flags, keys and indexes', () => {
    const table = sqliteTable(
      'kinds',
      {
        id: integer('id').primaryKey({ autoIncrement: true }),
        guildId: text('guild_id').notNull(),
        kind: text('kind', { enum: ['a', 'b'] })
          .notNull()
          .default('a'),
        at: integer('at').notNull(),
        on: integer('on', { mode: 'boolean' }).notNull().default(false),
        data: text('data', { mode: 'json' }).$type<string[]>().notNull().default([]),
        weight: real('weight'),
        raw: blob('raw', { mode: 'buffer' }),
      },
      (t) => [uniqueIndex('kinds_key').on(t.guildId, t.kind), index('kinds_at').on(t.guildId, t.at)],
    );
    const config = pgConfig(derivePgTable(table));
    expect(config.name).toBe('kinds');
    expect(
      config.columns.map((c) => [c.name, c.getSQLType(), c.notNull, c.default, c.primary, c.generatedIdentity?.type]),
    ).toEqual([
      ['id', 'bigint', true, undefined, true, 'byDefault'],
      ['guild_id', 'text', true, undefined, false, undefined],
      ['kind', 'text', true, 'a', false, undefined],
      ['at', 'bigint', true, undefined, false, undefined],
      ['on', 'boolean', true, false, false, undefined],
      ['data', 'jsonb', true, [], false, undefined],
      ['weight', 'double precision', false, undefined, false, undefined],
      ['raw', 'bytea', false, undefined, false, undefined],
    ]);
    expect(
      config.indexes.map((i) => [
        i.config.name,
        i.config.unique,
        i.config.columns.map((c) => (c as { name: string }).name),
      ]),
    ).toEqual([
      ['kinds_key', true, ['guild_id', 'kind']],
      ['kinds_at', false, ['guild_id', 'at']],
    ]);
  });

  it('GIVEN a composite primary key THEN it is the same columns in the same order', () => {
    const table = sqliteTable('pairs', { b: text('b').notNull(), a: text('a').notNull() }, (t) => [
      primaryKey({ columns: [t.b, t.a] }),
    ]);
    expect(pgConfig(derivePgTable(table)).primaryKeys.map((pk) => pk.columns.map((c) => c.name))).toEqual([['b', 'a']]);
  });

  it('GIVEN a column kind with no PostgreSQL form THEN derivation stops naming the table and column', () => {
    const table = sqliteTable('times', { at: integer('at', { mode: 'timestamp' }).notNull() });
    expect(() => derivePgTable(table)).toThrow(SchemaDerivationError);
    expect(() => derivePgTable(table)).toThrow(
      /^times\.at: the SQLite column kind SQLiteTimestamp has no PostgreSQL form/,
    );
  });
});
