// The official Huawei Cloud Node SDK core against a listening vpcdns: E1-E9 signed with AK/SK, queries that need encoding, project lookup.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';
import { Region } from '@huaweicloud/huaweicloud-sdk-core/region/region.js';
import { TEST_IDENTITIES } from '../helpers/auth-clients.ts';
import { DATABASES, IDS, makeHarness, type Harness } from '../helpers/harness.ts';

for (const db of DATABASES) {
  describe(`the Huawei Cloud SDK (AK/SK over HTTP) on ${db}`, () => {
    let h: Harness;
    before(async () => {
      h = await makeHarness(db, { auth: 'sdk' });
    });
    after(async () => h.close());

    it('drives every endpoint operation E1-E9 with SDK-signed requests', async () => {
      // E1 with a CJK name: the body is signed as the exact UTF-8 bytes axios sends.
      const created = await h.req('POST', '/v2.1/endpoints', { name: '解析-入站.1', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId }] });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const id = created.body.endpoint.id;
      await h.settle();
      // E2, with a non-ASCII filter value.
      const listed = await h.req('GET', '/v2.1/endpoints?direction=inbound&name=解析-入站.1&limit=10&offset=0');
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.endpoints.map((e: any) => e.id), [id]);
      // E3, E4.
      assert.equal((await h.req('GET', `/v2.1/endpoints/${id}`)).body.endpoint.status, 'ACTIVE');
      assert.equal((await h.req('PUT', `/v2.1/endpoints/${id}`, { name: 'renamed-by-sdk' })).status, 202);
      // E6, E7, E8.
      assert.equal((await h.req('POST', `/v2.1/endpoints/${id}/ipaddresses`, { ipaddress: { ip: '', subnet_id: h.subnetId } })).status, 202);
      await h.settle();
      const ips = await h.req('GET', `/v2.1/endpoints/${id}/ipaddresses?limit=10`);
      assert.equal(ips.status, 200);
      assert.equal(ips.body.ipaddresses.length, 3);
      assert.equal((await h.req('DELETE', `/v2.1/endpoints/${id}/ipaddresses/${ips.body.ipaddresses[2].id}`)).status, 202);
      // E9.
      const vpcs = await h.req('GET', `/v2.1/vpcs?vpc_id=${h.vpcId}&limit=5`);
      assert.equal(vpcs.status, 200);
      assert.deepEqual(vpcs.body.vpcs.map((v: any) => v.id), [h.vpcId]);
      // E5.
      assert.equal((await h.req('DELETE', `/v2.1/endpoints/${id}`)).status, 202);
      await h.settle();
      assert.equal((await h.req('GET', `/v2.1/endpoints/${id}`)).status, 404);
    });

    const queries: Array<[string, string]> = [
      ['a space', 'ep one'],
      ['"*"', 'ep*'],
      ['non-ASCII', '测试 é😀'],
      ['reserved characters', "a+b&c=d/e?f#g%h!'()~"],
      ['an empty value', ''],
    ];
    for (const [title, name] of queries) {
      it(`signs and verifies GET /v2.1/endpoints?direction=inbound&name=... with ${title}`, async () => {
        const res = await h.req('GET', `/v2.1/endpoints?${new URLSearchParams({ direction: 'inbound', name, limit: '5' })}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.endpoints, []);
      });
    }

    it('finds an endpoint by a name that needs encoding', async () => {
      const ep = (await h.req('POST', '/v2.1/endpoints', { name: '名字_a.b-c', direction: 'outbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId }] })).body.endpoint;
      const res = await h.req('GET', `/v2.1/endpoints?direction=outbound&name=${encodeURIComponent('名字_a.b-c')}`);
      assert.deepEqual(res.body.endpoints.map((e: any) => e.id), [ep.id]);
    });

    it('is refused once the key is disabled (the requests really are signature-authenticated)', async () => {
      await h.sys.credentials.setAccessKeyStatus(TEST_IDENTITIES.alpha.access, 'disabled');
      try {
        const res = await h.req('GET', '/v2.1/vpcs');
        assert.equal(res.status, 401);
        assert.equal(res.body.error_code, 'APIGW.0301');
      } finally {
        await h.sys.credentials.setAccessKeyStatus(TEST_IDENTITIES.alpha.access, 'active');
      }
    });

    it('lets an SDK client without a project id find it with GET /v3/projects?name=<region>, as the SDK does', async () => {
      // The SDK dates its IAM call itself (now), so the server's clock must say now too.
      h.clock.set(Date.now());
      const address = h.sys.app.listeningOrigin;
      const credentials = new BasicCredentials().withAk(TEST_IDENTITIES.alpha.access).withSk(TEST_IDENTITIES.alpha.secret).withIamEndpoint(address);
      const client = new HcClient(new DefaultHttpClient({}, [address]))
        .withEndpoints([address])
        .withCredential(credentials)
        .withRegion(new Region('ap-southeast-1', [address]));
      const res = await client.sendRequest<{ vpcs: Array<{ id: string }> } & { httpStatusCode?: number }>({
        method: 'GET',
        url: '/v2.1/vpcs',
        contentType: 'application/json',
        queryParams: {},
        pathParams: {},
        headers: {},
      });
      assert.equal(res.httpStatusCode, 200);
      assert.ok(res.vpcs.some((v) => v.id === IDS.A.vpc));
      assert.equal((credentials.getPathParams() as { project_id?: string }).project_id, IDS.A.project, 'the SDK learned the project id from vpcdns');
    });
  });
}
