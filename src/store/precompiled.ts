// Queries built and compiled once per dialect, then run with each call's values (the hot paths' statements).
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db, Dialect } from './context.ts';

/** SQL text -> statement name, for the texts that run again and again with new values (dialect/postgres.ts prepares them). */
const preparedNames = new Map<string, string>();

/** Marks compiled SQL as worth preparing: it will run again and again with new values. */
export function registerPreparedText(text: string): void {
  if (!preparedNames.has(text)) preparedNames.set(text, `vpcdns_${preparedNames.size + 1}`);
}

/** The prepared statement name of a registered text, or undefined. */
export const preparedName = (text: string): string | undefined => preparedNames.get(text);

/** Where argument `index` (item `item` of it, when it is an array) goes in a precompiled query. */
class Placeholder {
  constructor(
    readonly index: number,
    readonly item?: number,
  ) {}
}

/**
 * Runs compiled SQL at once, without Kysely's executor, or returns undefined when it may not use the connection now
 * (the caller then goes through Kysely). The SQLite store registers one for itself and for each of its transactions.
 */
export type DirectRunner = <O>(sql: string, parameters: readonly unknown[]) => QueryResult<O> | undefined;

const directRunners = new WeakMap<Db, DirectRunner>();

/** Lets precompiled queries on `db` (a database or one transaction) run through `runner`. */
export function runDirectly(db: Db, runner: DirectRunner): void {
  directRunners.set(db, runner);
}

/** A precompiled query: run it on a database or transaction of `dialect` with this call's arguments. */
export type Precompiled<A extends unknown[], O> = (db: Db, dialect: Dialect, ...args: A) => Promise<QueryResult<O>>;

/** Array arguments of these lengths at most get their own compiled form (`IN` lists); longer ones are compiled per call. */
const MAX_CACHED_LIST = 64;

/**
 * A query built and compiled once per dialect, then run with new arguments: building and compiling a Kysely
 * query costs more than running a small indexed one, and the hot paths (X-Auth-Token, bind, list, the
 * reconciler) run several per request. `build` receives one placeholder per argument and must use each
 * (once or more) only as a value (`where(col, '=', x)`, `values({...})`, `set({...})`), so that the SQL
 * text does not depend on the arguments. An array argument (non-empty) becomes an array of placeholders, for
 * `where(col, 'in', ids)`: the SQL then depends on its length, so it is compiled once per length (up to
 * MAX_CACHED_LIST). Queries whose shape varies otherwise (optional filters) are built per call instead. The
 * compiled form depends on the dialect only, so a store and its transactions share it. On PostgreSQL each cached
 * form runs as a named prepared statement (dialect/postgres.ts).
 */
export function precompiled<A extends unknown[], O>(build: (db: Db, ...args: A) => Compilable<O>): Precompiled<A, O> {
  const cache = new Map<string, CompiledQuery<O>>();
  const compile = (db: Db, args: A, cacheable: boolean): CompiledQuery<O> => {
    const placeholders = args.map((a, i) => {
      if (!Array.isArray(a)) return new Placeholder(i);
      if (a.length === 0) throw new Error('precompiled query given an empty list');
      return a.map((_, j) => new Placeholder(i, j));
    });
    const compiled = build(db, ...(placeholders as A)).compile();
    if (cacheable) registerPreparedText(compiled.sql);
    const used = new Set(compiled.parameters.flatMap((p) => (p instanceof Placeholder ? [p.index] : [])));
    if (used.size !== args.length) throw new Error(`precompiled query does not use each of its ${args.length} arguments as a value: ${compiled.sql}`);
    return compiled;
  };
  return async (db, dialect, ...args) => {
    let key: string = dialect;
    let cacheable = true;
    for (const a of args) {
      if (!Array.isArray(a)) continue;
      key += `:${a.length}`;
      if (a.length > MAX_CACHED_LIST) cacheable = false;
    }
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = compile(db, args, cacheable);
      if (cacheable) cache.set(key, compiled);
    }
    const parameters = compiled.parameters.map((p) =>
      p instanceof Placeholder ? (p.item === undefined ? args[p.index] : (args[p.index] as unknown[])[p.item]) : p,
    );
    const direct = directRunners.get(db)?.<O>(compiled.sql, parameters);
    return direct ?? (await db.executeQuery<O>({ ...compiled, parameters }));
  };
}
