// GET /metrics: Prometheus text with request counts and latency by route and status, reconciler and data-plane figures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { createSystem, type System } from '../../src/system.ts';
import { FakeUpstream, udpQuery } from '../dataplane/helpers.ts';
import { TEST_SCRYPT, TEST_SECRETS } from '../helpers/auth-clients.ts';
import { createEndpoint, makeHarness, openTestStore, testConfig, type Harness } from '../helpers/harness.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';

/** The value of one sample (name and exact label set), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(/,(?=[a-zA-Z_]+=")/).filter(Boolean).sort().join(',');
    if (got === wanted) return Number(m[3]);
  }
  return 0;
}

async function scrape(app: System['app']): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
}

describe('GET /metrics', () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness('sqlite');
  });
  after(() => h.close());

  it('answers without a token in the Prometheus text format', async () => {
    const res = await h.sys.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^# HELP vpcdns_http_requests_total /m);
    assert.match(res.body, /^# TYPE vpcdns_http_request_duration_seconds histogram$/m);
    assert.equal(sample(res.body, 'vpcdns_build_info', { version: '0.1.0' }), 1);
  });

  it('counts a request by method, route template and status, and observes its latency', async () => {
    const labels = { method: 'GET', route: '/v2.1/endpoints/:endpoint_id', status: '404' };
    const before = await scrape(h.sys.app);
    assert.equal((await h.req('GET', '/v2.1/endpoints/00000000000000000000000000000000')).status, 404);
    assert.equal((await h.req('GET', '/v2.1/endpoints/11111111111111111111111111111111')).status, 404);
    const after = await scrape(h.sys.app);
    assert.equal(sample(after, 'vpcdns_http_requests_total', labels) - sample(before, 'vpcdns_http_requests_total', labels), 2);
    assert.equal(sample(after, 'vpcdns_http_request_duration_seconds_count', labels) - sample(before, 'vpcdns_http_request_duration_seconds_count', labels), 2);
    assert.equal(sample(after, 'vpcdns_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), sample(after, 'vpcdns_http_request_duration_seconds_count', labels));
  });

  it('counts refused and unmatched requests without growing the label set', async () => {
    const before = await scrape(h.sys.app);
    await h.sys.app.inject({ method: 'GET', url: '/v2.1/endpoints?direction=inbound' }); // no token
    assert.equal((await h.req('GET', '/no/such/path/1')).status, 404);
    assert.equal((await h.req('GET', '/no/such/path/2')).status, 404);
    const after = await scrape(h.sys.app);
    const refused = { method: 'GET', route: '/v2.1/endpoints', status: '401' };
    assert.equal(sample(after, 'vpcdns_http_requests_total', refused) - sample(before, 'vpcdns_http_requests_total', refused), 1);
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    assert.equal(sample(after, 'vpcdns_http_requests_total', unmatched) - sample(before, 'vpcdns_http_requests_total', unmatched), 2);
    assert.doesNotMatch(after, /no\/such\/path/);
  });

  it('shows the reconciler queue depth, and the transition latency once it settled the work', async () => {
    const active = { kind: 'address', to: 'ACTIVE' };
    const before = await scrape(h.sys.app);
    await createEndpoint(h);
    const queued = await scrape(h.sys.app);
    assert.equal(sample(queued, 'vpcdns_reconciler_queue_depth', { kind: 'address' }), 2);
    assert.equal(sample(queued, 'vpcdns_reconciler_queue_depth', { kind: 'endpoint' }), 1);
    h.clock.advance(1500);
    await h.settle();
    const settled = await scrape(h.sys.app);
    assert.equal(sample(settled, 'vpcdns_reconciler_queue_depth', { kind: 'address' }), 0);
    assert.equal(sample(settled, 'vpcdns_reconciler_transition_seconds_count', active) - sample(before, 'vpcdns_reconciler_transition_seconds_count', active), 2);
    assert.equal(sample(settled, 'vpcdns_reconciler_transition_seconds_sum', active) - sample(before, 'vpcdns_reconciler_transition_seconds_sum', active), 3, 'each address waited 1.5 s');
    assert.equal(sample(settled, 'vpcdns_reconciler_transition_seconds_count', { kind: 'endpoint', to: 'ACTIVE' }), 1);
    assert.ok(sample(settled, 'vpcdns_reconciler_transitions_total') >= 3);
    assert.ok(sample(settled, 'vpcdns_reconciler_passes_total') > sample(before, 'vpcdns_reconciler_passes_total'));
    assert.equal(sample(settled, 'vpcdns_reconciler_running'), 1);
  });
});

describe('GET /metrics with a data plane', () => {
  const NET = loopbackNet();
  const LISTENER = NET.ip(81);
  let PORT: number;
  let up: FakeUpstream;
  let dp: DataPlane;
  let sys: System;
  before(async () => {
    up = await FakeUpstream.start(NET.ip(181));
    PORT = await freeDnsPort([LISTENER]);
    dp = new DataPlane({ port: PORT, queryTimeoutMs: 300, portRotationMs: 50 });
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [{ id: 'rule-1', domain: 'corp.example', targets: [up.target], sourceIps: [NET.ip(82)], endpointId: 'ep-out-1' }], upstreams: [up.target] }]);
    await dp.bindListener(LISTENER, 'vpc-1', 'ep-in-1');
    sys = await createSystem({
      store: await openTestStore('sqlite'),
      config: testConfig(),
      secrets: TEST_SECRETS,
      scrypt: TEST_SCRYPT,
      log: pino({ level: 'silent' }),
      mode: 'manual',
      dataPlane: dp,
    });
  });
  after(async () => {
    await sys.close();
    await dp.close();
    await up.close();
  });

  it('counts queries, answers by rcode, cache hits and upstream attempts between two scrapes', async () => {
    const before = await scrape(sys.app);
    assert.equal(sample(before, 'vpcdns_dns_listeners'), 1);
    assert.equal((await udpQuery(LISTENER, PORT, 'www.example.com')).rcode, 'NOERROR');
    assert.equal((await udpQuery(LISTENER, PORT, 'www.example.com')).rcode, 'NOERROR'); // from the cache
    const after = await scrape(sys.app);
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    assert.equal(delta('vpcdns_dns_queries_total'), 2);
    assert.equal(delta('vpcdns_dns_answers_total', { rcode: 'NOERROR' }), 2);
    assert.equal(delta('vpcdns_dns_cache_hits_total'), 1);
    assert.equal(delta('vpcdns_dns_upstream_queries_total'), 1);
    assert.equal(delta('vpcdns_dns_vpc_answers_total', { vpc_id: 'vpc-1', rcode: 'NOERROR' }), 2);
    assert.equal(delta('vpcdns_dns_endpoint_answers_total', { endpoint_id: 'ep-in-1', rcode: 'NOERROR' }), 2);
    assert.equal(delta('vpcdns_dns_upstream_latency_seconds_count'), 1, 'one attempt answered');
    assert.equal(sample(after, 'vpcdns_dns_upstream_latency_seconds_bucket', { le: '+Inf' }), sample(after, 'vpcdns_dns_upstream_latency_seconds_count'));
    assert.ok(sample(after, 'vpcdns_dns_upstream_latency_seconds_sum') > 0);
    assert.match(after, /^# TYPE vpcdns_dns_upstream_latency_seconds histogram$/m);
    assert.equal(sample(after, 'vpcdns_dns_cache_entries'), 1);
    assert.ok(sample(after, 'vpcdns_dns_cache_bytes') > 0);
    assert.match(after, /^# TYPE vpcdns_dns_cache_evictions_total counter$/m);
    assert.match(after, /^# TYPE vpcdns_dns_cache_too_large_total counter$/m);
    assert.equal(sample(after, 'vpcdns_dns_in_flight'), 0);
    assert.match(after, /^# TYPE vpcdns_dns_upstream_failures_total counter$/m);
    assert.match(after, /^# TYPE vpcdns_dns_udp_sends_waited_total counter$/m);
    assert.match(after, /^# TYPE vpcdns_dns_udp_sends_dropped_total counter$/m);
  });

  it('counts queries forwarded through a rule by the endpoint they leave from', async () => {
    const before = await scrape(sys.app);
    assert.equal((await udpQuery(LISTENER, PORT, 'db.corp.example')).rcode, 'NOERROR');
    const after = await scrape(sys.app);
    const labels = { endpoint_id: 'ep-out-1' };
    assert.equal(sample(after, 'vpcdns_dns_endpoint_forwarded_total', labels) - sample(before, 'vpcdns_dns_endpoint_forwarded_total', labels), 1);
  });

  it('counts upstream port rotations, and exports their failures', async () => {
    const before = await scrape(sys.app);
    assert.equal((await udpQuery(LISTENER, PORT, 'r1.corp.example')).rcode, 'NOERROR');
    // A sleep on purpose: the rotation period is real (monotonic) time, which a test cannot advance; 80 ms > 50 ms.
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal((await udpQuery(LISTENER, PORT, 'r2.corp.example')).rcode, 'NOERROR'); // starts a rotation
    let after = await scrape(sys.app);
    await until('a rotation to be counted', async () => {
      after = await scrape(sys.app);
      return sample(after, 'vpcdns_dns_upstream_port_rotations_total') > sample(before, 'vpcdns_dns_upstream_port_rotations_total');
    });
    assert.ok(sample(after, 'vpcdns_dns_upstream_port_rotations_total') > sample(before, 'vpcdns_dns_upstream_port_rotations_total'));
    assert.equal(sample(after, 'vpcdns_dns_upstream_port_rotation_failures_total'), 0);
    assert.match(after, /^# TYPE vpcdns_dns_upstream_port_rotation_failures_total counter$/m);
  });
});
