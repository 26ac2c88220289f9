// SQLite's own statements: the connection's prepared statements kept per SQL text, and the dialect's locks and combined writes.
import type BetterSqlite3 from 'better-sqlite3';
import type { QueryResult, SqliteDatabase, SqliteStatement } from 'kysely';
import type { Status } from '../../domain/status.ts';
import { affected, guarded, type DialectStatements } from '../context.ts';
import { precompiled } from '../precompiled.ts';
import { addressInsertIfFree, addressRow, addressSetStatus, endpointSetStatus, toEndpoint } from '../rows.ts';
import type { AddressStatusRow } from '../types.ts';

/** Statements that write one of these tables may change which tokens are valid. */
const TOKEN_TABLES = /\b(api_tokens|users|projects)\b/i;

/** What `rollback` runs when no transaction is open: nothing. */
const NO_OP = { reader: false, run: () => ({ changes: 0, lastInsertRowid: 0 }), all: () => [], iterate: () => [][Symbol.iterator]() };

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
    // SQLite ends a transaction itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM); Kysely's ROLLBACK
    // after that would fail with "no transaction is active" and hide the error that matters (disk full, a 503).
    if (source === 'rollback' && !this.db.inTransaction) return NO_OP as unknown as SqliteStatement & BetterSqlite3.Statement;
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

const endpointsByIds = precompiled((db, ids: string[]) => db.selectFrom('endpoints').selectAll().where('id', 'in', ids).orderBy('id'));
const endpointsTransition = precompiled((db, ids: string[], from: Status, to: Status, now: number) =>
  db.updateTable('endpoints').set({ status: to, updated_at: now }).where('id', 'in', ids).where('status', '=', from).returning('id'),
);
const addressesDelete = precompiled((db, ids: string[]) => db.deleteFrom('endpoint_addresses').where('id', 'in', ids));
const addressesSetStatusFrom = precompiled((db, ids: string[], status: Status, errorInfo: string | null, now: number, expected: Status) =>
  db.updateTable('endpoint_addresses').set({ status, error_info: errorInfo, updated_at: now }).where('id', 'in', ids).where('status', '=', expected).returning('id'),
);
const statusesOfEndpoints = precompiled((db, endpointIds: string[]) =>
  db.selectFrom('endpoint_addresses').select(['id', 'endpoint_id', 'status']).where('endpoint_id', 'in', endpointIds),
);

/** SQLite: no row locks (a transaction holds the one connection), and each combined write as its separate statements. */
export const sqliteStatements: DialectStatements = {
  name: 'sqlite',
  async lockProject() {},
  async lockSubnets() {},
  async lockEndpoint() {},
  async lockRule() {},
  async lockZone() {},
  async endpointsForUpdate(db, ids) {
    return (await endpointsByIds(db, 'sqlite', ids)).rows.map(toEndpoint);
  },
  async applyOutcomes(db, o) {
    const written = new Set<string>();
    const addresses: AddressStatusRow[] = [];
    if (o.deleteIds.length > 0) await addressesDelete(db, 'sqlite', [...o.deleteIds]);
    // One statement per distinct outcome (usually one: ACTIVE).
    const groups = new Map<string, { status: Status; errorInfo: string | null; ids: string[] }>();
    for (const u of o.updates) {
      const key = JSON.stringify([u.status, u.errorInfo]);
      const g = groups.get(key);
      if (g) g.ids.push(u.id);
      else groups.set(key, { status: u.status, errorInfo: u.errorInfo, ids: [u.id] });
    }
    for (const g of groups.values()) {
      const { rows } = await addressesSetStatusFrom(db, 'sqlite', g.ids, g.status, g.errorInfo, o.now, o.expected);
      for (const r of rows) written.add(r.id);
    }
    if (o.endpointIds.length > 0) {
      for (const r of (await statusesOfEndpoints(db, 'sqlite', [...o.endpointIds])).rows) addresses.push({ id: r.id, endpointId: r.endpoint_id, status: r.status });
    }
    return { written, addresses };
  },
  async transitionEach(db, moves, now) {
    // One statement per distinct (from, to).
    const moved = new Set<string>();
    const groups = new Map<string, string[]>();
    for (const m of moves) {
      const key = `${m.from}>${m.to}`;
      const ids = groups.get(key);
      if (ids) ids.push(m.id);
      else groups.set(key, [m.id]);
    }
    for (const [key, ids] of groups) {
      const [from, to] = key.split('>') as [Status, Status];
      for (const r of (await endpointsTransition(db, 'sqlite', ids, from, to, now)).rows) moved.add(r.id);
    }
    return moved;
  },
  async createAddressMarkingEndpoint(db, a, endpointStatus) {
    if (affected(await guarded(addressInsertIfFree(db, 'sqlite', ...addressRow(a)))) !== 1) return false;
    await endpointSetStatus(db, 'sqlite', a.endpointId, endpointStatus, a.updatedAt);
    return true;
  },
  async setAddressStatusMarkingEndpoint(db, id, endpointId, patch, endpointStatus) {
    await addressSetStatus(db, 'sqlite', id, patch.status, patch.errorInfo, patch.updatedAt);
    await endpointSetStatus(db, 'sqlite', endpointId, endpointStatus, patch.updatedAt);
  },
};
