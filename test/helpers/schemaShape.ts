/**
 * What a migrated database holds, read from the engine itself (not from drizzle's schema objects):
 * tables, columns (name, nullability, type, whether it has a default), primary keys and indexes, in
 * one shape for both engines, so that parity.test.ts can compare SQLite's and PostgreSQL's.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';

export interface ColumnShape {
  name: string;
  notNull: boolean;
  type: string;
  hasDefault: boolean;
}
export interface TableShape {
  columns: ColumnShape[];
  primaryKey: string[];
  /** name → "unique? (col, col)" */
  indexes: Record<string, string>;
}
export type SchemaShape = Record<string, TableShape>;

const BOOKKEEPING = new Set(['__drizzle_migrations', 'sqlite_sequence']);

export function sqliteShape(client: Database.Database): SchemaShape {
  const shape: SchemaShape = {};
  const tables = client.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
    name: string;
  }[];
  for (const { name } of tables) {
    if (BOOKKEEPING.has(name)) continue;
    const info = client.pragma(`table_info("${name}")`) as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }[];
    const indexes: Record<string, string> = {};
    for (const ix of client.pragma(`index_list("${name}")`) as { name: string; unique: number; origin: string }[]) {
      if (ix.origin === 'pk') continue;
      const cols = (client.pragma(`index_info("${ix.name}")`) as { seqno: number; name: string }[])
        .sort((a, b) => a.seqno - b.seqno)
        .map((c) => c.name);
      indexes[ix.name] = `${ix.unique ? 'unique ' : ''}(${cols.join(', ')})`;
    }
    shape[name] = {
      // A SQLite INTEGER PRIMARY KEY is NOT NULL whatever table_info says (it is the rowid).
      columns: info.map((c) => ({
        name: c.name,
        notNull: c.notnull === 1 || (c.pk > 0 && c.type.toLowerCase() === 'integer'),
        type: c.type.toLowerCase(),
        hasDefault: c.dflt_value !== null,
      })),
      primaryKey: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      indexes,
    };
  }
  return shape;
}

export async function postgresShape(client: pg.Pool | pg.Client): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  const { rows: columns } = await client.query<{
    table_name: string;
    column_name: string;
    is_nullable: string;
    data_type: string;
    column_default: string | null;
    is_identity: string;
  }>(
    `SELECT table_name, column_name, is_nullable, data_type, column_default, is_identity
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  for (const c of columns) {
    shape[c.table_name] ??= { columns: [], primaryKey: [], indexes: {} };
    shape[c.table_name]!.columns.push({
      name: c.column_name,
      notNull: c.is_nullable === 'NO',
      type: c.data_type,
      hasDefault: c.column_default !== null || c.is_identity === 'YES',
    });
  }
  const { rows: indexes } = await client.query<{
    table_name: string;
    index_name: string;
    is_primary: boolean;
    is_unique: boolean;
    columns: string[];
  }>(
    `SELECT t.relname AS table_name, i.relname AS index_name, x.indisprimary AS is_primary, x.indisunique AS is_unique,
            array(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
       FROM pg_index x
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_namespace s ON s.oid = t.relnamespace
      WHERE s.nspname = 'public'`,
  );
  for (const ix of indexes) {
    const table = shape[ix.table_name];
    if (!table) continue;
    if (ix.is_primary) table.primaryKey = ix.columns;
    else table.indexes[ix.index_name] = `${ix.is_unique ? 'unique ' : ''}(${ix.columns.join(', ')})`;
  }
  return shape;
}

/** The PostgreSQL type a SQLite column of the schema must have (derive.ts's mapping, read back). */
export function expectedPgType(sqliteColumnType: string): string {
  const map: Record<string, string> = {
    SQLiteText: 'text',
    SQLiteTextJson: 'jsonb',
    SQLiteInteger: 'bigint',
    SQLiteBoolean: 'boolean',
    SQLiteReal: 'double precision',
    SQLiteBlobBuffer: 'bytea',
    SQLiteBlobJson: 'jsonb',
  };
  return map[sqliteColumnType] ?? `(no mapping for ${sqliteColumnType})`;
}

/** Every difference in tables, columns (name, nullability, default), primary keys and indexes, as lines. */
export function schemaDifferences(sqlite: SchemaShape, postgres: SchemaShape): string[] {
  const out: string[] = [];
  for (const name of new Set([...Object.keys(sqlite), ...Object.keys(postgres)])) {
    const a = sqlite[name];
    const b = postgres[name];
    if (!a || !b) {
      out.push(`table ${name}: only on ${a ? 'SQLite' : 'PostgreSQL'}`);
      continue;
    }
    const colsA = new Map(a.columns.map((c) => [c.name, c]));
    const colsB = new Map(b.columns.map((c) => [c.name, c]));
    for (const col of new Set([...colsA.keys(), ...colsB.keys()])) {
      const ca = colsA.get(col);
      const cb = colsB.get(col);
      if (!ca || !cb) out.push(`column ${name}.${col}: only on ${ca ? 'SQLite' : 'PostgreSQL'}`);
      else {
        if (ca.notNull !== cb.notNull) out.push(`column ${name}.${col}: NOT NULL ${ca.notNull} vs ${cb.notNull}`);
        if (ca.hasDefault !== cb.hasDefault && !(a.primaryKey.includes(col) && ca.type === 'integer')) {
          out.push(`column ${name}.${col}: default ${ca.hasDefault} vs ${cb.hasDefault}`);
        }
      }
    }
    if (a.primaryKey.join() !== b.primaryKey.join()) {
      out.push(`primary key ${name}: (${a.primaryKey.join(', ')}) vs (${b.primaryKey.join(', ')})`);
    }
    for (const ix of new Set([...Object.keys(a.indexes), ...Object.keys(b.indexes)])) {
      if (a.indexes[ix] !== b.indexes[ix]) {
        out.push(`index ${name}.${ix}: ${a.indexes[ix] ?? 'missing'} vs ${b.indexes[ix] ?? 'missing'}`);
      }
    }
  }
  return out;
}
