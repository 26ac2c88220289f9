// Opens the configured database (SQLite file, :memory:, or a postgres:// URL), migrated and ready.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';
import { postgresStatements, withPreparedStatements } from './dialect/postgres.ts';
import { SqliteStatements, sqliteStatements } from './dialect/sqlite.ts';
import { createSqlStore } from './sql-store.ts';
import { SERVER_AUTOCHECKPOINT_PAGES, startCheckpointer } from './sqlite-checkpointer.ts';
import type { Store } from './types.ts';

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
}

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
    max: opts.pgPoolSize ?? 10,
    types: { getTypeParser: int8AsNumber } as unknown as pg.CustomTypesConfig,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  if (schema) {
    const c = await pool.connect();
    try {
      await c.query(`create schema if not exists ${schema}`);
    } finally {
      c.release();
    }
  }
  if (opts.pgAsyncCommit) pool.on('connect', (client) => void client.query('set synchronous_commit to off'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool) }) });
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
