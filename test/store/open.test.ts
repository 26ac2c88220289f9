// Opening stores: a PostgreSQL URL that sets search_path migrates into that schema, whatever other schemas hold.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/open.ts';
import { PG_SKIP_MESSAGE, PG_URL, dropPgSchema } from '../helpers/harness.ts';

describe('openStore on PostgreSQL', { skip: PG_URL ? false : PG_SKIP_MESSAGE }, () => {
  const schemas = [`t_${randomBytes(6).toString('hex')}`, `t_${randomBytes(6).toString('hex')}`];
  after(async () => {
    for (const s of schemas) await dropPgSchema(s);
  });

  it('keeps the migration records in the schema that search_path selects', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    for (const s of schemas) await admin.query(`create schema ${s}`);
    await admin.end();
    for (const s of schemas) {
      const url = new URL(PG_URL!);
      url.searchParams.set('options', `-c search_path=${s}`);
      const store = await openStore(url.toString());
      await store.projects.create({ id: randomBytes(16).toString('hex'), name: `p-${s}`, createdAt: 0 });
      assert.equal((await store.projects.list()).length, 1, `the second schema is migrated too (${s})`);
      await store.close();
    }
  });
});
