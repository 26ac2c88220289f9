// Opens the configured database (SQLite file, :memory:, or a postgres:// URL), migrated and ready.
import { mkdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';
import { postgresStatements, withPreparedStatements } from './dialect/postgres.ts';
import { SqliteStatements, sqliteStatements } from './dialect/sqlite.ts';
import { PgConnectGate } from './pg-connect.ts';
import { createSqlStore } from './sql-store.ts';
import { SERVER_AUTOCHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.ts';
import type { Store } from './types.ts';

/** Free space beside a SQLite file below which readiness fails ("disk nearly full"). */
export const LOW_DISK_BYTES = 1024 * 1024;

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

export interface OpenStoreOptions {
  /** PostgreSQL schema to use (created if absent); tests use one per run to stay isolated. */
  pgSchema?: string;
  pgPoolSize?: number;
  /**
   * Commit without waiting for the WAL flush (synchronous_commit off). For the reconciler's pool only:
   * its writes are status transitions that it redoes after a crash, so a lost commit costs nothing,
   * while waiting for each flush would put an fsync in every step of the lifecycle.
   */
  pgAsyncCommit?: boolean;
  /** Longest time a statement may run (PostgreSQL statement_timeout); default 30 s, 0: no limit. */
  pgStatementTimeoutMs?: number;
  /** Longest wait for a connection, new or from the pool when all are busy; default 5 s. */
  pgConnectTimeoutMs?: number;
  /** Told of an error on an idle connection (the server restarted, the connection was killed); default: a warning. */
  onPoolError?: (err: Error) => void;
}

/** PostgreSQL connection defaults (docs/storage.md, "PostgreSQL connections"). */
export const PG_DEFAULTS = { poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 } as const;

export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(url)) return openPostgres(url, opts);
  return openSqlite(url);
}

async function openSqlite(path: string): Promise<Store> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const statements = new SqliteStatements(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  await migrate(db);
  const store = createSqlStore(db, sqliteStatements, statements);
  if (path === ':memory:') return store;
  // Checkpoints (and their fsyncs) run on a worker thread; the connection's own threshold is only a safety net.
  sqlite.pragma(`wal_autocheckpoint = ${SERVER_AUTOCHECKPOINT_PAGES}`);
  const checkpointer = await startCheckpointer(path, (message) => process.emitWarning(`SQLite checkpoint failed: ${message}`));
  const probe = store.probe.bind(store);
  store.probe = async () => {
    await probe();
    const { bavail, bsize } = await statfs(dirname(path));
    const free = bavail * bsize;
    if (free < LOW_DISK_BYTES) throw new Error(`disk nearly full: ${(free / 1048576).toFixed(2)} MiB free in ${dirname(path)}`);
  };
  const close = store.close.bind(store);
  store.close = async () => {
    await checkpointer.stop();
    await close();
  };
  return store;
}

const int8AsNumber = (oid: number, format?: unknown) =>
  // BIGINT columns hold millisecond timestamps and IPv4 integers, both exact in a double.
  oid === 20 ? (v: string) => Number(v) : (pg.types.getTypeParser as (o: number, f?: unknown) => unknown)(oid, format);

async function openPostgres(url: string, opts: OpenStoreOptions): Promise<Store> {
  const schema = opts.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.pgPoolSize ?? PG_DEFAULTS.poolSize,
    connectionTimeoutMillis: opts.pgConnectTimeoutMs ?? PG_DEFAULTS.connectTimeoutMs,
    keepAlive: true,
    ...((opts.pgStatementTimeoutMs ?? PG_DEFAULTS.statementTimeoutMs) > 0 ? { statement_timeout: opts.pgStatementTimeoutMs ?? PG_DEFAULTS.statementTimeoutMs } : {}),
    types: { getTypeParser: int8AsNumber } as unknown as pg.CustomTypesConfig,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection that fails (the server restarted, pg_terminate_backend) is dropped from the pool, which emits
  // 'error': without a listener that would end the process.
  pool.on('error', opts.onPoolError ?? ((err) => process.emitWarning(`PostgreSQL idle connection failed: ${err.message}`)));
  const gate = new PgConnectGate(pool);
  if (schema) {
    const c = await pool.connect();
    try {
      await c.query(`create schema if not exists ${schema}`);
    } finally {
      c.release();
    }
  }
  // A connection lost right away fails its first query anyway; this one's failure is not worth a rejection.
  if (opts.pgAsyncCommit) pool.on('connect', (client) => void client.query('set synchronous_commit to off').catch(() => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool, () => gate.connect()) }) });
  // Tables land in the connection's current schema (search_path, which a URL may set with
  // ?options=-c search_path=...); the migration bookkeeping must live in that same schema.
  const current = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  await migrate(db, current.rows[0]?.schema ?? schema ?? 'public');
  return createSqlStore(db, postgresStatements);
}

async function migrate(db: Kysely<Database>, pgSchema?: string): Promise<void> {
  // The migration tables live in the store's own schema, so several schemas in one database stay independent.
  // Unordered: migrations are independent of each other, so one that lands after a higher-numbered one (developed
  // side by side) still runs on a database that already has the later one.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true, ...(pgSchema ? { migrationTableSchema: pgSchema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
}
