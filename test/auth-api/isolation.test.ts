// Tenant isolation on every route: project B sees none of project A's resources (404 or absent from lists), however it authenticates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AUTH_MODES, DATABASES, IDS, createEndpoint, makeHarness, type Harness } from '../helpers/harness.ts';

const QL = '/v2/resolver/queryloggingconfig';

for (const db of DATABASES) for (const auth of AUTH_MODES) {
  describe(`tenant isolation on ${db}, ${auth} requests`, () => {
    let h: Harness;
    const a = { endpoint: '', outbound: '', address: '', rule: '', queryLog: '' };
    const asB = (method: string, url: string, body?: unknown) => h.req(method, url, body, IDS.B.token);
    const expect404 = async (method: string, url: string, code: string, body?: unknown) => {
      const res = await asB(method, url, body);
      assert.equal(res.status, 404, `${method} ${url}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error_code, code, `${method} ${url}`);
    };

    before(async () => {
      h = await makeHarness(db, { auth });
      a.endpoint = (await createEndpoint(h, { name: 'a-inbound' })).id;
      a.outbound = (await createEndpoint(h, { name: 'a-outbound', direction: 'outbound' })).id;
      await h.settle();
      a.address = (await h.req('GET', `/v2.1/endpoints/${a.endpoint}/ipaddresses`)).body.ipaddresses[0].id;
      const rule = await h.req('POST', '/v2.1/resolverrules', { name: 'a-rule', domain_name: 'corp.example.', endpoint_id: a.outbound, ipaddresses: [{ ip: '172.16.0.53' }] });
      assert.equal(rule.status, 202, JSON.stringify(rule.body));
      a.rule = rule.body.resolver_rule.id;
      assert.equal((await h.req('POST', `/v2.1/resolverrules/${a.rule}/associaterouter`, { router: { router_id: h.vpcId } })).status, 202);
      const ql = await h.req('POST', QL, { lts_group_id: 'group-a', lts_topic_id: 'topic-a', vpc: { vpc_id: h.vpcId } });
      assert.equal(ql.status, 202, JSON.stringify(ql.body));
      a.queryLog = ql.body.resolver_query_log_config.id;
      await h.settle();
    });
    after(async () => h.close());

    it('endpoints E1-E9: 404 DNS.1510 on A\'s endpoint and address, and A\'s are never listed', async () => {
      const create = await asB('POST', '/v2.1/endpoints', { name: 'b-steals', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: IDS.A.subnet }, { subnet_id: IDS.A.subnet }] });
      assert.equal(create.status, 400);
      assert.equal(create.body.error_code, 'DNS.1502', 'A\'s subnet is unknown to B');
      for (const direction of ['inbound', 'outbound']) {
        const list = await asB('GET', `/v2.1/endpoints?direction=${direction}`);
        assert.equal(list.status, 200);
        assert.deepEqual(list.body.endpoints, []);
        assert.equal((await asB('GET', `/v2.1/endpoints?direction=${direction}&vpc_id=${IDS.A.vpc}`)).body.metadata.total_count, 0);
      }
      await expect404('GET', `/v2.1/endpoints/${a.endpoint}`, 'DNS.1510');
      await expect404('PUT', `/v2.1/endpoints/${a.endpoint}`, 'DNS.1510', { name: 'stolen' });
      await expect404('POST', `/v2.1/endpoints/${a.endpoint}/ipaddresses`, 'DNS.1510', { ipaddress: { subnet_id: IDS.B.subnet } });
      await expect404('GET', `/v2.1/endpoints/${a.endpoint}/ipaddresses`, 'DNS.1510');
      await expect404('DELETE', `/v2.1/endpoints/${a.endpoint}/ipaddresses/${a.address}`, 'DNS.1510');
      await expect404('DELETE', `/v2.1/endpoints/${a.endpoint}`, 'DNS.1510');
      const vpcs = await asB('GET', '/v2.1/vpcs');
      assert.ok(!vpcs.body.vpcs.some((v: any) => v.id === IDS.A.vpc));
      assert.equal((await asB('GET', `/v2.1/vpcs?vpc_id=${IDS.A.vpc}`)).body.metadata.total_count, 0);
    });

    it('resolver rules R1-R7: 404 on A\'s rule, A\'s endpoint and VPC unknown, A\'s rule never listed', async () => {
      await expect404('POST', '/v2.1/resolverrules', 'DNS.1510', { name: 'b-rule', domain_name: 'b.example.', endpoint_id: a.outbound, ipaddresses: [{ ip: '172.16.0.53' }] });
      assert.ok(!(await asB('GET', '/v2.1/resolverrules')).body.resolver_rules.some((r: any) => r.id === a.rule));
      assert.equal((await asB('GET', `/v2.1/resolverrules?id=${a.rule}`)).body.resolver_rules.length, 0);
      await expect404('GET', `/v2.1/resolverrules/${a.rule}`, 'DNS.1602');
      await expect404('PUT', `/v2.1/resolverrules/${a.rule}`, 'DNS.1602', { name: 'stolen' });
      await expect404('POST', `/v2.1/resolverrules/${a.rule}/associaterouter`, 'DNS.1602', { router: { router_id: IDS.B.vpc } });
      await expect404('POST', `/v2.1/resolverrules/${a.rule}/disassociaterouter`, 'DNS.1602', { router: { router_id: IDS.B.vpc } });
      await expect404('DELETE', `/v2.1/resolverrules/${a.rule}`, 'DNS.1602');
    });

    it('query logging Q1-Q6: 404 on A\'s configuration, A\'s VPC unknown, A\'s configuration never listed', async () => {
      const create = await asB('POST', QL, { lts_group_id: 'g', lts_topic_id: 't', vpc: { vpc_id: IDS.A.vpc } });
      assert.equal(create.status, 404, JSON.stringify(create.body));
      const list = await asB('GET', QL);
      assert.equal(list.status, 200);
      assert.ok(!JSON.stringify(list.body).includes(a.queryLog));
      await expect404('GET', `${QL}/${a.queryLog}`, 'DNS.1702');
      await expect404('POST', `${QL}/${a.queryLog}/associatevpc`, 'DNS.1702', { vpc: { vpc_id: IDS.B.vpc } });
      await expect404('POST', `${QL}/${a.queryLog}/disassociatevpc`, 'DNS.1702', { vpc: { vpc_id: IDS.B.vpc } });
      await expect404('DELETE', `${QL}/${a.queryLog}`, 'DNS.1702');
    });

    it('VPC v1: A\'s project path is 404, A\'s VPC and subnet are 404 in B\'s path and never listed', async () => {
      await expect404('GET', `/v1/${IDS.A.project}/vpcs`, 'DNS.0404');
      await expect404('POST', `/v1/${IDS.A.project}/vpcs`, 'DNS.0404', { vpc: { name: 'b-in-a' } });
      await expect404('GET', `/v1/${IDS.A.project}/subnets`, 'DNS.0404');
      await expect404('GET', `/v1/${IDS.B.project}/vpcs/${IDS.A.vpc}`, 'VPC.0102');
      await expect404('DELETE', `/v1/${IDS.B.project}/vpcs/${IDS.A.vpc}`, 'VPC.0102');
      await expect404('GET', `/v1/${IDS.B.project}/subnets/${IDS.A.subnet}`, 'VPC.0202');
      await expect404('DELETE', `/v1/${IDS.B.project}/subnets/${IDS.A.subnet}`, 'VPC.0202');
      const subnet = await asB('POST', `/v1/${IDS.B.project}/subnets`, { subnet: { name: 'b-in-a', cidr: '10.0.200.0/24', vpc_id: IDS.A.vpc } });
      assert.ok([400, 404].includes(subnet.status), JSON.stringify(subnet.body));
      assert.ok(!(await asB('GET', `/v1/${IDS.B.project}/vpcs`)).body.vpcs.some((v: any) => v.id === IDS.A.vpc));
      assert.deepEqual((await asB('GET', `/v1/${IDS.B.project}/subnets?vpc_id=${IDS.A.vpc}`)).body.subnets, []);
    });

    it('IAM: B lists only its own project, even by A\'s name', async () => {
      assert.deepEqual((await asB('GET', '/v3/projects')).body.projects.map((p: any) => p.id), [IDS.B.project]);
      assert.deepEqual((await asB('GET', '/v3/projects?name=alpha')).body.projects, []);
    });

    it('leaves A\'s resources exactly as they were', async () => {
      const ep = await h.req('GET', `/v2.1/endpoints/${a.endpoint}`);
      assert.equal(ep.body.endpoint.name, 'a-inbound');
      assert.equal(ep.body.endpoint.status, 'ACTIVE');
      assert.equal(ep.body.endpoint.ipaddress_count, 2);
      assert.equal((await h.req('GET', `/v2.1/resolverrules/${a.rule}`)).body.resolver_rule.name, 'a-rule');
      assert.equal((await h.req('GET', `${QL}/${a.queryLog}`)).status, 200);
      assert.equal((await h.req('GET', `/v1/${IDS.A.project}/subnets/${IDS.A.subnet}`)).status, 200);
    });
  });
}
