// PostgreSQL: precompiled queries run as named prepared statements on each connection; other queries unchanged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { withPreparedStatements } from '../../src/store/dialect/postgres.ts';
import { registerPreparedText } from '../../src/store/precompiled.ts';
import { PG_SKIP_MESSAGE, PG_URL } from '../helpers/harness.ts';

describe('withPreparedStatements', { skip: PG_URL ? false : PG_SKIP_MESSAGE }, () => {
  let pool: pg.Pool;
  before(() => {
    pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
  });
  after(() => pool.end());

  it('runs a registered text by name, parsed once per connection, planned with each call\'s values', async () => {
    const text = 'select $1::int + $2::int as "sum" /* pg-prepared test */';
    registerPreparedText(text);
    const client = await withPreparedStatements(pool).connect();
    try {
      const query = client.query.bind(client) as unknown as (sql: string, values?: unknown[]) => Promise<pg.QueryResult>;
      assert.deepEqual((await query(text, [1, 2])).rows, [{ sum: 3 }]);
      assert.deepEqual((await query(text, [20, 22])).rows, [{ sum: 42 }]);
      const prepared = (await query('select name, statement from pg_prepared_statements')).rows as Array<{ name: string; statement: string }>;
      assert.equal(prepared.filter((p) => p.statement === text).length, 1, 'prepared once, under one name');
      assert.match(prepared.find((p) => p.statement === text)!.name, /^vpcdns_\d+$/);
      assert.deepEqual((await query('select $1::text as "t"', ['not registered'])).rows, [{ t: 'not registered' }]);
      // Planned with each call's values: a generic plan made while a table was small would outlive its growth.
      assert.deepEqual((await query('show plan_cache_mode')).rows, [{ plan_cache_mode: 'force_custom_plan' }]);
      assert.equal(prepared.some((p) => p.statement.includes('not registered')), false, 'other queries are not prepared');
    } finally {
      client.release();
    }
    // The same connection, taken again: its client is patched once and still knows the statement.
    const again = await withPreparedStatements(pool).connect();
    try {
      assert.deepEqual((await (again.query.bind(again) as unknown as (sql: string, values?: unknown[]) => Promise<pg.QueryResult>)(text, [2, 3])).rows, [{ sum: 5 }]);
    } finally {
      again.release();
    }
  });
});
