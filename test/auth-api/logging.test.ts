// No secret in any log line: tokens, X-Subject-Token, passwords, SKs, Authorization headers, at the most verbose level.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { signRequestHeaders } from '../../src/auth/aksk.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { makeLogger } from '../../src/logging.ts';
import { openStore } from '../../src/store/open.ts';
import { createSystem, type System } from '../../src/system.ts';
import { TEST_AUTH, TEST_IDENTITIES, TEST_SCRYPT, TEST_SECRETS, loginBody } from '../helpers/auth-clients.ts';
import { IDS, testConfig } from '../helpers/harness.ts';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

describe('logs', () => {
  const out = new Capture();
  const clock = new ManualClock();
  let sys: System;
  const secrets: string[] = [];
  const alice = TEST_IDENTITIES.alpha;

  before(async () => {
    sys = await createSystem({
      store: await openStore(':memory:'),
      config: { ...testConfig(), auth: TEST_AUTH },
      log: makeLogger({ level: 'trace', destination: out }),
      httpLog: true,
      clock,
      mode: 'manual',
      secrets: TEST_SECRETS,
      scrypt: TEST_SCRYPT,
    });
    secrets.push(IDS.A.token, alice.password, alice.secret);
  });
  after(async () => sys.close());

  const inject = (o: { method: string; url: string; headers?: Record<string, string | readonly string[]>; payload?: string }) =>
    sys.app.inject({ method: o.method as 'GET', url: o.url, headers: { 'content-type': 'application/json', ...o.headers } as Record<string, string>, ...(o.payload !== undefined ? { payload: o.payload } : {}) });

  it('carry no credential from any request, accepted or refused', async () => {
    // Tokens: a good one, a wrong one.
    assert.equal((await inject({ method: 'GET', url: '/v2.1/vpcs', headers: { 'x-auth-token': IDS.A.token } })).statusCode, 200);
    const wrongToken = 'a-wrong-token-0123456789abcdef';
    secrets.push(wrongToken);
    assert.equal((await inject({ method: 'GET', url: '/v2.1/vpcs', headers: { 'x-auth-token': wrongToken } })).statusCode, 401);
    // Logins: right, wrong, malformed (with the password in the broken JSON), refused by the schema.
    const login = await inject({ method: 'POST', url: '/v3/auth/tokens', payload: JSON.stringify(loginBody(alice, { name: 'alpha' })) });
    assert.equal(login.statusCode, 201);
    const loginToken = String(login.headers['x-subject-token']);
    secrets.push(loginToken);
    assert.equal((await inject({ method: 'POST', url: '/v3/auth/tokens', payload: JSON.stringify(loginBody({ ...alice, password: 'wrong-password-9876' }, { name: 'alpha' })) })).statusCode, 401);
    secrets.push('wrong-password-9876');
    const broken = `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"${alice.password}" oops`;
    assert.equal((await inject({ method: 'POST', url: '/v3/auth/tokens', payload: broken })).statusCode, 400);
    const extra = loginBody(alice, { name: 'alpha' }) as any;
    extra.auth.identity.password.user.pin = 'pin-is-a-secret-too';
    assert.equal((await inject({ method: 'POST', url: '/v3/auth/tokens', payload: JSON.stringify(extra) })).statusCode, 400);
    secrets.push('pin-is-a-secret-too');
    // The login token in use, then revoked with X-Subject-Token (with an X-Security-Token along for good measure).
    assert.equal((await inject({ method: 'GET', url: '/v3/projects', headers: { 'x-auth-token': loginToken, 'x-security-token': 'security-token-secret-1' } })).statusCode, 200);
    secrets.push('security-token-secret-1');
    assert.equal((await inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-subject-token': loginToken } })).statusCode, 204);
    assert.equal((await inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-subject-token': loginToken } })).statusCode, 404);
    // AK/SK: a good signature, a wrong one; the Authorization header as a whole is a credential.
    for (const sk of [alice.secret, 'a-wrong-secret-key-0000000000000000000000']) {
      const headers = signRequestHeaders({ method: 'GET', url: 'http://vpcdns.test/v2.1/vpcs', headers: { 'content-type': 'application/json' }, ak: alice.access, sk, date: clock.now() });
      secrets.push(headers['authorization'] as string, (headers['authorization'] as string).split('Signature=')[1]!, sk);
      await inject({ method: 'GET', url: '/v2.1/vpcs', headers });
    }

    const lines = out.text.trim().split('\n');
    assert.ok(lines.filter((l) => l.includes('"msg":"request"')).length === 11, 'every request was logged');
    assert.ok(lines.some((l) => l.includes('AK/SK signature refused') && l.includes(alice.access)), 'a refused signature is logged with its AK (not a secret)');
    for (const secret of secrets) {
      const leak = lines.find((l) => l.includes(secret));
      assert.equal(leak, undefined, `a log line holds a secret (${secret.slice(0, 6)}...): ${leak}`);
    }
  });

  it('redact credential fields should anything ever log a request, its headers or a login body', () => {
    const before = out.text.length;
    sys.app.log.info({
      req: { headers: { authorization: 'SDK-HMAC-SHA256 Access=AK, Signature=leak1', 'x-auth-token': 'leak2', 'x-subject-token': 'leak3' } },
      body: loginBody({ user: 'alice', password: 'leak4' }, { name: 'alpha' }),
      credentials: { sk: 'leak5', secret: 'leak6', password: 'leak7', token: 'leak8' },
    }, 'careless');
    const line = out.text.slice(before);
    assert.ok(line.includes('careless') && line.includes('[redacted]'));
    for (let i = 1; i <= 8; i++) assert.ok(!line.includes(`leak${i}`), `leak${i} in ${line}`);
  });
});
