// The SQLite connection as Kysely and the precompiled queries use it: prepared statements kept per SQL text.
import type BetterSqlite3 from 'better-sqlite3';
import type { QueryResult, SqliteDatabase, SqliteStatement } from 'kysely';

/** Statements that write one of these tables may change which tokens are valid. */
const TOKEN_TABLES = /\b(api_tokens|users|projects)\b/i;

/**
 * Kysely prepares every query anew; preparing costs as much as running a small query, so prepared statements are
 * kept per SQL text (bounded). Statements run to completion synchronously (none is iterated while another runs), so
 * reusing one is safe. `run` executes compiled SQL directly, with the result Kysely's SQLite driver would give.
 */
export class SqliteStatements implements SqliteDatabase {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();
  /** The cached statements that may change which tokens are valid (see tokenWrites). */
  private readonly tokenWriters = new WeakSet<BetterSqlite3.Statement>();
  private readonly dataVersion: BetterSqlite3.Statement;
  /**
   * Counts the statements this connection has prepared to run (every statement is, each time it runs, Kysely's included)
   * that write api_tokens, or users or projects, whose deletion removes their tokens. Counted before the statement
   * runs, so a token read that starts after the count it compares against has changed sees the write or waits for it.
   */
  tokenWrites = 0;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly max = 512,
  ) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  prepare(source: string): SqliteStatement & BetterSqlite3.Statement {
    let stmt = this.cache.get(source);
    if (!stmt) {
      stmt = this.db.prepare(source);
      if (!stmt.reader && TOKEN_TABLES.test(source)) this.tokenWriters.add(stmt);
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(source, stmt);
    }
    if (this.tokenWriters.has(stmt)) this.tokenWrites++;
    return stmt;
  }

  /** SQLite's PRAGMA data_version: changes when another connection (another process: `vpcdns admin`) has committed. */
  otherConnectionsVersion(): number {
    return this.dataVersion.get() as number;
  }

  run<O>(source: string, parameters: readonly unknown[]): QueryResult<O> {
    const stmt = this.prepare(source);
    if (stmt.reader) return { rows: stmt.all(parameters) as O[] };
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  close(): void {
    this.db.close();
  }
}
