// API tests of query-logging configurations (Q1-Q6): create, list with markers, show, associate, disassociate, delete.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DATABASES, IDS, makeHarness, type Harness } from '../helpers/harness.ts';
import { assertError } from '../helpers/assert-error.ts';

const BASE = '/v2/resolver/queryloggingconfig';


for (const db of DATABASES) {
  describe(`query-logging API on ${db}`, () => {
    let h: Harness;
    const extraVpcs: string[] = [];
    before(async () => {
      h = await makeHarness(db);
      for (let i = 0; i < 3; i++) {
        const res = await h.req('POST', `/v1/${h.projectId}/vpcs`, { vpc: { name: `ql-${i}`, cidr: `10.${50 + i}.0.0/16` } });
        extraVpcs.push(res.body.vpc.id);
      }
    });
    after(async () => h.close());

    it('creates with one VPC (202), shows, associates and disassociates more, and deletes with one VPC left (204)', async () => {
      const created = await h.req('POST', BASE, { lts_group_id: 'group-a', lts_topic_id: 'topic.a', vpc: { vpc_id: h.vpcId, vpc_region: 'ap-southeast-1' } });
      assert.equal(created.status, 202);
      const c = created.body.resolver_query_log_config;
      assert.deepEqual(Object.keys(c).sort(), ['id', 'lts_group_id', 'lts_topic_id', 'vpc_ids']);
      assert.deepEqual(c.vpc_ids, [h.vpcId]);
      assert.deepEqual((await h.req('GET', `${BASE}/${c.id}`)).body.resolver_query_log_config, c);
      const assoc = await h.req('POST', `${BASE}/${c.id}/associatevpc`, { vpc: { vpc_id: IDS.vpcC } });
      assert.equal(assoc.status, 202);
      assert.deepEqual([...assoc.body.resolver_query_log_config.vpc_ids].sort(), [h.vpcId, IDS.vpcC].sort());
      assertError(await h.req('POST', `${BASE}/${c.id}/associatevpc`, { vpc: { vpc_id: IDS.vpcC } }), 400, 'DNS.1704');
      assertError(await h.req('DELETE', `${BASE}/${c.id}`), 400, 'DNS.0608');
      const dis = await h.req('POST', `${BASE}/${c.id}/disassociatevpc`, { vpc: { vpc_id: IDS.vpcC } });
      assert.deepEqual(dis.body.resolver_query_log_config.vpc_ids, [h.vpcId]);
      assertError(await h.req('POST', `${BASE}/${c.id}/disassociatevpc`, { vpc: { vpc_id: IDS.vpcC } }), 400, 'DNS.1705');
      assertError(await h.req('POST', `${BASE}/${c.id}/disassociatevpc`, { vpc: { vpc_id: h.vpcId } }), 400, 'DNS.0608', 'delete the configuration');
      const del = await h.sys.app.inject({ method: 'DELETE', url: `${BASE}/${c.id}`, headers: { 'x-auth-token': h.token, 'content-type': 'application/json' } });
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, '');
      assertError(await h.req('GET', `${BASE}/${c.id}`), 404, 'DNS.1702');
    });

    const bad: Array<[string, () => unknown, number, string, string?]> = [
      ['DNS.1703 for a group id with a slash (no path traversal)', () => ({ lts_group_id: '../etc', lts_topic_id: 't', vpc: { vpc_id: IDS.A.vpc } }), 400, 'DNS.1703', 'lts_group_id'],
      ['DNS.1703 for a topic id of ".."', () => ({ lts_group_id: 'g', lts_topic_id: '..', vpc: { vpc_id: IDS.A.vpc } }), 400, 'DNS.1703', 'lts_topic_id'],
      ['DNS.1703 for an empty topic id', () => ({ lts_group_id: 'g', lts_topic_id: '', vpc: { vpc_id: IDS.A.vpc } }), 400, 'DNS.1703'],
      ['DNS.0701 for a malformed VPC id', () => ({ lts_group_id: 'g', lts_topic_id: 't', vpc: { vpc_id: 'x' } }), 400, 'DNS.0701', 'vpc.vpc_id'],
      ['DNS.0711 for another project\'s VPC', () => ({ lts_group_id: 'g', lts_topic_id: 't', vpc: { vpc_id: IDS.B.vpc } }), 404, 'DNS.0711'],
      ['DNS.0601 for another region', () => ({ lts_group_id: 'g', lts_topic_id: 't', vpc: { vpc_id: IDS.A.vpc, vpc_region: 'eu-de' } }), 400, 'DNS.0601'],
      ['DNS.0002 without a vpc', () => ({ lts_group_id: 'g', lts_topic_id: 't' }), 400, 'DNS.0002', 'vpc'],
    ];
    for (const [title, body, status, code, field] of bad) {
      it(`returns ${status} ${title}`, async () => assertError(await h.req('POST', BASE, body()), status, code, field));
    }

    it('refuses a second configuration for a VPC (one destination per VPC)', async () => {
      const first = await h.req('POST', BASE, { lts_group_id: 'g1', lts_topic_id: 't1', vpc: { vpc_id: extraVpcs[0] } });
      assert.equal(first.status, 202);
      assertError(await h.req('POST', BASE, { lts_group_id: 'g2', lts_topic_id: 't2', vpc: { vpc_id: extraVpcs[0] } }), 400, 'DNS.1704');
    });

    it('lists with marker paging and page_info, filters by vpc_id, hides other projects', async () => {
      h.clock.advance(1);
      const second = await h.req('POST', BASE, { lts_group_id: 'g2', lts_topic_id: 't', vpc: { vpc_id: extraVpcs[1] } });
      h.clock.advance(1);
      const third = await h.req('POST', BASE, { lts_group_id: 'g3', lts_topic_id: 't', vpc: { vpc_id: extraVpcs[2] } });
      const all = await h.req('GET', BASE);
      assert.equal(all.status, 200);
      const ids = all.body.resolver_query_log_configs.map((c: any) => c.id);
      assert.ok(ids.includes(second.body.resolver_query_log_config.id) && ids.includes(third.body.resolver_query_log_config.id));
      assert.equal(all.body.page_info.current_count, ids.length);
      assert.equal(all.body.page_info.next_marker, undefined);
      const p1 = await h.req('GET', `${BASE}?limit=1`);
      assert.equal(p1.body.resolver_query_log_configs.length, 1);
      assert.equal(p1.body.page_info.next_marker, ids[0]);
      const p2 = await h.req('GET', `${BASE}?limit=1&marker=${p1.body.page_info.next_marker}`);
      assert.equal(p2.body.resolver_query_log_configs[0].id, ids[1]);
      const filtered = await h.req('GET', `${BASE}?vpc_id=${extraVpcs[2]}`);
      assert.deepEqual(filtered.body.resolver_query_log_configs.map((c: any) => c.id), [third.body.resolver_query_log_config.id]);
      assertError(await h.req('GET', `${BASE}?marker=nope`), 400, 'DNS.0007');
      const theirs = await h.req('GET', BASE, undefined, IDS.B.token);
      assert.deepEqual(theirs.body.resolver_query_log_configs, []);
      assertError(await h.req('GET', `${BASE}/${ids[0]}`, undefined, IDS.B.token), 404, 'DNS.1702');
      assertError(await h.req('GET', `${BASE}/not-hex`), 400, 'DNS.1701');
    });
  });
}
