// SQLite on a full disk (a 4 MiB tmpfs the test mounts): writes answer 503 DNS.0503 with Retry-After, reads keep
// working, /readyz says why, nothing is half-written or corrupt, and writes work again once space is freed, without a restart.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, rmdirSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { makeHarness, type Harness } from '../helpers/harness.ts';

/** Mounts a small tmpfs (root or CAP_SYS_ADMIN); the reason it cannot, or null. */
function mountTmpfs(dir: string, size: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'vpcdns-full-'));
const mountError = mountTmpfs(dir, '4m');
if (mountError) console.log(`# SQLite disk-full test NOT RUN: cannot mount a tmpfs (${mountError}); run the suite as root or with CAP_SYS_ADMIN`);

/** Fills the file system with one file until ENOSPC. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  // Whatever is left is smaller than a chunk: take it too.
  try {
    for (;;) writeSync(fd, Buffer.alloc(512, 1));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
}

describe('SQLite with its disk full', { skip: mountError ? `cannot mount a tmpfs: ${mountError}` : false }, () => {
  let h: Harness;
  const dbPath = join(dir, 'vpcdns.sqlite');
  const filler = join(dir, 'filler');
  const created: string[] = [];
  const create = (name: string) =>
    h.req('POST', '/v2.1/endpoints', { name, direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId }] });

  before(async () => {
    h = await makeHarness('sqlite', { sqlitePath: dbPath });
  });
  after(async () => {
    await h?.close();
    execFileSync('umount', [dir]);
    rmdirSync(dir);
  });

  it('answers 503 DNS.0503 with Retry-After while full, and recovers once space is freed', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await create(`before-${i}`);
      assert.equal(r.status, 202);
      created.push(r.body.endpoint.id);
    }
    fill(filler);
    // The WAL may still have room for a few commits: write until one fails, every answer a 202 or the documented 503.
    let refused: { status: number; body: any; headers: Record<string, unknown> } | undefined;
    for (let i = 0; i < 3000 && !refused; i++) {
      const r = await create(`full-${i}`);
      if (r.status === 202) created.push(r.body.endpoint.id);
      else refused = r;
    }
    assert.ok(refused, 'a write failed once the disk was full');
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'DNS.0503');
    assert.match(refused.body.message, /disk full/);
    assert.equal(refused.headers['retry-after'], '2');
    assert.ok(refused.body.request_id);

    const ready = await h.sys.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.json().checks.database, /^(writes fail: disk full|disk nearly full)/);
    const list = await h.req('GET', '/v2.1/endpoints?direction=inbound&limit=500');
    assert.equal(list.status, 200, `reads still work: ${JSON.stringify(list.body)}`);
    assert.equal(list.body.metadata.total_count, created.length, 'every 202 is there, nothing else');

    rmSync(filler);
    const r = await create('after');
    assert.equal(r.status, 202, JSON.stringify(r.body));
    created.push(r.body.endpoint.id);
    assert.equal((await h.sys.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    for (const id of created) {
      const ep = await h.req('GET', `/v2.1/endpoints/${id}`);
      assert.equal(ep.status, 200);
      assert.equal(ep.body.endpoint.ipaddress_count, 2, `endpoint ${id} has both its addresses`);
    }
    const total = (await h.req('GET', '/v2.1/endpoints?direction=inbound&limit=500')).body.metadata.total_count;
    assert.equal(total, created.length);
  });

  it('leaves a database that passes integrity_check', () => {
    const db = new BetterSqlite3(dbPath, { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const orphans = db.prepare('select count(*) from endpoint_addresses a left join endpoints e on e.id = a.endpoint_id where e.id is null').pluck().get();
      assert.equal(orphans, 0);
    } finally {
      db.close();
    }
  });
});
