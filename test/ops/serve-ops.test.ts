// The real process: /readyz, /metrics (with process and data-plane figures), /openapi.json and /docs without credentials.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../helpers/serve-process.ts';

describe('vpcdns serve: operator endpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-ops-'));
  let server: RunningServer;
  before(async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'projects:\n  - { id: 0123456789abcdef0123456789abcdef, name: ops, tokens: [ "ops-test-token-000001" ] }\n');
    server = await startServer({ args: ['--db', ':memory:', '--config', config, '--log-level', 'warn'] });
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ready: database, reconciler and listeners', async () => {
    const res = await fetch(`${server.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready', checks: { database: 'ok', reconciler: 'ok', listeners: 'ok' } });
  });

  it('exposes process and data-plane metrics', async () => {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    assert.match(text, /^vpcdns_dns_listeners 0$/m);
    assert.match(text, /^vpcdns_reconciler_running 1$/m);
  });

  it('serves the OpenAPI document and the reference without credentials', async () => {
    assert.equal((await fetch(`${server.url}/openapi.json`)).status, 200);
    assert.equal((await fetch(`${server.url}/docs/`)).status, 200);
  });

  it('logs no request line below its --log-level', () => {
    assert.doesNotMatch(server.output(), /"msg":"request"/);
  });
});
