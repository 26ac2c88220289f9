// Hostile bodies and paths through inject(): documented codes, short messages, nothing echoed or logged whole,
// nothing changed (issue 17, items 3, 4, 7), on SQLite and PostgreSQL. Traversal needs a socket (inject normalises
// the path): test/api/framework-errors.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DATABASES, makeHarness, type Harness } from '../helpers/harness.ts';
import { assertError } from '../helpers/assert-error.ts';

const HUGE = 'x'.repeat(60 * 1024 - 200);
const endpointBody = (subnet: string, over: Record<string, unknown> = {}) => ({
  name: 'hi-ep',
  direction: 'inbound',
  region: 'ap-southeast-1',
  ipaddresses: [{ subnet_id: subnet }, { subnet_id: subnet }],
  ...over,
});

for (const db of DATABASES) {
  describe(`hostile input (${db})`, () => {
    let h: Harness;
    const state = async () => JSON.stringify([(await h.req('GET', '/v2.1/endpoints')).body.endpoints, (await h.req('GET', '/v2.1/resolverrules')).body]);
    let initial = '';
    before(async () => {
      h = await makeHarness(db);
      initial = await state();
    });
    after(() => h.close());

    const rejected = async (res: { status: number; body: any; headers: Record<string, unknown> }, status: number, code: string, field?: string) => {
      assertError(res, status, code, field);
      assert.ok(res.body.message.length < 400, `message of ${res.body.message.length} characters`);
      assert.doesNotMatch(JSON.stringify(res.body), /FST_ERR|got undefined/);
      assert.equal(await state(), initial, 'nothing changed');
    };

    it('says "<field> is required." for a missing field, never "got undefined"', async () => {
      const { name: _n, ...noName } = endpointBody(h.subnetId);
      await rejected(await h.req('POST', '/v2.1/endpoints', noName), 400, 'DNS.1501', 'name');
      const res = await h.req('POST', '/v2.1/endpoints', noName);
      assert.match(res.body.message, /name is required\./);
    });

    it('quotes a 60 KB field cut to 64 characters, once', async () => {
      const res = await h.req('POST', '/v2.1/endpoints', endpointBody(h.subnetId, { name: HUGE }));
      await rejected(res, 400, 'DNS.1501', 'name');
      assert.equal(res.body.message.split('xxxx').length - 1 <= 16, true);
      assert.match(res.body.message, /characters\)/);
    });

    it('quotes a 60 KB unknown field name cut short', async () => {
      await rejected(await h.req('POST', '/v2.1/endpoints', { ...endpointBody(h.subnetId), [HUGE]: 1 }), 400, 'DNS.0002');
    });

    it('answers 413 DNS.0413 for a body over body_limit', async () => {
      await rejected(await h.req('POST', '/v2.1/endpoints', endpointBody(h.subnetId, { name: 'y'.repeat(70 * 1024) })), 413, 'DNS.0413');
    });

    it('answers 400 for a body nested 10,000 deep', async () => {
      const deep = '{"name":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}';
      const res = await h.req('POST', '/v2.1/endpoints', deep);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      await rejected(res, 400, res.body.code);
    });

    it('answers 400 DNS.0002 for invalid JSON, quoting the parser cut short', async () => {
      await rejected(await h.req('POST', '/v2.1/endpoints', `{"name": "${HUGE}`), 400, 'DNS.0002');
    });

    it('answers 400 for __proto__ and constructor keys', async () => {
      for (const body of ['{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']) {
        const res = await h.req('POST', '/v2.1/endpoints', body);
        await rejected(res, 400, res.body.code);
      }
    });

    it('answers 400, not 500, for numbers, unicode and nulls where strings go', async () => {
      for (const name of [1e308, -0, null, true, {}, '\u0000', '\ud800', 'é'.repeat(65), '😀']) {
        const res = await h.req('POST', '/v2.1/endpoints', endpointBody(h.subnetId, { name }));
        await rejected(res, 400, 'DNS.1501', 'name');
      }
    });

    it('answers documented codes for hostile query strings', async () => {
      for (const q of ['limit=1e999', 'limit=-1', 'limit=%00', 'offset=99999999999999999999', 'limit=1&limit=2', 'marker[]=a', `marker=${HUGE.slice(0, 2000)}`]) {
        const res = await h.req('GET', `/v2.1/resolverrules?${q}`);
        assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `${q}: ${res.status}`);
        if (res.status !== 200) await rejected(res, res.status, res.body.code);
      }
    });
  });
}
