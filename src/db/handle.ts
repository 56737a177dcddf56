/**
 * The engine-neutral handle (`Database`) and the checks that keep a transaction whole on both engines.
 * A handle wraps a drizzle database of either dialect: its query builders run when awaited, and each
 * statement first passes `EngineOps.exclusive` (on SQLite, the connection's mutex, so that a statement
 * of another async flow never lands inside an open transaction).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgTablesOf } from './pg/derive.js';
import type * as schema from './schema.js';

/** Every table of src/db/schema.ts, in the handle's own dialect (same keys on both engines). */
export type Tables = PgTablesOf<typeof schema>;

/**
 * The query builders both engines share, typed as PostgreSQL's (the stricter, awaited API): SQLite's
 * synchronous `.all()/.get()/.run()` do not exist here and throw if reached at run time.
 */
type Queries = Pick<NodePgDatabase, 'select' | 'selectDistinct' | 'insert' | 'update' | 'delete' | '$count' | 'with'>;

export interface Database extends Queries {
  readonly engine: 'sqlite' | 'postgres';
  /** The tables to build queries with: `const { syncCursors } = db.tables`. */
  readonly tables: Tables;
  /**
   * Rows of a raw query, as the driver returns them: JSON columns are text on SQLite and objects on
   * PostgreSQL, booleans 0/1 and true/false. Prefer the query builders, which map both.
   */
  all<T>(query: SQL): Promise<T[]>;
  /** Run a raw statement; the number of rows it changed. */
  run(query: SQL): Promise<number>;
}

/** One open transaction: its handle may be used only while it is open, the outer handle not at all. */
export interface Scope {
  readonly root: object;
  open: boolean;
  /** The transaction this savepoint is inside. */
  readonly outer?: Scope;
  /** Cache scopes this transaction (or a savepoint in it) bumped: set on the outermost scope. */
  bumped?: Set<string>;
}

/** The transaction a handle's scope belongs to (its outermost scope). */
export function outermost(scope: Scope): Scope {
  let s = scope;
  while (s.outer) s = s.outer;
  return s;
}

export const scopes = new AsyncLocalStorage<Scope>();

export interface EngineOps {
  readonly engine: Database['engine'];
  readonly tables: Tables;
  /** The connection (SQLite) or pool (PostgreSQL) shared by a handle and its transactions. */
  readonly root: object;
  /** Set on a transaction's handle. */
  readonly scope: Scope | undefined;
  exclusive<T>(run: () => Promise<T>): Promise<T>;
  all<T>(query: SQL): Promise<T[]>;
  run(query: SQL): Promise<number>;
  transaction<T>(body: (tx: Database) => Promise<T>): Promise<T>;
  migrate(): Promise<number>;
  close(): Promise<void>;
}

/** A store function used the wrong handle: a bug in the caller, named so it can be found. */
export class TransactionMisuseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransactionMisuseError';
  }
}

const OPS = Symbol('convene.db.ops');

export function opsOf(db: Database): EngineOps {
  const ops = (db as unknown as { [OPS]?: EngineOps })[OPS];
  if (!ops) throw new TypeError('not a Database from src/db/database.ts');
  return ops;
}

// SQLite's synchronous executors: code that reaches them would not run on PostgreSQL.
const SYNC_ONLY = new Set<PropertyKey>(['all', 'get', 'run', 'prepare', 'sync']);
const AWAIT = new Set<PropertyKey>(['then', 'catch', 'finally']);
const BUILDER_METHODS = ['then', 'from', 'values', 'set', 'select'];

// biome-ignore lint/suspicious/noExplicitAny: wraps drizzle databases of both dialects.
export function makeHandle(queries: any, ops: EngineOps): Database {
  const check = () => {
    if (ops.scope) {
      if (!ops.scope.open)
        throw new TransactionMisuseError('a transaction handle was used after its transaction ended');
      return;
    }
    const open = scopes.getStore();
    if (open?.open && open.root === ops.root) {
      throw new TransactionMisuseError(
        'inside transaction(db, …) the body must use the tx it was given, not db: on SQLite db waits for the transaction to end, on PostgreSQL it runs outside it',
      );
    }
  };
  const statement = <T>(run: () => Promise<T>, early?: unknown): Promise<T> => {
    try {
      if (early) throw early;
      check();
    } catch (error) {
      return Promise.reject(error);
    }
    return ops.exclusive(run);
  };
  // `early`: what check() found when the query was built (in the caller's context), reported when it runs.
  const wrap = (value: unknown, early?: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const target = value as Record<PropertyKey, unknown>;
    if (!BUILDER_METHODS.some((m) => typeof target[m] === 'function')) return value;
    return new Proxy(target, {
      get(t, prop) {
        if (SYNC_ONLY.has(prop)) {
          return () => {
            throw new TypeError(`.${String(prop)}() is SQLite's synchronous API: await the query instead`);
          };
        }
        const member = Reflect.get(t, prop, t);
        if (typeof member !== 'function') return member;
        if (AWAIT.has(prop)) {
          return (...args: unknown[]) => {
            const then = Reflect.get(t, 'then', t) as (ok: (v: unknown) => void, fail: (e: unknown) => void) => void;
            const execute =
              typeof t.execute === 'function'
                ? () => (t.execute as () => Promise<unknown>).call(t)
                : () => new Promise<unknown>((ok, fail) => then.call(t, ok, fail));
            const done = statement(execute, early);
            return (done[prop as 'then'] as (...a: unknown[]) => unknown).apply(done, args);
          };
        }
        if (prop === 'execute') return (...args: unknown[]) => statement(() => member.apply(t, args), early);
        return (...args: unknown[]) => wrap(member.apply(t, args), early);
      },
    });
  };
  const builder =
    (name: string) =>
    (...args: unknown[]) => {
      let early: unknown;
      try {
        check();
      } catch (error) {
        early = error;
      }
      return wrap(queries[name](...args), early);
    };
  const handle = {
    engine: ops.engine,
    tables: ops.tables,
    select: builder('select'),
    selectDistinct: builder('selectDistinct'),
    insert: builder('insert'),
    update: builder('update'),
    delete: builder('delete'),
    $count: builder('$count'),
    with: builder('with'),
    all: <T>(query: SQL) => statement(() => ops.all<T>(query)),
    run: (query: SQL) => statement(() => ops.run(query)),
    [OPS]: ops,
  };
  return handle as unknown as Database;
}

/** Run `body` in a new scope: begin, then commit, or roll back and rethrow. */
export async function inScope<T>(
  root: object,
  steps: { begin(): void | Promise<void>; commit(): void | Promise<void>; rollback(): void | Promise<void> },
  makeTx: (scope: Scope) => Database,
  body: (tx: Database) => Promise<T>,
): Promise<T> {
  const around = scopes.getStore();
  const scope: Scope = { root, open: true, outer: around?.open && around.root === root ? around : undefined };
  await steps.begin();
  try {
    const result = await scopes.run(scope, () => body(makeTx(scope)));
    scope.open = false;
    await steps.commit();
    return result;
  } catch (error) {
    scope.open = false;
    await steps.rollback();
    throw error;
  }
}
