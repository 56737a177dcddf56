/**
 * Statements on ingest's hot path, on both engines. A statement is written once, as a drizzle
 * builder over `q.tables` whose parameters come from `v(name)`:
 *   - SQLite: built once per connection with placeholders and prepared (drizzle's prepared
 *     statement on better-sqlite3), then run synchronously with each event's values. Building and
 *     preparing a query costs more than SQLite's insert itself, and a message is one insert.
 *   - PostgreSQL: built per call with the values and awaited on the transaction's client (the
 *     round trip dominates there).
 * Steps are driven by `driveSync` (SQLite, the statements run at once) or `driveAsync`.
 */
import { Param as DrizzleParam, is, Placeholder, type SQL, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { legacyDb } from './database.js';
import { type Database, opsOf, scopes, TransactionMisuseError } from './handle.js';
import * as schema from './schema.js';

/** A statement's parameter: a placeholder (prepared on SQLite) or the value (built per call on PostgreSQL). */
// biome-ignore lint/suspicious/noExplicitAny: a placeholder and a value stand for any column's type.
export type Param = (name: string) => any;

export interface HotStatement {
  /** 'run': the number of rows changed; 'get': the first row or undefined; 'all': every row. */
  readonly kind: 'run' | 'get' | 'all';
  build(q: Database, v: Param): unknown;
}

export const hotRun = (build: HotStatement['build']): HotStatement => ({ kind: 'run', build });
export const hotGet = (build: HotStatement['build']): HotStatement => ({ kind: 'get', build });
export const hotAll = (build: HotStatement['build']): HotStatement => ({ kind: 'all', build });

/** One statement to run with its values; what the driver answers is what the step's kind returns. */
export interface HotStep {
  readonly statement: HotStatement;
  readonly params: Record<string, unknown>;
}

/** A sequence of statements whose later steps may depend on earlier answers (a generator yielding HotSteps). */
export type HotSteps<T> = Generator<HotStep, T, unknown>;

/** Yield one step and answer its number of changed rows (use with `yield*`). */
export function* runStep(statement: HotStatement, params: Record<string, unknown>): HotSteps<number> {
  return (yield { statement, params }) as number;
}

/** Yield one step and answer all its rows (use with `yield*`). */
export function* allStep<R>(statement: HotStatement, params: Record<string, unknown>): HotSteps<R[]> {
  return (yield { statement, params }) as R[];
}

/** Yield one step and answer its first row (use with `yield*`). */
export function* getStep<R>(statement: HotStatement, params: Record<string, unknown>): HotSteps<R | undefined> {
  return (yield { statement, params }) as R | undefined;
}

interface Prepared {
  run(params: Record<string, unknown>): number;
  get(params: Record<string, unknown>): unknown;
  all(params: Record<string, unknown>): unknown[];
}

/** drizzle's prepared statement on better-sqlite3: the statement and its parameters, in order. */
interface DrizzlePrepared {
  stmt: { run(...args: unknown[]): { changes: number } };
  query: { params: unknown[] };
  get(params: Record<string, unknown>): unknown;
  all(params: Record<string, unknown>): unknown[];
}

/**
 * The arguments of a run, in order, from an event's values: what drizzle's fillPlaceholders does at
 * each call (which parameter is a placeholder, with which column's encoding), looked up once.
 */
function argumentsOf(params: unknown[]): (values: Record<string, unknown>) => unknown[] {
  const fills = params.map((p): ((values: Record<string, unknown>) => unknown) => {
    if (is(p, Placeholder)) return (values) => values[p.name];
    if (is(p, DrizzleParam) && is(p.value, Placeholder)) {
      const { name } = p.value;
      const encoder = p.encoder;
      return (values) => encoder.mapToDriverValue(values[name]);
    }
    return () => p;
  });
  return (values) => fills.map((fill) => fill(values));
}

const preparedByConnection = new WeakMap<object, Map<HotStatement, Prepared>>();

function preparedOn(db: Db, statement: HotStatement): Prepared {
  let cache = preparedByConnection.get(db.$client);
  if (!cache) {
    cache = new Map();
    preparedByConnection.set(db.$client, cache);
  }
  let prepared = cache.get(statement);
  if (!prepared) {
    // The SQLite drizzle database, with the tables the builders name (its own schema).
    const q = {
      select: db.select.bind(db),
      insert: db.insert.bind(db),
      update: db.update.bind(db),
      delete: db.delete.bind(db),
      tables: schema,
    };
    const drizzle = (
      statement.build(q as unknown as Database, sql.placeholder) as { prepare(): DrizzlePrepared }
    ).prepare();
    const args = argumentsOf(drizzle.query.params);
    prepared = {
      run: (values) => drizzle.stmt.run(...args(values)).changes,
      get: (values) => drizzle.get(values),
      all: (values) => drizzle.all(values),
    };
    cache.set(statement, prepared);
  }
  return prepared;
}

/** Run steps on a SQLite connection, synchronously (inside whatever transaction is open on it). */
export function driveSync<T>(db: Db, steps: HotSteps<T>): T {
  let next = steps.next();
  while (!next.done) {
    const { statement, params } = next.value;
    const prepared = preparedOn(db, statement);
    next = steps.next(
      statement.kind === 'run'
        ? prepared.run(params)
        : statement.kind === 'get'
          ? prepared.get(params)
          : prepared.all(params),
    );
  }
  return next.value;
}

/**
 * Run steps on `tx` (a transaction's handle, or the database for one statement at a time) on either
 * engine. On SQLite they run synchronously on the connection, holding its mutex when `tx` is not a
 * transaction (so they never land inside another flow's open transaction).
 */
export function driveOn<T>(tx: Database, steps: HotSteps<T>): Promise<T> {
  const ops = opsOf(tx);
  if (!ops.scope) {
    const open = scopes.getStore();
    if (open?.open && open.root === ops.root) {
      return Promise.reject(
        new TransactionMisuseError('inside transaction(db, …) the body must use the tx it was given, not db'),
      );
    }
  } else if (!ops.scope.open) {
    return Promise.reject(new TransactionMisuseError('a transaction handle was used after its transaction ended'));
  }
  if (ops.engine === 'postgres') return driveAsync(tx, steps);
  const legacy = legacyDb(tx);
  // Inside a transaction the statements run now (its body holds the connection): one promise per
  // event, not one per statement, on the hot path.
  if (ops.scope) {
    try {
      return Promise.resolve(driveSync(legacy, steps));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return ops.exclusive(async () => driveSync(legacy, steps));
}

async function driveAsync<T>(tx: Database, steps: HotSteps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const { statement, params } = next.value;
    const query = statement.build(tx, (name) => params[name]);
    const answer =
      statement.kind === 'run'
        ? await tx.run((query as { getSQL(): SQL }).getSQL())
        : statement.kind === 'get'
          ? ((await (query as { limit(n: number): Promise<unknown[]> }).limit(1))[0] as unknown)
          : await (query as Promise<unknown[]>);
    next = steps.next(answer);
  }
  return next.value;
}

/** Run one statement on `tx` (either engine, see driveOn) and answer what its kind returns. */
export function hotQuery<R>(tx: Database, statement: HotStatement, params: Record<string, unknown>): Promise<R> {
  return driveOn(
    tx,
    (function* () {
      return (yield { statement, params }) as R;
    })(),
  );
}
