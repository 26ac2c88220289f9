// API tests of the VPC v1 subset (VPCs and subnets): happy paths, each documented failure and project isolation, on every database.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AUTH_MODES, DATABASES, IDS, createEndpoint, makeHarness, type Harness } from '../helpers/harness.ts';
import { assertError } from '../helpers/assert-error.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// VPC v1 timestamps are UTC with no fraction and no zone.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const VPC_KEYS = ['cidr', 'created_at', 'description', 'enterprise_project_id', 'id', 'name', 'routes', 'status', 'tenant_id', 'updated_at'];
const SUBNET_KEYS = ['cidr', 'created_at', 'description', 'dhcp_enable', 'gateway_ip', 'id', 'name', 'neutron_network_id', 'neutron_subnet_id', 'status', 'tenant_id', 'updated_at', 'vpc_id'];


// Every test runs with config tokens, with password-login tokens, and signed by the Huawei SDK over HTTP (AK/SK).
for (const db of DATABASES) for (const auth of AUTH_MODES) {
  describe(`VPC v1 API on ${db}${auth === 'token' ? '' : `, ${auth === 'sdk' ? 'signed by the Huawei SDK (AK/SK)' : 'password-login token'}`}`, () => {
    let h: Harness;
    let vpcs: string;
    let subnets: string;
    let n = 0;

    before(async () => {
      h = await makeHarness(db, { auth });
      vpcs = `/v1/${h.projectId}/vpcs`;
      subnets = `/v1/${h.projectId}/subnets`;
    });
    after(async () => h.close());
    // The clock is frozen otherwise: each test creates at a later instant than the configured VPCs (ordering is by time, then id).
    beforeEach(() => h.clock.advance(60_000));
    const nowText = () => new Date(h.clock.now()).toISOString().slice(0, 19);

    /** A fresh VPC of project A, so each test owns its address space. */
    async function newVpc(cidr = '172.16.0.0/16', name = `vpc-${++n}`) {
      const res = await h.req('POST', vpcs, { vpc: { name, cidr } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.vpc as { id: string; name: string; cidr: string };
    }
    async function newSubnet(vpcId: string, cidr: string, extra: Record<string, unknown> = {}) {
      const res = await h.req('POST', subnets, { subnet: { name: `sub-${++n}`, cidr, vpc_id: vpcId, ...extra } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.subnet as { id: string; name: string; cidr: string; gateway_ip: string; vpc_id: string; neutron_subnet_id: string };
    }
    const listSubnetIds = async (query = '', token?: string) => {
      const res = await h.req('GET', `${subnets}${query}`, undefined, token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.subnets as Array<{ id: string }>).map((s) => s.id);
    };

    describe('POST /v1/:project_id/vpcs', () => {
      it('returns 200 with the VPC wire shape', async () => {
        const res = await h.req('POST', vpcs, { vpc: { name: 'vpc-shape', cidr: '172.20.0.0/16', description: 'for the shape test' } });
        assert.equal(res.status, 200);
        assert.match(String(res.headers['x-request-id']), /^[0-9a-f]{32}$/);
        const v = res.body.vpc;
        assert.deepEqual(Object.keys(v).sort(), VPC_KEYS);
        assert.match(v.id, UUID);
        assert.match(v.created_at, TIMESTAMP);
        assert.deepEqual(
          { ...v, id: '' },
          {
            id: '',
            name: 'vpc-shape',
            description: 'for the shape test',
            cidr: '172.20.0.0/16',
            status: 'OK',
            routes: [],
            enterprise_project_id: '0',
            tenant_id: h.projectId,
            created_at: nowText(),
            updated_at: nowText(),
          },
        );
        const shown = await h.req('GET', `${vpcs}/${v.id}`);
        assert.equal(shown.status, 200);
        assert.deepEqual(shown.body.vpc, v);
      });

      it('defaults the CIDR to 192.168.0.0/16 and the description to ""', async () => {
        const res = await h.req('POST', vpcs, { vpc: { name: 'vpc-default' } });
        assert.equal(res.status, 200);
        assert.equal(res.body.vpc.cidr, '192.168.0.0/16');
        assert.equal(res.body.vpc.description, '');
      });

      it('accepts a CJK name and the enterprise_project_id field', async () => {
        const res = await h.req('POST', vpcs, { vpc: { name: '网络-01', cidr: '10.50.0.0/16', enterprise_project_id: '0' } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.vpc.name, '网络-01');
      });

      const cases: Array<[string, unknown, number, string, string?]> = [
        ['VPC.0101 for a name with a space', { vpc: { name: 'bad name', cidr: '10.0.0.0/16' } }, 400, 'VPC.0101', 'name'],
        ['VPC.0101 for an empty name', { vpc: { name: '', cidr: '10.0.0.0/16' } }, 400, 'VPC.0101', 'name'],
        ['VPC.0101 for a 65-character name', { vpc: { name: 'v'.repeat(65), cidr: '10.0.0.0/16' } }, 400, 'VPC.0101', 'name'],
        ['VPC.0101 for an emoji name', { vpc: { name: 'vpc-😀', cidr: '10.0.0.0/16' } }, 400, 'VPC.0101', 'name'],
        ['VPC.0101 for a CIDR with host bits set', { vpc: { name: 'v', cidr: '10.0.0.1/16' } }, 400, 'VPC.0101', 'cidr'],
        ['VPC.0101 for a /7 CIDR', { vpc: { name: 'v', cidr: '10.0.0.0/7' } }, 400, 'VPC.0101', 'cidr'],
        ['VPC.0101 for a /29 CIDR', { vpc: { name: 'v', cidr: '10.0.0.0/29' } }, 400, 'VPC.0101', 'cidr'],
        ['VPC.0101 for a CIDR without a prefix', { vpc: { name: 'v', cidr: '10.0.0.0' } }, 400, 'VPC.0101', 'cidr'],
        ['VPC.0101 for a malformed CIDR', { vpc: { name: 'v', cidr: '10.0.0.300/16' } }, 400, 'VPC.0101', 'cidr'],
        ['VPC.0101 for an IPv6 CIDR', { vpc: { name: 'v', cidr: 'fd00::/48' } }, 400, 'VPC.0101', 'cidr'],
        ['DNS.0002 for an unknown field in the VPC', { vpc: { name: 'v', cidr: '10.0.0.0/16', colour: 'red' } }, 400, 'DNS.0002', 'colour'],
        ['DNS.0002 for an unknown top-level field', { vpc: { name: 'v', cidr: '10.0.0.0/16' }, extra: 1 }, 400, 'DNS.0002', 'extra'],
        ['DNS.0002 for a missing vpc object', {}, 400, 'DNS.0002', 'vpc'],
        ['VPC.0101 for a description over 255 characters', { vpc: { name: 'v', description: 'd'.repeat(256) } }, 400, 'VPC.0101', 'description'],
      ];
      for (const [title, body, status, code, field] of cases) {
        it(`returns ${status} ${title}, and creates nothing`, async () => {
          const before = (await h.req('GET', vpcs)).body.vpcs.length;
          assertError(await h.req('POST', vpcs, body), status, code, field);
          assert.equal((await h.req('GET', vpcs)).body.vpcs.length, before);
        });
      }

      // A name of the wrong type, or none, is a bad VPC name too; it should not come back as the endpoint-name code DNS.1501.
      const badType: Array<[string, unknown]> = [
        ['a numeric name', { vpc: { name: 42, cidr: '10.0.0.0/16' } }],
        ['a missing name', { vpc: { cidr: '10.0.0.0/16' } }],
      ];
      for (const [title, body] of badType) {
        it(`returns 400 VPC.0101 naming the name for ${title}`, async () =>
          assertError(await h.req('POST', vpcs, body), 400, 'VPC.0101', 'name'),
        );
      }

      it('returns 404 DNS.0404 for another project\'s id in the path, and creates nothing there', async () => {
        assertError(await h.req('POST', `/v1/${IDS.B.project}/vpcs`, { vpc: { name: 'intruder', cidr: '10.0.0.0/16' } }), 404, 'DNS.0404', 'project_id');
        const theirs = await h.req('GET', `/v1/${IDS.B.project}/vpcs`, undefined, IDS.B.token);
        assert.ok(!theirs.body.vpcs.some((v: any) => v.name === 'intruder'));
      });

      it('returns 401 APIGW.0301 without a valid token', async () => {
        assertError(await h.req('POST', vpcs, { vpc: { name: 'v' } }, 'not-a-real-token-at-all'), 401, 'APIGW.0301');
      });
    });

    describe('GET /v1/:project_id/vpcs', () => {
      it('lists the project\'s VPCs in created order, not another project\'s', async () => {
        const mine = await newVpc('172.21.0.0/16');
        const res = await h.req('GET', vpcs);
        assert.equal(res.status, 200);
        const ids = res.body.vpcs.map((v: any) => v.id);
        assert.deepEqual(ids.slice(0, 2), [IDS.A.vpc, IDS.vpcC], 'the configured VPCs come first');
        assert.ok(ids.includes(mine.id));
        assert.ok(!ids.includes(IDS.B.vpc));
        assert.ok(res.body.vpcs.every((v: any) => v.tenant_id === h.projectId && Object.keys(v).length === VPC_KEYS.length));
        const theirs = await h.req('GET', `/v1/${IDS.B.project}/vpcs`, undefined, IDS.B.token);
        assert.deepEqual(theirs.body.vpcs.map((v: any) => v.id), [IDS.B.vpc]);
      });

      it('honours limit', async () => {
        const res = await h.req('GET', `${vpcs}?limit=1`);
        assert.deepEqual(res.body.vpcs.map((v: any) => v.id), [IDS.A.vpc]);
        assert.deepEqual((await h.req('GET', `${vpcs}?limit=0`)).body.vpcs, []);
      });

      for (const bad of ['-1', 'ten', '2001']) {
        it(`returns 400 DNS.0006 for limit=${bad}`, async () => assertError(await h.req('GET', `${vpcs}?limit=${bad}`), 400, 'DNS.0006', 'limit'));
      }

      it('returns 404 DNS.0404 for another project\'s id in the path', async () => {
        assertError(await h.req('GET', `/v1/${IDS.B.project}/vpcs`), 404, 'DNS.0404', 'project_id');
        assertError(await h.req('GET', `/v1/${'c'.repeat(32)}/vpcs`), 404, 'DNS.0404');
      });
    });

    describe('GET /v1/:project_id/vpcs/:vpc_id', () => {
      it('returns 200 with a configured VPC', async () => {
        const res = await h.req('GET', `${vpcs}/${IDS.A.vpc}`);
        assert.equal(res.status, 200);
        assert.equal(res.body.vpc.id, IDS.A.vpc);
        assert.equal(res.body.vpc.name, 'vpc-a');
        assert.equal(res.body.vpc.cidr, '10.0.0.0/16');
      });
      it('returns 404 VPC.0102 for an unknown id', async () => assertError(await h.req('GET', `${vpcs}/6f1c0e2a-0000-4000-8000-ffffffffffff`), 404, 'VPC.0102', 'vpc_id'));
      it('returns 404 VPC.0102 for a malformed id', async () => assertError(await h.req('GET', `${vpcs}/not-a-uuid`), 404, 'VPC.0102'));
      it('returns 404 VPC.0102 for another project\'s VPC', async () => assertError(await h.req('GET', `${vpcs}/${IDS.B.vpc}`), 404, 'VPC.0102'));
      it('returns 404 DNS.0404 for another project\'s id in the path', async () => {
        assertError(await h.req('GET', `/v1/${IDS.B.project}/vpcs/${IDS.B.vpc}`), 404, 'DNS.0404', 'project_id');
      });
    });

    describe('DELETE /v1/:project_id/vpcs/:vpc_id', () => {
      it('returns 204 with no body, then the VPC is gone', async () => {
        const v = await newVpc('172.22.0.0/16');
        const res = await h.req('DELETE', `${vpcs}/${v.id}`);
        assert.equal(res.status, 204);
        assert.equal(res.body, undefined);
        assertError(await h.req('GET', `${vpcs}/${v.id}`), 404, 'VPC.0102');
        assertError(await h.req('DELETE', `${vpcs}/${v.id}`), 404, 'VPC.0102');
        assert.ok(!(await h.req('GET', vpcs)).body.vpcs.some((x: any) => x.id === v.id));
      });

      it('returns 400 VPC.0103 while the VPC has a subnet, and 204 once it is deleted', async () => {
        const v = await newVpc('172.23.0.0/16');
        const s = await newSubnet(v.id, '172.23.1.0/24');
        assertError(await h.req('DELETE', `${vpcs}/${v.id}`), 400, 'VPC.0103', 'subnet');
        assert.equal((await h.req('GET', `${vpcs}/${v.id}`)).status, 200);
        assert.equal((await h.req('DELETE', `${subnets}/${s.id}`)).status, 204);
        assert.equal((await h.req('DELETE', `${vpcs}/${v.id}`)).status, 204);
      });

      it('returns 400 VPC.0103 while the VPC holds an endpoint, until the reconciler removed it', async () => {
        const v = await newVpc('172.24.0.0/16');
        const s = await newSubnet(v.id, '172.24.1.0/24');
        const ep = await createEndpoint(h, { ipaddresses: [{ subnet_id: s.id }, { subnet_id: s.id }] });
        assert.equal(ep.vpc_id, v.id);
        await h.settle();
        assertError(await h.req('DELETE', `${vpcs}/${v.id}`), 400, 'VPC.0103', 'endpoint');
        assert.equal((await h.req('DELETE', `/v2.1/endpoints/${ep.id}`)).status, 202);
        assertError(await h.req('DELETE', `${vpcs}/${v.id}`), 400, 'VPC.0103', 'endpoint');
        await h.settle();
        assertError(await h.req('GET', `/v2.1/endpoints/${ep.id}`), 404, 'DNS.1510');
        assertError(await h.req('DELETE', `${vpcs}/${v.id}`), 400, 'VPC.0103', 'subnet');
        assert.equal((await h.req('DELETE', `${subnets}/${s.id}`)).status, 204);
        assert.equal((await h.req('DELETE', `${vpcs}/${v.id}`)).status, 204);
      });

      it('returns 404 VPC.0102 for another project\'s VPC, which stays', async () => {
        assertError(await h.req('DELETE', `${vpcs}/${IDS.B.vpc}`), 404, 'VPC.0102');
        assert.equal((await h.req('GET', `/v1/${IDS.B.project}/vpcs/${IDS.B.vpc}`, undefined, IDS.B.token)).status, 200);
      });

      it('returns 404 DNS.0404 for another project\'s id in the path', async () => {
        assertError(await h.req('DELETE', `/v1/${IDS.B.project}/vpcs/${IDS.B.vpc}`), 404, 'DNS.0404', 'project_id');
        assert.equal((await h.req('GET', `/v1/${IDS.B.project}/vpcs/${IDS.B.vpc}`, undefined, IDS.B.token)).status, 200);
      });
    });

    describe('POST /v1/:project_id/subnets', () => {
      it('returns 200 with the subnet wire shape and the first host address as the default gateway', async () => {
        const v = await newVpc('172.25.0.0/16');
        const res = await h.req('POST', subnets, { subnet: { name: 'sub-shape', cidr: '172.25.8.0/24', vpc_id: v.id } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const s = res.body.subnet;
        assert.deepEqual(Object.keys(s).sort(), SUBNET_KEYS);
        assert.match(s.id, UUID);
        assert.match(s.neutron_subnet_id, UUID);
        assert.match(s.created_at, TIMESTAMP);
        assert.notEqual(s.neutron_subnet_id, s.id);
        assert.deepEqual(
          { ...s, id: '', neutron_subnet_id: '', neutron_network_id: '' },
          {
            id: '',
            name: 'sub-shape',
            description: '',
            cidr: '172.25.8.0/24',
            gateway_ip: '172.25.8.1',
            vpc_id: v.id,
            neutron_subnet_id: '',
            neutron_network_id: '',
            status: 'ACTIVE',
            dhcp_enable: true,
            tenant_id: h.projectId,
            created_at: nowText(),
            updated_at: nowText(),
          },
        );
        const shown = await h.req('GET', `${subnets}/${s.id}`);
        assert.equal(shown.status, 200);
        assert.deepEqual(shown.body.subnet, s);
      });

      const gateways: Array<[string, string]> = [
        ['172.26.16.0/28', '172.26.16.1'],
        ['172.26.32.16/28', '172.26.32.17'],
        ['172.26.64.8/29', '172.26.64.9'],
        ['172.26.128.0/17', '172.26.128.1'],
      ];
      for (const [cidr, gateway] of gateways) {
        it(`defaults the gateway of ${cidr} to ${gateway}`, async () => {
          const v = await newVpc('172.26.0.0/16');
          assert.equal((await newSubnet(v.id, cidr)).gateway_ip, gateway);
        });
      }

      it('keeps a given gateway, and the allocator then skips it', async () => {
        const v = await newVpc('172.27.0.0/16');
        const s = await newSubnet(v.id, '172.27.1.0/24', { gateway_ip: '172.27.1.4' });
        assert.equal(s.gateway_ip, '172.27.1.4');
        const ep = await createEndpoint(h, { ipaddresses: [{ subnet_id: s.id }, { subnet_id: s.id }] });
        const ips = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses.map((a: any) => a.ip).sort();
        assert.deepEqual(ips, ['172.27.1.5', '172.27.1.6']);
        const listed = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
        assert.ok(listed.every((a: any) => a.subnet_id === s.neutron_subnet_id), 'endpoint addresses report the Neutron id');
      });

      it('accepts the optional dhcp_enable, primary_dns, secondary_dns and availability_zone fields', async () => {
        const v = await newVpc('172.28.0.0/16');
        const s = await newSubnet(v.id, '172.28.1.0/24', { dhcp_enable: true, primary_dns: '100.125.1.250', secondary_dns: '100.125.21.250', availability_zone: 'ap-southeast-1a' });
        assert.equal(s.cidr, '172.28.1.0/24');
      });

      it('accepts the same CIDR in another VPC of the project', async () => {
        const v = await newVpc('10.0.0.0/16');
        const s = await newSubnet(v.id, '10.0.1.0/24');
        assert.equal(s.cidr, '10.0.1.0/24');
      });

      it('accepts adjacent subnets that do not overlap', async () => {
        const v = await newVpc('172.29.0.0/16');
        await newSubnet(v.id, '172.29.1.0/25');
        await newSubnet(v.id, '172.29.1.128/25');
        await newSubnet(v.id, '172.29.0.0/24');
        assert.equal((await listSubnetIds(`?vpc_id=${v.id}`)).length, 3);
      });

      // Against vpc-a (10.0.0.0/16), which holds sub-a1 10.0.1.0/24 and sub-a2 10.0.2.0/29.
      const sub = (fields: Record<string, unknown>) => ({ subnet: { name: 'sub-bad', cidr: '10.0.7.0/24', vpc_id: IDS.A.vpc, ...fields } });
      const cases: Array<[string, unknown, number, string, string?]> = [
        ['VPC.0201 for a name with a space', sub({ name: 'bad name' }), 400, 'VPC.0201', 'name'],
        ['VPC.0201 for an empty name', sub({ name: '' }), 400, 'VPC.0201', 'name'],
        ['VPC.0201 for a 65-character name', sub({ name: 's'.repeat(65) }), 400, 'VPC.0201', 'name'],
        ['VPC.0201 for a CIDR with host bits set', sub({ cidr: '10.0.7.1/24' }), 400, 'VPC.0201', 'cidr'],
        ['VPC.0201 for a /31 CIDR', sub({ cidr: '10.0.7.0/31' }), 400, 'VPC.0201', 'cidr'],
        ['VPC.0201 for a /32 CIDR', sub({ cidr: '10.0.7.1/32' }), 400, 'VPC.0201', 'cidr'],
        ['VPC.0201 for a malformed CIDR', sub({ cidr: '10.0.7/24' }), 400, 'VPC.0201', 'cidr'],
        ['VPC.0201 for a CIDR with a bad prefix', sub({ cidr: '10.0.7.0/33' }), 400, 'VPC.0201', 'cidr'],
        ['VPC.0201 for a CIDR outside the VPC CIDR', sub({ cidr: '10.1.7.0/24' }), 400, 'VPC.0201', 'cidr'],
        ['VPC.0201 for a CIDR larger than the VPC', sub({ cidr: '10.0.0.0/15' }), 400, 'VPC.0201', 'cidr'],
        ['VPC.0201 for a gateway outside the subnet', sub({ gateway_ip: '10.0.8.1' }), 400, 'VPC.0201', 'gateway_ip'],
        ['VPC.0201 for the network address as gateway', sub({ gateway_ip: '10.0.7.0' }), 400, 'VPC.0201', 'gateway_ip'],
        ['VPC.0201 for the broadcast address as gateway', sub({ gateway_ip: '10.0.7.255' }), 400, 'VPC.0201', 'gateway_ip'],
        ['VPC.0201 for a malformed gateway', sub({ gateway_ip: '10.0.7.300' }), 400, 'VPC.0201', 'gateway_ip'],
        ['VPC.0201 for a gateway with a leading zero', sub({ gateway_ip: '10.0.7.01' }), 400, 'VPC.0201', 'gateway_ip'],
        ['VPC.0201 for an empty gateway', sub({ gateway_ip: '' }), 400, 'VPC.0201', 'gateway_ip'],
        ['VPC.0204 for a CIDR inside an existing subnet', sub({ cidr: '10.0.1.128/25' }), 400, 'VPC.0204', 'cidr'],
        ['VPC.0204 for the CIDR of an existing subnet', sub({ cidr: '10.0.1.0/24' }), 400, 'VPC.0204', 'cidr'],
        ['VPC.0204 for a CIDR covering an existing subnet', sub({ cidr: '10.0.0.0/22' }), 400, 'VPC.0204', 'cidr'],
        ['VPC.0204 for a CIDR overlapping a /29', sub({ cidr: '10.0.2.0/29' }), 400, 'VPC.0204', 'cidr'],
        ['VPC.0102 for an unknown VPC', sub({ vpc_id: '6f1c0e2a-0000-4000-8000-ffffffffffff' }), 404, 'VPC.0102', 'vpc_id'],
        ['VPC.0102 for a malformed VPC id', sub({ vpc_id: 'nope' }), 404, 'VPC.0102'],
        ['VPC.0102 for another project\'s VPC', sub({ vpc_id: IDS.B.vpc, cidr: '10.0.7.0/24' }), 404, 'VPC.0102'],
        ['DNS.0002 for an unknown field in the subnet', sub({ ipv6_enable: true }), 400, 'DNS.0002', 'ipv6_enable'],
        ['DNS.0002 for a neutron_subnet_id field (not settable)', sub({ neutron_subnet_id: 'a1a1a1a1-0000-4000-8000-00000000a1a1' }), 400, 'DNS.0002', 'neutron_subnet_id'],
        ['DNS.0002 for an unknown top-level field', { ...sub({}), vpc: {} }, 400, 'DNS.0002', 'vpc'],
        ['DNS.0002 for a missing subnet object', {}, 400, 'DNS.0002', 'subnet'],
        ['DNS.0002 for malformed JSON', '{"subnet": ', 400, 'DNS.0002'],
      ];
      for (const [title, body, status, code, field] of cases) {
        it(`returns ${status} ${title}, and creates nothing`, async () => {
          const before = await listSubnetIds();
          assertError(await h.req('POST', subnets, body), status, code, field);
          assert.deepEqual(await listSubnetIds(), before);
        });
      }

      // A field of the wrong type, or a required one missing, is a bad subnet parameter too (VPC.0201 naming it).
      const badType: Array<[string, unknown, string]> = [
        ['a numeric name', sub({ name: 7 }), 'name'],
        ['a missing name', sub({ name: undefined }), 'name'],
        ['a numeric cidr', sub({ cidr: 24 }), 'cidr'],
        ['a missing cidr', sub({ cidr: undefined }), 'cidr'],
        ['a numeric gateway_ip', sub({ gateway_ip: 1 }), 'gateway_ip'],
        ['a missing vpc_id', sub({ vpc_id: undefined }), 'vpc_id'],
      ];
      for (const [title, body, field] of badType) {
        it(
          `returns 400 VPC.0201 naming ${field} for ${title}`,
          async () => assertError(await h.req('POST', subnets, JSON.parse(JSON.stringify(body))), 400, 'VPC.0201', field),
        );
      }

      it('returns 404 DNS.0404 for another project\'s id in the path, and creates nothing there', async () => {
        assertError(await h.req('POST', `/v1/${IDS.B.project}/subnets`, { subnet: { name: 'intruder', cidr: '10.0.9.0/24', vpc_id: IDS.B.vpc } }), 404, 'DNS.0404', 'project_id');
        const theirs = await h.req('GET', `/v1/${IDS.B.project}/subnets`, undefined, IDS.B.token);
        assert.deepEqual(theirs.body.subnets.map((s: any) => s.id), [IDS.B.subnet]);
      });
    });

    describe('GET /v1/:project_id/subnets', () => {
      it('lists the project\'s subnets with id and neutron_subnet_id, not another project\'s', async () => {
        const res = await h.req('GET', subnets);
        assert.equal(res.status, 200);
        const a1 = res.body.subnets.find((s: any) => s.id === IDS.A.subnet);
        assert.deepEqual(Object.keys(a1).sort(), SUBNET_KEYS);
        assert.equal(a1.neutron_subnet_id, 'a1a1a1a1-0000-4000-8000-00000000a1a1');
        assert.equal(a1.cidr, '10.0.1.0/24');
        assert.equal(a1.gateway_ip, '10.0.1.1');
        assert.equal(a1.vpc_id, IDS.A.vpc);
        const ids = res.body.subnets.map((s: any) => s.id);
        assert.ok(ids.includes(IDS.subnetA2) && ids.includes(IDS.subnetC1));
        assert.ok(!ids.includes(IDS.B.subnet));
        assert.ok(res.body.subnets.every((s: any) => s.tenant_id === h.projectId));
      });

      it('filters by ?vpc_id=, in created order', async () => {
        assert.deepEqual(await listSubnetIds(`?vpc_id=${IDS.A.vpc}`), [IDS.A.subnet, IDS.subnetA2]);
        assert.deepEqual(await listSubnetIds(`?vpc_id=${IDS.vpcC}`), [IDS.subnetC1]);
        const v = await newVpc('172.30.0.0/16');
        const s2 = await newSubnet(v.id, '172.30.2.0/24');
        h.clock.advance(1_000);
        const s1 = await newSubnet(v.id, '172.30.1.0/24');
        assert.deepEqual(await listSubnetIds(`?vpc_id=${v.id}`), [s2.id, s1.id]);
        assert.deepEqual(await listSubnetIds(`?vpc_id=${v.id}&limit=1`), [s2.id]);
        assert.deepEqual(await listSubnetIds('?vpc_id=6f1c0e2a-0000-4000-8000-ffffffffffff'), []);
      });

      it('lists nothing for another project\'s vpc_id', async () => {
        assert.deepEqual(await listSubnetIds(`?vpc_id=${IDS.B.vpc}`), []);
      });

      it('filters by ?vpcId= as well (spec section 10: Terraform sends either)', async () => {
        assert.deepEqual(await listSubnetIds(`?vpcId=${IDS.vpcC}`), [IDS.subnetC1]);
      });

      for (const bad of ['-1', 'x', '2001']) {
        it(`returns 400 DNS.0006 for limit=${bad}`, async () => assertError(await h.req('GET', `${subnets}?limit=${bad}`), 400, 'DNS.0006', 'limit'));
      }

      it('returns 404 DNS.0404 for another project\'s id in the path', async () => {
        assertError(await h.req('GET', `/v1/${IDS.B.project}/subnets?vpc_id=${IDS.B.vpc}`), 404, 'DNS.0404', 'project_id');
      });
    });

    describe('GET /v1/:project_id/subnets/:subnet_id', () => {
      it('returns 200 by subnet id and by Neutron subnet id', async () => {
        const byId = await h.req('GET', `${subnets}/${IDS.A.subnet}`);
        assert.equal(byId.status, 200);
        assert.equal(byId.body.subnet.id, IDS.A.subnet);
        assert.equal(byId.body.subnet.neutron_subnet_id, 'a1a1a1a1-0000-4000-8000-00000000a1a1');
        const byNeutron = await h.req('GET', `${subnets}/a1a1a1a1-0000-4000-8000-00000000a1a1`);
        assert.equal(byNeutron.status, 200);
        assert.deepEqual(byNeutron.body.subnet, byId.body.subnet);
      });
      it('returns 404 VPC.0202 for an unknown id', async () => assertError(await h.req('GET', `${subnets}/6f1c0e2a-0000-4000-8000-ffffffffffff`), 404, 'VPC.0202', 'subnet_id'));
      it('returns 404 VPC.0202 for another project\'s subnet', async () => assertError(await h.req('GET', `${subnets}/${IDS.B.subnet}`), 404, 'VPC.0202'));
      it('returns 404 DNS.0404 for another project\'s id in the path', async () => {
        assertError(await h.req('GET', `/v1/${IDS.B.project}/subnets/${IDS.B.subnet}`), 404, 'DNS.0404', 'project_id');
      });
    });

    describe('DELETE /v1/:project_id/subnets/:subnet_id', () => {
      it('returns 204 with no body, then the subnet is gone and its CIDR free again', async () => {
        const v = await newVpc('172.31.0.0/16');
        const s = await newSubnet(v.id, '172.31.1.0/24');
        const res = await h.req('DELETE', `${subnets}/${s.id}`);
        assert.equal(res.status, 204);
        assert.equal(res.body, undefined);
        assertError(await h.req('GET', `${subnets}/${s.id}`), 404, 'VPC.0202');
        assertError(await h.req('DELETE', `${subnets}/${s.id}`), 404, 'VPC.0202');
        assert.deepEqual(await listSubnetIds(`?vpc_id=${v.id}`), []);
        await newSubnet(v.id, '172.31.1.0/24');
      });

      it('deletes by Neutron subnet id', async () => {
        const v = await newVpc('172.31.0.0/16');
        const s = await newSubnet(v.id, '172.31.2.0/24');
        assert.equal((await h.req('DELETE', `${subnets}/${s.neutron_subnet_id}`)).status, 204);
        assertError(await h.req('GET', `${subnets}/${s.id}`), 404, 'VPC.0202');
      });

      it('returns 400 VPC.0203 while the subnet holds endpoint addresses, and 204 once they are unbound and reconciled', async () => {
        const v = await newVpc('192.168.0.0/16');
        const s1 = await newSubnet(v.id, '192.168.1.0/24');
        const s2 = await newSubnet(v.id, '192.168.2.0/24');
        const ep = await createEndpoint(h, { ipaddresses: [{ subnet_id: s1.id }, { subnet_id: s1.id }, { subnet_id: s2.id, ip: '192.168.2.50' }] });
        await h.settle();
        assertError(await h.req('DELETE', `${subnets}/${s2.id}`), 400, 'VPC.0203', s2.id);
        assertError(await h.req('DELETE', `${subnets}/${s1.id}`), 400, 'VPC.0203');
        const ips = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
        const inS2 = ips.find((a: any) => a.ip === '192.168.2.50');
        assert.equal((await h.req('DELETE', `/v2.1/endpoints/${ep.id}/ipaddresses/${inS2.id}`)).status, 202);
        // Until the reconciler released it, the address is still configured and still holds the subnet.
        assertError(await h.req('DELETE', `${subnets}/${s2.id}`), 400, 'VPC.0203');
        await h.settle();
        assert.equal((await h.req('DELETE', `${subnets}/${s2.id}`)).status, 204);
        assertError(await h.req('DELETE', `${subnets}/${s1.id}`), 400, 'VPC.0203');
        assert.equal((await h.req('DELETE', `/v2.1/endpoints/${ep.id}`)).status, 202);
        assertError(await h.req('DELETE', `${subnets}/${s1.id}`), 400, 'VPC.0203');
        await h.settle();
        assert.equal((await h.req('DELETE', `${subnets}/${s1.id}`)).status, 204);
        assert.equal((await h.req('DELETE', `${vpcs}/${v.id}`)).status, 204);
      });

      it('returns 404 VPC.0202 for another project\'s subnet, which stays', async () => {
        assertError(await h.req('DELETE', `${subnets}/${IDS.B.subnet}`), 404, 'VPC.0202');
        assert.equal((await h.req('GET', `/v1/${IDS.B.project}/subnets/${IDS.B.subnet}`, undefined, IDS.B.token)).status, 200);
      });

      it('returns 404 DNS.0404 for another project\'s id in the path', async () => {
        assertError(await h.req('DELETE', `/v1/${IDS.B.project}/subnets/${IDS.B.subnet}`), 404, 'DNS.0404', 'project_id');
        assert.equal((await h.req('GET', `/v1/${IDS.B.project}/subnets/${IDS.B.subnet}`, undefined, IDS.B.token)).status, 200);
      });
    });
  });
}
