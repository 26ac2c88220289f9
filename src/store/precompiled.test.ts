// precompiled(): compiled once per dialect, run with each call's arguments, on a database or a transaction.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { Status } from '../domain/status.ts';
import type { Database } from './schema.ts';
import type { Dialect } from './context.ts';
import { precompiled } from './precompiled.ts';

/** A Kysely of `dialect` that runs nothing and records each query it is given. */
function recording(dialect: Dialect) {
  const seen: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => (dialect === 'postgres' ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => (dialect === 'postgres' ? new PostgresIntrospector(k) : new SqliteIntrospector(k)),
      createQueryCompiler: () => (dialect === 'postgres' ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
    log: (event) => void seen.push({ sql: event.query.sql, parameters: event.query.parameters }),
  });
  return { db, seen };
}

describe('precompiled', () => {
  it('builds once per dialect and runs each call with its own arguments, on the database and in a transaction', async () => {
    let builds = 0;
    const q = precompiled((db, id: string, now: number) => {
      builds++;
      return db.selectFrom('api_tokens').select('project_id').where('digest', '=', id).where('expires_at', '>', now).where('created_at', '<', now);
    });
    const sqlite = recording('sqlite');
    await q(sqlite.db, 'sqlite', 'a', 1);
    await q(sqlite.db, 'sqlite', 'b', 2);
    await sqlite.db.transaction().execute((tx) => q(tx, 'sqlite', 'c', 3));
    assert.equal(builds, 1);
    assert.deepEqual(
      sqlite.seen.filter((s) => s.sql.startsWith('select')),
      [
        { sql: 'select "project_id" from "api_tokens" where "digest" = ? and "expires_at" > ? and "created_at" < ?', parameters: ['a', 1, 1] },
        { sql: 'select "project_id" from "api_tokens" where "digest" = ? and "expires_at" > ? and "created_at" < ?', parameters: ['b', 2, 2] },
        { sql: 'select "project_id" from "api_tokens" where "digest" = ? and "expires_at" > ? and "created_at" < ?', parameters: ['c', 3, 3] },
      ],
    );
    const pg = recording('postgres');
    await q(pg.db, 'postgres', 'd', 4);
    assert.equal(builds, 2, 'compiled again for the other dialect');
    assert.deepEqual(pg.seen, [{ sql: 'select "project_id" from "api_tokens" where "digest" = $1 and "expires_at" > $2 and "created_at" < $3', parameters: ['d', 4, 4] }]);
  });

  it('keeps constant values of the query and substitutes only the arguments', async () => {
    const q = precompiled((db, id: string) => db.updateTable('endpoints').set({ status: 'ACTIVE' }).where('id', '=', id).where('status', '!=', 'PENDING_DELETE'));
    const { db, seen } = recording('sqlite');
    await q(db, 'sqlite', 'x');
    assert.deepEqual(seen, [{ sql: 'update "endpoints" set "status" = ? where "id" = ? and "status" != ?', parameters: ['ACTIVE', 'x', 'PENDING_DELETE'] }]);
  });

  it('refuses a query that does not use an argument as a value (its SQL would not depend on it)', async () => {
    const unused = precompiled((db, id: string, _other: string) => db.selectFrom('endpoints').select('id').where('id', '=', id));
    const { db, seen } = recording('sqlite');
    await assert.rejects(unused(db, 'sqlite', 'x', 'y'), /does not use each of its 2 arguments as a value/);
    // An object argument is a placeholder too: reading its fields gives undefined, never the caller's values.
    const fields = precompiled((db, e: { id: string }) => db.selectFrom('endpoints').select('id').where('id', '=', e.id));
    await assert.rejects(fields(db, 'sqlite', { id: 'x' }), /does not use each of its 1 arguments as a value/);
    assert.deepEqual(seen, [], 'nothing ran');
  });

  it('compiles a query with a list argument once per list length, and each list of a length with its own values', async () => {
    let builds = 0;
    const q = precompiled((db, ids: string[], status: Status) => {
      builds++;
      return db.selectFrom('endpoints').select('id').where('id', 'in', ids).where('status', '=', status);
    });
    const { db, seen } = recording('sqlite');
    await q(db, 'sqlite', ['a'], 'ACTIVE');
    await q(db, 'sqlite', ['b'], 'ERROR');
    await q(db, 'sqlite', ['c', 'd'], 'ACTIVE');
    await q(db, 'sqlite', ['e', 'f'], 'ERROR');
    assert.equal(builds, 2);
    assert.deepEqual(seen, [
      { sql: 'select "id" from "endpoints" where "id" in (?) and "status" = ?', parameters: ['a', 'ACTIVE'] },
      { sql: 'select "id" from "endpoints" where "id" in (?) and "status" = ?', parameters: ['b', 'ERROR'] },
      { sql: 'select "id" from "endpoints" where "id" in (?, ?) and "status" = ?', parameters: ['c', 'd', 'ACTIVE'] },
      { sql: 'select "id" from "endpoints" where "id" in (?, ?) and "status" = ?', parameters: ['e', 'f', 'ERROR'] },
    ]);
    const long = Array.from({ length: 100 }, (_, i) => `id${i}`);
    await q(db, 'sqlite', long, 'ACTIVE');
    await q(db, 'sqlite', long, 'ACTIVE');
    assert.equal(builds, 4, 'a long list is compiled per call, so lengths cannot grow the cache without bound');
    assert.deepEqual(seen.at(-1)!.parameters, [...long, 'ACTIVE']);
    await assert.rejects(q(db, 'sqlite', [], 'ACTIVE'), /empty list/);
  });
});
