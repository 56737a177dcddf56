/**
 * PostgreSQL tables derived from the SQLite ones (src/db/schema/*.ts stays the single source): a
 * table added or changed there appears here with the same names, nullability, defaults, keys and
 * indexes, so the two dialects cannot drift apart. Column types map as the store uses them:
 *   text → text, text json → jsonb, integer (epoch ms, counts) → bigint (read as a JS number),
 *   integer boolean → boolean, real → double precision, integer autoincrement key → bigint identity,
 *   blob → bytea, blob json → jsonb.
 * A SQLite column kind not listed here stops the derivation with its table and column named.
 */
import { type Column, type ColumnBaseConfig, type ColumnDataType, getTableColumns, is, SQL } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  jsonb,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { getTableConfig, type SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';

/** The column of the PostgreSQL table that stands for a SQLite column: same name, data type and flags. */
type PgColumnOf<C extends Column> = PgColumn<Omit<C['_'], 'dialect'> & ColumnBaseConfig<ColumnDataType, string>>;

/** The PostgreSQL table type that stands for a SQLite table (same keys, same row types). */
export type PgTableOf<T extends SQLiteTable> = PgTableWithColumns<{
  name: T['_']['name'];
  schema: undefined;
  dialect: 'pg';
  columns: { [K in keyof T['_']['columns']]: PgColumnOf<T['_']['columns'][K]> };
}>;

/** Every SQLite table of a schema module, keyed as exported. */
export type SqliteTables<M> = { [K in keyof M as M[K] extends SQLiteTable ? K : never]: M[K] };
export type PgTablesOf<M> = {
  [K in keyof SqliteTables<M>]: SqliteTables<M>[K] extends SQLiteTable ? PgTableOf<SqliteTables<M>[K]> : never;
};

// drizzle's pg-core has no bytea builder: node-postgres reads and writes it as a Buffer.
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export class SchemaDerivationError extends Error {
  constructor(table: string, column: string, what: string) {
    super(`${table}.${column}: ${what} has no PostgreSQL form yet (add it to src/db/pg/derive.ts)`);
    this.name = 'SchemaDerivationError';
  }
}

/** The PostgreSQL tables for every SQLite table exported by `module`, under the same export names. */
export function derivePgTables<M extends Record<string, unknown>>(module: M): PgTablesOf<M> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(module)) {
    if (is(value, SQLiteTable)) out[key] = derivePgTable(value);
  }
  return out as PgTablesOf<M>;
}

export function derivePgTable<T extends SQLiteTable>(table: T): PgTableOf<T> {
  const config = getTableConfig(table);
  const keyOf = new Map<string, string>();
  const builders: Record<string, PgColumnBuilderBase> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    keyOf.set(column.name, key);
    builders[key] = columnBuilder(config.name, column as SQLiteColumn);
  }
  const derived = pgTable(config.name, builders, (columns) => {
    const pick = (c: SQLiteColumn | SQL) => {
      if (is(c, SQL)) return c;
      const key = keyOf.get(c.name);
      if (key === undefined) throw new SchemaDerivationError(config.name, c.name, 'an index on an unknown column');
      return columns[key]!;
    };
    const extra = [];
    for (const pk of config.primaryKeys) {
      const [first, ...rest] = pk.columns.map((c) => pick(c) as PgColumn);
      extra.push(primaryKey({ columns: [first!, ...rest] }));
    }
    for (const ix of config.indexes) {
      const [first, ...rest] = ix.config.columns.map(pick);
      const built = (ix.config.unique ? uniqueIndex : index)(ix.config.name).on(first!, ...rest);
      extra.push(ix.config.where ? built.where(ix.config.where) : built);
    }
    if (config.uniqueConstraints.length > 0 || config.foreignKeys.length > 0 || config.checks.length > 0) {
      throw new SchemaDerivationError(config.name, '*', 'a unique constraint, foreign key or check');
    }
    return extra;
  });
  return derived as unknown as PgTableOf<T>;
}

function columnBuilder(table: string, column: SQLiteColumn): PgColumnBuilderBase {
  const kind = column.columnType;
  // biome-ignore lint/suspicious/noExplicitAny: the builders differ by type; the flags below are common to all.
  let b: any;
  if (kind === 'SQLiteText') {
    b = column.enumValues?.length
      ? text(column.name, { enum: column.enumValues as [string, ...string[]] })
      : text(column.name);
  } else if (kind === 'SQLiteTextJson') {
    b = jsonb(column.name);
  } else if (kind === 'SQLiteBoolean') {
    b = boolean(column.name);
  } else if (kind === 'SQLiteReal') {
    b = doublePrecision(column.name);
  } else if (kind === 'SQLiteBlobBuffer') {
    b = bytea(column.name);
  } else if (kind === 'SQLiteBlobJson') {
    b = jsonb(column.name);
  } else if (kind === 'SQLiteInteger') {
    b = bigint(column.name, { mode: 'number' });
    if ((column as unknown as { autoIncrement: boolean }).autoIncrement) b = b.generatedByDefaultAsIdentity();
  } else {
    throw new SchemaDerivationError(table, column.name, `the SQLite column kind ${kind}`);
  }
  if (column.primary) b = b.primaryKey();
  if (column.notNull && !column.primary) b = b.notNull();
  if (column.default !== undefined) b = b.default(column.default);
  if (column.defaultFn) b = b.$defaultFn(column.defaultFn);
  if (column.onUpdateFn) b = b.$onUpdateFn(column.onUpdateFn);
  if (column.isUnique) b = b.unique(column.uniqueName);
  if (column.generated) throw new SchemaDerivationError(table, column.name, 'a generated column');
  return b;
}
