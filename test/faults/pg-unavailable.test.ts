// PostgreSQL unavailable (a proxy in front of a database of the test's own, stopped and started; connections killed
// with pg_terminate_backend): 503 DNS.0503 with Retry-After while down, /readyz says why, the process survives
// connections dropped under it, and everything recovers without a restart, no 202'd work lost.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PG_SKIP_MESSAGE, PG_URL, makeHarness, type Harness } from '../helpers/harness.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/wait.ts';

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('PostgreSQL unavailable', { skip: PG_URL ? false : PG_SKIP_MESSAGE }, () => {
  const database = `faults_${randomBytes(5).toString('hex')}`;
  let proxy: TcpProxy;
  let h: Harness;
  const accepted: string[] = [];
  const create = (name: string) =>
    h.req('POST', '/v2.1/endpoints', { name, direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId }] });
  const ready = async () => {
    const r = await h.sys.app.inject({ method: 'GET', url: '/readyz' });
    return { status: r.statusCode, body: r.json() as { checks: Record<string, string> } };
  };
  const allActive = async () => {
    for (const id of accepted) {
      const r = await h.req('GET', `/v2.1/endpoints/${id}`);
      if (r.status !== 200 || r.body.endpoint.status !== 'ACTIVE') return false;
    }
    return true;
  };

  before(async () => {
    await admin((c) => c.query(`create database ${database}`));
    const url = new URL(PG_URL!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    url.pathname = `/${database}`;
    h = await makeHarness('postgres', { pgUrl: url.toString(), mode: 'auto', keep: true, separateReconcilerStore: true });
  });
  after(async () => {
    await h?.close();
    await proxy?.close();
    await admin((c) => c.query(`drop database if exists ${database} with (force)`));
  });

  it('answers 503 DNS.0503 with Retry-After while the server is unreachable, and recovers when it is back', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await create(`up-${i}`);
      assert.equal(r.status, 202);
      accepted.push(r.body.endpoint.id);
    }
    await until('the first endpoints ACTIVE', allActive);
    // Accepted just before the outage: the reconciler's work on them fails and must be retried after it.
    const late = await Promise.all([create('late-0'), create('late-1')]);
    for (const r of late) accepted.push(r.body.endpoint.id);
    await proxy.stop();

    const down = await create('down-0');
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.equal(down.body.code, 'DNS.0503');
    assert.match(down.body.message, /database/);
    assert.equal(down.headers['retry-after'], '2');
    const t0 = Date.now();
    const again = await h.req('GET', `/v2.1/endpoints/${accepted[0]}`);
    assert.equal(again.status, 503);
    assert.ok(Date.now() - t0 < 1000, 'during the backoff a request fails at once');
    const r = await ready();
    assert.equal(r.status, 503);
    assert.match(r.body.checks.database!, /^database unreachable: /);

    await proxy.start();
    await until('writes accepted again', async () => {
      const res = await create(`back-${accepted.length}`);
      if (res.status === 202) accepted.push(res.body.endpoint.id);
      else assert.equal(res.body.code, 'DNS.0503');
      return res.status === 202;
    }, { timeoutMs: 10_000, everyMs: 100 });
    assert.equal((await ready()).status, 200);
    await until('every accepted endpoint ACTIVE', allActive, { timeoutMs: 10_000, everyMs: 100 });
    const list = await h.req('GET', '/v2.1/endpoints?direction=inbound&limit=100');
    assert.equal(list.body.metadata.total_count, accepted.length, 'every 202 is there, and nothing refused is');
  });

  it('survives its connections killed by pg_terminate_backend, idle or in use', async () => {
    // Fill the pool with idle connections, then kill every connection to the database while requests run.
    await Promise.all(Array.from({ length: 8 }, (_, i) => h.req('GET', `/v2.1/endpoints/${accepted[i % accepted.length]}`)));
    const requests = Array.from({ length: 8 }, (_, i) => create(`killed-${i}`));
    const killed = await admin(async (c) => (await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database])).rowCount);
    assert.ok((killed ?? 0) > 0);
    for (const r of await Promise.all(requests)) {
      if (r.status === 202) accepted.push(r.body.endpoint.id);
      else assert.equal(r.body.code, 'DNS.0503', JSON.stringify(r.body));
    }
    await until('writes accepted again', async () => {
      const res = await create(`after-kill-${accepted.length}`);
      if (res.status === 202) accepted.push(res.body.endpoint.id);
      return res.status === 202;
    }, { timeoutMs: 10_000, everyMs: 100 });
    await until('every accepted endpoint ACTIVE', allActive, { timeoutMs: 10_000, everyMs: 100 });
    await until('/readyz 200', async () => (await ready()).status === 200, { timeoutMs: 10_000 });
  });
});
