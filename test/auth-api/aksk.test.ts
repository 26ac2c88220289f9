// AK/SK (SDK-HMAC-SHA256) authentication through the API: acceptance, every failure with its status and shape, lockout.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TEST_IDENTITIES } from '../helpers/auth-clients.ts';
import { DATABASES, IDS, makeHarness, type Harness } from '../helpers/harness.ts';
import { assertAuthError, signedInject, type SignedOptions } from './helpers.ts';

const KEY = { ak: TEST_IDENTITIES.alpha.access, sk: TEST_IDENTITIES.alpha.secret };
const MINUTE = 60_000;
const VERIFY_FAIL = 'verify aksk signature fail';
const LOCKED = 'AK access failed to reach the limit,forbidden';

for (const db of DATABASES) {
  describe(`AK/SK signatures on ${db}`, () => {
    let h: Harness;
    before(async () => {
      h = await makeHarness(db);
    });
    after(async () => h.close());
    // Each test starts after any lock an earlier one caused has ended.
    beforeEach(() => h.clock.advance(10 * MINUTE));

    const get = (o: Partial<SignedOptions> = {}, url = '/v2.1/endpoints?direction=inbound') => signedInject(h, 'GET', url, { ...KEY, headers: { 'x-project-id': IDS.A.project }, ...o });

    describe('accepted', () => {
      it('a signed GET with X-Project-Id', async () => {
        const res = await get();
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.metadata.total_count, 0);
      });

      it('a signed GET without X-Project-Id (the key\'s own project)', async () => {
        assert.equal((await get({ headers: {} })).status, 200);
      });

      it('a signed POST: the signature covers the exact body bytes', async () => {
        const body = JSON.stringify({ name: 'signed-ep', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: IDS.A.subnet }, { subnet_id: IDS.A.subnet }] });
        const res = await signedInject(h, 'POST', '/v2.1/endpoints', { ...KEY, headers: { 'x-project-id': IDS.A.project }, body: `  ${body}\n` });
        assert.equal(res.status, 202, JSON.stringify(res.body));
      });

      it('a date 14 minutes off either way', async () => {
        assert.equal((await get({ date: h.clock.now() - 14 * MINUTE })).status, 200);
        assert.equal((await get({ date: h.clock.now() + 14 * MINUTE })).status, 200);
      });
    });

    describe('refused with 401 APIGW.0301', () => {
      it('no credentials at all, or another scheme', async () => {
        const none = await h.sys.app.inject({ method: 'GET', url: '/v2.1/endpoints?direction=inbound' });
        assertAuthError({ status: none.statusCode, body: none.json(), headers: none.headers });
        const bearer = await h.sys.app.inject({ method: 'GET', url: '/v2.1/vpcs', headers: { authorization: 'Bearer abc' } });
        assertAuthError({ status: bearer.statusCode, body: bearer.json(), headers: bearer.headers }, 'malformed');
      });

      it('an unknown AK and a wrong SK get the same answer, which names neither', async () => {
        const unknown = await get({ ak: 'AKNOSUCHKEY000000000' });
        const wrong = await get({ sk: 'not-the-secret-key-at-all-00000000000000' });
        assertAuthError(unknown, VERIFY_FAIL);
        assertAuthError(wrong, VERIFY_FAIL);
        assert.equal(unknown.body.error_msg, wrong.body.error_msg);
        assert.ok(!wrong.body.error_msg.includes(KEY.ak) && !unknown.body.error_msg.includes('AKNOSUCHKEY'));
      });

      it('a disabled key, until it is enabled again; a deleted key', async () => {
        const made = await h.sys.credentials.createAccessKey({ projectId: IDS.A.project });
        const use = () => get({ ak: made.access, sk: made.secret });
        assert.equal((await use()).status, 200);
        await h.sys.credentials.setAccessKeyStatus(made.access, 'disabled');
        assertAuthError(await use(), VERIFY_FAIL);
        await h.sys.credentials.setAccessKeyStatus(made.access, 'active');
        assert.equal((await use()).status, 200);
        await h.sys.credentials.deleteAccessKey(made.access);
        assertAuthError(await use(), VERIFY_FAIL);
      });

      it('X-Sdk-Date more than 15 minutes off, either way', async () => {
        assertAuthError(await get({ date: h.clock.now() - 16 * MINUTE }), 'X-Sdk-Date is too far from the server time');
        assertAuthError(await get({ date: h.clock.now() + 16 * MINUTE }), 'X-Sdk-Date is too far from the server time');
      });

      it('X-Sdk-Date or Host left out of the signature', async () => {
        assertAuthError(await get({ signedHeaders: ['host', 'x-project-id'] }), 'X-Sdk-Date');
        assertAuthError(await get({ signedHeaders: ['x-project-id', 'x-sdk-date'] }), 'host');
      });

      it('X-Project-Id sent but not signed', async () => {
        assertAuthError(await get({ signedHeaders: ['host', 'x-sdk-date'] }), 'must be signed');
      });

      it('X-Project-Id of another project, even correctly signed', async () => {
        assertAuthError(await get({ headers: { 'x-project-id': IDS.B.project } }), 'X-Project-Id');
        assertAuthError(await get({ headers: { 'x-project-id': 'f'.repeat(32) } }), 'X-Project-Id');
      });

      it('a request changed after signing: path, query, a signed header, the body', async () => {
        assertAuthError(await get({ after: (r) => void (r.url = '/v2.1/endpoints?direction=outbound') }), VERIFY_FAIL);
        assertAuthError(await get({ after: (r) => void (r.headers['x-project-id'] = IDS.B.project) }), VERIFY_FAIL);
        assertAuthError(await get({ after: (r) => void (r.url = '/v2.1/vpcs?direction=inbound') }), VERIFY_FAIL);
        const body = JSON.stringify({ name: 'changed-ep', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: IDS.A.subnet }, { subnet_id: IDS.A.subnet }] });
        const res = await signedInject(h, 'POST', '/v2.1/endpoints', { ...KEY, body, after: (r) => void (r.body = body.replace('changed-ep', 'changed-eq')) });
        assertAuthError(res, VERIFY_FAIL);
      });

      it('a malformed Authorization header', async () => {
        const res = await h.sys.app.inject({ method: 'GET', url: '/v2.1/vpcs', headers: { authorization: 'SDK-HMAC-SHA256 Access=AK, Signature=zz', 'x-sdk-date': '20250101T120000Z' } });
        assertAuthError({ status: res.statusCode, body: res.json(), headers: res.headers }, 'malformed');
      });

      it('on an unknown route too (routes are not revealed before authentication)', async () => {
        assertAuthError(await get({ sk: 'not-the-secret-key-at-all-00000000000000' }, '/v2.1/nothing-here'), VERIFY_FAIL);
      });
    });

    describe('lockout', () => {
      const bad = (ak: string = KEY.ak) => get({ ak, sk: 'not-the-secret-key-at-all-00000000000000' });

      it('locks an AK after more than 5 consecutive failures, for 5 minutes, even for the right secret', async () => {
        assert.equal((await get()).status, 200, 'a success: earlier tests\' failures no longer count');
        for (let i = 1; i <= 6; i++) assertAuthError(await bad(), VERIFY_FAIL);
        assertAuthError(await get(), LOCKED);
        assertAuthError(await bad(), LOCKED);
        h.clock.advance(5 * MINUTE - 1000);
        assertAuthError(await get(), LOCKED);
        h.clock.advance(1000);
        assert.equal((await get()).status, 200, 'the lock ends after 5 minutes');
      });

      it('locks only that AK', async () => {
        for (let i = 1; i <= 6; i++) await bad();
        const other = await signedInject(h, 'GET', '/v2.1/vpcs', { ak: TEST_IDENTITIES.beta.access, sk: TEST_IDENTITIES.beta.secret });
        assert.equal(other.status, 200);
      });

      it('treats an unknown AK exactly like a known one (the answers never tell which AKs exist)', async () => {
        const seen = async (ak: string) => {
          const out: string[] = [];
          for (let i = 0; i < 8; i++) out.push(`${(await bad(ak)).status} ${(await bad(ak)).body.error_msg}`);
          return out;
        };
        assert.deepEqual(await seen('AKNOSUCHKEY000000001'), await seen(TEST_IDENTITIES.beta.access));
      });

      it('counts consecutive failures only: a success starts the count again', async () => {
        assert.equal((await get()).status, 200);
        for (let i = 0; i < 5; i++) await bad();
        assert.equal((await get()).status, 200);
        for (let i = 0; i < 5; i++) await bad();
        assert.equal((await get()).status, 200, 'ten failures, but never more than five in a row');
      });

      it('does not count a request with a token', async () => {
        for (let i = 0; i < 5; i++) await bad();
        for (let i = 0; i < 10; i++) assert.equal((await h.req('GET', '/v2.1/vpcs')).status, 200);
        assert.equal((await get()).status, 200);
      });
    });
  });
}
