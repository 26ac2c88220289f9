// Abuse limits: per-project request rate (403 DNS.0014), shared by every way of authenticating; per-address token requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_IDENTITIES, loginBody } from '../helpers/auth-clients.ts';
import { IDS, makeHarness, type Harness } from '../helpers/harness.ts';
import { signedInject } from './helpers.ts';

function assertLimited(res: { status: number; body: any; headers: Record<string, unknown> }) {
  assert.equal(res.status, 403, JSON.stringify(res.body));
  assert.equal(res.body.error_code, 'DNS.0014');
  assert.equal(res.body.code, 'DNS.0014');
  assert.match(res.body.error_msg, /^Request forbidden by flow control\./);
  assert.equal(res.body.request_id, res.headers['x-request-id']);
}

describe('per-project rate limit', () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness('sqlite', { authSettings: { rateLimit: { perSecond: 2, burst: 3 } } });
  });
  after(async () => h.close());

  it('allows the burst, then refuses with 403 DNS.0014 and Retry-After until the bucket refills', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await h.req('GET', '/v2.1/vpcs')).status, 200);
    const limited = await h.req('GET', '/v2.1/vpcs');
    assertLimited(limited);
    assert.equal(limited.headers['retry-after'], '1');
    h.clock.advance(500);
    assert.equal((await h.req('GET', '/v2.1/vpcs')).status, 200, 'one request every 500 ms at 2/s');
    assertLimited(await h.req('GET', '/v2.1/vpcs'));
    h.clock.advance(10_000);
  });

  it('counts a project\'s requests however they authenticate, and only that project\'s', async () => {
    assert.equal((await h.req('GET', '/v2.1/vpcs')).status, 200);
    const signed = () => signedInject(h, 'GET', '/v2.1/vpcs', { ak: TEST_IDENTITIES.alpha.access, sk: TEST_IDENTITIES.alpha.secret });
    assert.equal((await signed()).status, 200);
    assert.equal((await signed()).status, 200);
    assertLimited(await signed());
    assertLimited(await h.req('GET', '/v2.1/vpcs'));
    assert.equal((await h.req('GET', '/v2.1/vpcs', undefined, IDS.B.token)).status, 200, 'project B has its own bucket');
    h.clock.advance(10_000);
  });

  it('refuses before the handler runs (nothing is created), and never counts unauthenticated requests', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await h.req('GET', '/v2.1/vpcs', undefined, 'no-such-token-000000000')).status, 401);
    for (let i = 0; i < 3; i++) assert.equal((await h.req('GET', '/v2.1/vpcs')).status, 200, 'the 401s took nothing from the bucket');
    const body = { name: 'limited', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: IDS.A.subnet }, { subnet_id: IDS.A.subnet }] };
    assertLimited(await h.req('POST', '/v2.1/endpoints', body));
    h.clock.advance(10_000);
    assert.equal((await h.req('GET', '/v2.1/endpoints?direction=inbound&name=limited')).body.metadata.total_count, 0);
  });
});

describe('token request limit per client address', () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness('sqlite', { authSettings: { loginRateLimit: { perSecond: 1, burst: 2 } } });
  });
  after(async () => h.close());

  const login = () =>
    h.sys.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: loginBody(TEST_IDENTITIES.alpha, { name: 'alpha' }), remoteAddress: '192.0.2.7' });

  it('refuses POST and DELETE /v3/auth/tokens beyond the limit with 403 DNS.0014, per address', async () => {
    assert.equal((await login()).statusCode, 201);
    const token = String((await login()).headers['x-subject-token']);
    const third = await login();
    assertLimited({ status: third.statusCode, body: third.json(), headers: third.headers });
    const revoke = await h.sys.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-subject-token': token }, remoteAddress: '192.0.2.7' });
    assert.equal(revoke.statusCode, 403);
    const elsewhere = await h.sys.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-subject-token': token }, remoteAddress: '192.0.2.8' });
    assert.equal(elsewhere.statusCode, 204, 'another address has its own bucket');
    h.clock.advance(1000);
    assert.equal((await login()).statusCode, 201);
  });
});
