// GET /healthz and /readyz: alive, and ready only while the database answers, the reconciler runs and the listeners are bound.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pino from 'pino';
import { createSystem, type System } from '../../src/system.ts';
import { TEST_SCRYPT, TEST_SECRETS } from '../helpers/auth-clients.ts';
import { openTestStore, testConfig } from '../helpers/harness.ts';

async function system(readiness: Record<string, () => void> = {}): Promise<System> {
  return createSystem({ store: await openTestStore('sqlite'), config: testConfig(), secrets: TEST_SECRETS, scrypt: TEST_SCRYPT, log: pino({ level: 'silent' }), mode: 'manual', readiness });
}

describe('GET /healthz and /readyz', () => {
  let sys: System | null = null;
  afterEach(async () => {
    await sys?.close();
    sys = null;
  });

  it('/healthz answers 200 without a token', async () => {
    sys = await system();
    const res = await sys.app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  it('/readyz answers 200 with each check when the database answers and the reconciler runs', async () => {
    sys = await system({ listeners: () => undefined });
    const res = await sys.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ready', checks: { database: 'ok', reconciler: 'ok', listeners: 'ok' } });
  });

  it('/readyz answers 503 naming the check that failed: listeners not bound', async () => {
    sys = await system({
      listeners: () => {
        throw new Error('API not listening yet');
      },
    });
    const res = await sys.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { status: 'unavailable', checks: { database: 'ok', reconciler: 'ok', listeners: 'API not listening yet' }, reason: 'listeners: API not listening yet' });
  });

  it('/readyz answers 503 once the reconciler stopped', async () => {
    sys = await system();
    await sys.reconciler.stop();
    const res = await sys.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().reason, 'reconciler: not running');
  });

  it('/readyz answers 503 when the database does not answer', async () => {
    sys = await system();
    const store = sys.store;
    const probe = store.probe.bind(store);
    store.probe = async () => {
      throw new Error('connection refused');
    };
    try {
      const res = await sys.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().checks.database, 'connection refused');
    } finally {
      store.probe = probe;
    }
  });
});
