// Helpers shared by the Kysely repositories: driver error translation, value conversion, precompiled queries.
import type { Compilable, CompiledQuery, Kysely, QueryResult, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import { registerPreparedText } from './pg-prepared.ts';
import { ConstraintViolation } from './types.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database> | Transaction<Database>;

/** Maps a driver error to ConstraintViolation when a constraint refused the write; rethrows anything else. */
export function translateError(e: unknown): never {
  const err = e as { code?: string; constraint?: string; message?: string };
  if (err && typeof err === 'object') {
    // PostgreSQL: SQLSTATE 23505 unique, 23503 foreign key; the constraint name is given.
    if (err.code === '23505') throw new ConstraintViolation('unique', err.constraint ?? 'unknown', e);
    if (err.code === '23503') throw new ConstraintViolation('foreign_key', err.constraint ?? 'unknown', e);
    // SQLite: the message names the columns ("UNIQUE constraint failed: endpoints.project_id, endpoints.name").
    if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new ConstraintViolation('unique', sqliteConstraintName(err.message ?? ''), e);
    }
    if (err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new ConstraintViolation('foreign_key', 'foreign_key', e);
  }
  throw e;
}

const SQLITE_UNIQUE_NAMES: Record<string, string> = {
  'endpoints.project_id,endpoints.name': 'endpoints_project_name',
  'endpoint_addresses.subnet_id,endpoint_addresses.ip': 'endpoint_addresses_subnet_ip',
  'projects.name': 'projects_name_key',
  'subnets.neutron_subnet_id': 'subnets_neutron_subnet_id_key',
  'resolver_rules.endpoint_id,resolver_rules.domain_key': 'resolver_rules_endpoint_domain',
  'resolver_rule_vpcs.vpc_id,resolver_rule_vpcs.domain_key': 'resolver_rule_vpcs_vpc_domain',
  'resolver_rule_vpcs.rule_id,resolver_rule_vpcs.vpc_id': 'resolver_rule_vpcs_pkey',
  'query_log_config_vpcs.vpc_id': 'query_log_config_vpcs_vpc',
  'query_log_config_vpcs.config_id,query_log_config_vpcs.vpc_id': 'query_log_config_vpcs_pkey',
};

function sqliteConstraintName(message: string): string {
  const cols = message.replace(/^.*constraint failed: /i, '').replace(/\s+/g, '');
  // A primary key gets PostgreSQL's default name, so both databases report the same constraint.
  const pk = /^(\w+)\.id$/.exec(cols);
  return SQLITE_UNIQUE_NAMES[cols] ?? (pk ? `${pk[1]}_pkey` : cols);
}

export async function guarded<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    return translateError(e);
  }
}

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

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
 * form runs as a named prepared statement (pg-prepared.ts).
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
