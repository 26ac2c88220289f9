// Keystone v3 subset: POST /v3/auth/tokens (password), DELETE /v3/auth/tokens, GET /v3/projects, on every database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_IDENTITIES, loginBody } from '../helpers/auth-clients.ts';
import { DATABASES, IDS, makeHarness, type Harness } from '../helpers/harness.ts';
import { assertAuthError } from './helpers.ts';

const alice = TEST_IDENTITIES.alpha;
const KEYSTONE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

for (const db of DATABASES) {
  describe(`IAM tokens on ${db}`, () => {
    let h: Harness;
    before(async () => {
      h = await makeHarness(db, { authSettings: { tokenTtlMs: 2 * 3600 * 1000 } });
    });
    after(async () => h.close());

    const login = (body: unknown, headers: Record<string, string> = {}) =>
      h.sys.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });

    describe('POST /v3/auth/tokens', () => {
      it('returns 201, the token in X-Subject-Token and the Keystone token body, without X-Auth-Token', async () => {
        const res = await login(loginBody(alice, { id: IDS.A.project }));
        assert.equal(res.statusCode, 201, res.body);
        const token = String(res.headers['x-subject-token']);
        assert.match(token, /^[A-Za-z0-9_-]{43}$/);
        const t = res.json().token;
        assert.deepEqual(Object.keys(t).sort(), ['catalog', 'expires_at', 'issued_at', 'methods', 'project', 'roles', 'user']);
        assert.deepEqual(t.methods, ['password']);
        assert.match(t.issued_at, KEYSTONE_TIME);
        assert.equal(t.issued_at, '2025-01-01T12:00:00.000000Z');
        assert.equal(t.expires_at, '2025-01-01T14:00:00.000000Z', 'the configured lifetime (2 h here; 24 h by default)');
        assert.deepEqual(t.project, { id: IDS.A.project, name: 'alpha', domain: { id: 'default', name: 'Default' } });
        assert.equal(t.user.name, 'alice');
        assert.match(t.user.id, /^[0-9a-f]{32}$/);
        assert.ok(!res.body.includes(alice.password) && !res.body.includes(token), 'neither the password nor the token is in the body');
        const listed = await h.req('GET', '/v2.1/endpoints?direction=inbound', undefined, token);
        assert.equal(listed.status, 200);
      });

      it('scopes by project name, with or without user.domain', async () => {
        const byName = await login(loginBody(alice, { name: 'alpha' }));
        assert.equal(byName.statusCode, 201);
        assert.equal(byName.json().token.project.id, IDS.A.project);
        const body = loginBody(alice, { name: 'alpha' });
        delete (body.auth.identity.password.user as { domain?: unknown }).domain;
        assert.equal((await login(body)).statusCode, 201);
      });

      it('issues tokens that act in their project only', async () => {
        const res = await login(loginBody(TEST_IDENTITIES.beta, { id: IDS.B.project }));
        const token = String(res.headers['x-subject-token']);
        const mine = await h.req('GET', '/v2.1/vpcs', undefined, token);
        assert.equal(mine.status, 200);
        assert.ok(mine.body.vpcs.every((v: any) => v.id === IDS.B.vpc));
        assert.equal((await h.req('GET', `/v1/${IDS.A.project}/vpcs`, undefined, token)).status, 404);
      });

      it('expires tokens at expires_at', async () => {
        const res = await login(loginBody(alice, { id: IDS.A.project }));
        const token = String(res.headers['x-subject-token']);
        h.clock.advance(2 * 3600 * 1000 - 1);
        assert.equal((await h.req('GET', '/v2.1/vpcs', undefined, token)).status, 200);
        h.clock.advance(1);
        assertAuthError(await h.req('GET', '/v2.1/vpcs', undefined, token));
      });

      const wrong: Array<[string, () => unknown]> = [
        ['a wrong password', () => loginBody({ ...alice, password: 'not-her-password' }, { id: IDS.A.project })],
        ['an unknown user', () => loginBody({ ...alice, user: 'mallory' }, { id: IDS.A.project })],
        ['an unknown project', () => loginBody(alice, { id: 'f'.repeat(32) })],
        ['an unknown project name', () => loginBody(alice, { name: 'nope' })],
        ['a user of another project', () => loginBody(alice, { id: IDS.B.project })],
        ['another project\'s user by id', () => ({ auth: { identity: { methods: ['password'], password: { user: { id: '0'.repeat(32), password: alice.password } } }, scope: { project: { id: IDS.B.project } } } })],
      ];
      for (const [title, body] of wrong) {
        it(`returns 401 APIGW.0301 with one message for ${title}`, async () => {
          const res = await login(body());
          assertAuthError({ status: res.statusCode, body: res.json(), headers: res.headers }, 'The user name, password or project is wrong.');
          assert.equal(res.headers['x-subject-token'], undefined);
        });
      }

      const bad: Array<[string, unknown, string]> = [
        ['no scope', { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'x' } } } } }, 'scope'],
        ['the token method', { auth: { identity: { methods: ['token'], password: { user: { name: 'alice', password: 'x' } } }, scope: { project: { name: 'alpha' } } } }, 'auth.identity.methods'],
        ['neither user name nor id', { auth: { identity: { methods: ['password'], password: { user: { password: 'x' } } }, scope: { project: { name: 'alpha' } } } }, 'auth.identity.password.user'],
        ['both project id and name', loginBody(alice, { id: IDS.A.project, name: 'alpha' }), 'auth.scope.project'],
        ['an unknown field', { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 'x', pin: 1 } } }, scope: { project: { name: 'alpha' } } } }, 'pin'],
        ['a numeric password', { auth: { identity: { methods: ['password'], password: { user: { name: 'alice', password: 1234 } } }, scope: { project: { name: 'alpha' } } } }, 'password'],
      ];
      for (const [title, body, field] of bad) {
        it(`returns 400 DNS.0002 naming the field for ${title}`, async () => {
          const res = await login(body);
          assert.equal(res.statusCode, 400, res.body);
          assert.equal(res.json().error_code, 'DNS.0002');
          assert.ok(res.json().error_msg.includes(field), res.json().error_msg);
        });
      }

      it('returns 400 DNS.0002 for malformed JSON without quoting the body', async () => {
        const res = await h.sys.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: '{"auth": hunter2hunter2' });
        assert.equal(res.statusCode, 400);
        assert.ok(!res.body.includes('hunter2'), res.body);
      });
    });

    describe('DELETE /v3/auth/tokens', () => {
      it('revokes the token in X-Subject-Token (204); it no longer authenticates, and a second revocation is 404', async () => {
        const token = String((await login(loginBody(alice, { id: IDS.A.project }))).headers['x-subject-token']);
        const del = await h.sys.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-subject-token': token, 'x-auth-token': token } });
        assert.equal(del.statusCode, 204);
        assert.equal(del.body, '');
        assertAuthError(await h.req('GET', '/v2.1/vpcs', undefined, token));
        const again = await h.sys.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-subject-token': token } });
        assert.equal(again.statusCode, 404);
        assert.equal(again.json().error_code, 'DNS.0404');
      });

      it('returns 400 DNS.0002 without X-Subject-Token and 404 DNS.0404 for an unknown one', async () => {
        const none = await h.sys.app.inject({ method: 'DELETE', url: '/v3/auth/tokens' });
        assert.equal(none.statusCode, 400);
        assert.ok(none.json().error_msg.includes('X-Subject-Token'));
        const unknown = await h.sys.app.inject({ method: 'DELETE', url: '/v3/auth/tokens', headers: { 'x-subject-token': 'x'.repeat(43) } });
        assert.equal(unknown.statusCode, 404);
      });
    });

    describe('GET /v3/projects', () => {
      it('lists the caller\'s project only, filtered by name; the region name finds it too (the SDKs ask for it)', async () => {
        const all = await h.req('GET', '/v3/projects');
        assert.equal(all.status, 200);
        assert.deepEqual(
          all.body.projects.map((p: any) => [p.id, p.name, p.domain_id, p.enabled]),
          [[IDS.A.project, 'alpha', 'default', true]],
        );
        assert.deepEqual(all.body.links, { self: '/v3/projects', previous: null, next: null });
        assert.equal((await h.req('GET', '/v3/projects?name=alpha')).body.projects.length, 1);
        assert.equal((await h.req('GET', '/v3/projects?name=ap-southeast-1')).body.projects[0].id, IDS.A.project);
        assert.deepEqual((await h.req('GET', '/v3/projects?name=beta')).body.projects, [], 'another project is not listed, even by name');
        const theirs = await h.req('GET', '/v3/auth/projects', undefined, IDS.B.token);
        assert.deepEqual(theirs.body.projects.map((p: any) => p.id), [IDS.B.project]);
      });

      it('returns 401 without credentials', async () => {
        const res = await h.sys.app.inject({ method: 'GET', url: '/v3/projects' });
        assert.equal(res.statusCode, 401);
      });
    });
  });
}
