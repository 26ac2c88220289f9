// The SQLite connection as Kysely and the precompiled queries use it: prepared statements kept per SQL text.
import type BetterSqlite3 from 'better-sqlite3';
import type { QueryResult, SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely prepares every query anew; preparing costs as much as running a small query, so prepared statements are
 * kept per SQL text (bounded). Statements run to completion synchronously (none is iterated while another runs), so
 * reusing one is safe. `run` executes compiled SQL directly, with the result Kysely's SQLite driver would give.
 */
export class SqliteStatements implements SqliteDatabase {
  private readonly cache = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly max = 512,
  ) {}

  prepare(source: string): SqliteStatement & BetterSqlite3.Statement {
    let stmt = this.cache.get(source);
    if (!stmt) {
      stmt = this.db.prepare(source);
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(source, stmt);
    }
    return stmt;
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
