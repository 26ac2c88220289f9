// API tests of the endpoint operations E1-E9 (happy paths and each documented failure), on every database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AUTH_MODES, DATABASES, IDS, createEndpoint, makeHarness, type Harness } from '../helpers/harness.ts';
import { assertError } from '../helpers/assert-error.ts';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/;


// Every test runs with config tokens, with password-login tokens, and signed by the Huawei SDK over HTTP (AK/SK).
const MODE_TITLES = { token: '', password: ', password-login token', sdk: ', signed by the Huawei SDK (AK/SK)' } as const;
for (const db of DATABASES) for (const auth of AUTH_MODES) {
  describe(`endpoint API on ${db}${MODE_TITLES[auth]}`, () => {
    let h: Harness;
    before(async () => {
      h = await makeHarness(db, { auth });
    });
    after(async () => h.close());

    describe('POST /v2.1/endpoints', () => {
      it('returns 202 PENDING_CREATE with the wire shape, then ACTIVE once reconciled', async () => {
        const res = await h.req('POST', '/v2.1/endpoints', {
          name: 'ib-01',
          direction: 'inbound',
          region: 'ap-southeast-1',
          ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId, ip: '10.0.1.20' }],
        });
        assert.equal(res.status, 202);
        assert.match(String(res.headers['x-request-id']), /^[0-9a-f]{32}$/);
        const ep = res.body.endpoint;
        assert.deepEqual(Object.keys(ep).sort(), ['create_time', 'direction', 'id', 'ipaddress_count', 'name', 'resolver_rule_count', 'status', 'update_time', 'vpc_id']);
        assert.match(ep.id, /^[0-9a-f]{32}$/);
        assert.equal(ep.status, 'PENDING_CREATE');
        assert.equal(ep.vpc_id, h.vpcId);
        assert.equal(ep.ipaddress_count, 2);
        assert.equal(ep.resolver_rule_count, 0);
        assert.match(ep.create_time, TIMESTAMP);
        assert.equal(ep.create_time, '2025-01-01T12:00:00.000');
        await h.settle();
        const shown = await h.req('GET', `/v2.1/endpoints/${ep.id}`);
        assert.equal(shown.status, 200);
        assert.equal(shown.body.endpoint.status, 'ACTIVE');
        const ips = await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`);
        // Next-fit allocation: the first free address above the highest in use (docs/ipam.md).
        assert.deepEqual(ips.body.ipaddresses.map((a: any) => a.ip).sort(), ['10.0.1.20', '10.0.1.21']);
        assert.ok(ips.body.ipaddresses.every((a: any) => a.status === 'ACTIVE' && a.error_info === null));
        // subnet_id is reported as the Neutron id, as Terraform expects.
        assert.equal(ips.body.ipaddresses[0].subnet_id, 'a1a1a1a1-0000-4000-8000-00000000a1a1');
      });

      it('accepts the Neutron subnet id and two subnets of one VPC', async () => {
        const ep = await createEndpoint(h, { ipaddresses: [{ subnet_id: 'a1a1a1a1-0000-4000-8000-00000000a1a1' }, { subnet_id: IDS.subnetA2 }] });
        assert.equal(ep.ipaddress_count, 2);
      });

      const base = () => ({ name: 'bad-one', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId }] });
      const cases: Array<[string, () => unknown, number, string, string?]> = [
        ['DNS.1501 for a name with a space', () => ({ ...base(), name: 'bad name' }), 400, 'DNS.1501', 'name'],
        ['DNS.1501 for a 65-character name', () => ({ ...base(), name: 'x'.repeat(65) }), 400, 'DNS.1501', 'name'],
        ['DNS.1501 for a numeric name', () => ({ ...base(), name: 42 }), 400, 'DNS.1501', 'name'],
        ['DNS.1501 for a missing name', () => ({ ...base(), name: undefined }), 400, 'DNS.1501', 'name'],
        ['DNS.1503 for a bad direction', () => ({ ...base(), direction: 'sideways' }), 400, 'DNS.1503', 'direction'],
        ['DNS.0601 for another region', () => ({ ...base(), region: 'eu-west-0' }), 400, 'DNS.0601', 'region'],
        ['DNS.1514 for one address', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }] }), 400, 'DNS.1514', 'ipaddresses'],
        ['DNS.1514 for seven addresses', () => ({ ...base(), ipaddresses: Array.from({ length: 7 }, () => ({ subnet_id: h.subnetId })) }), 400, 'DNS.1514'],
        ['DNS.1502 for an unknown subnet', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: 'nope' }] }), 400, 'DNS.1502', 'ipaddresses[1].subnet_id'],
        ['DNS.1502 for another project\'s subnet', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: IDS.B.subnet }] }), 400, 'DNS.1502'],
        ['DNS.1515 for a malformed ip', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId, ip: '10.0.1.300' }] }), 400, 'DNS.1515', 'ipaddresses[1].ip'],
        ['DNS.1515 for a non-string ip', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId, ip: 7 }] }), 400, 'DNS.1515'],
        ['DNS.1505 for an ip outside the subnet', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId, ip: '10.0.2.9' }] }), 400, 'DNS.1505', 'ipaddresses[1].ip'],
        ['DNS.1516 for the network address', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId, ip: '10.0.1.0' }] }), 400, 'DNS.1516'],
        ['DNS.1516 for the broadcast address', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId, ip: '10.0.1.255' }] }), 400, 'DNS.1516'],
        ['DNS.1507 for the gateway', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId, ip: '10.0.1.1' }] }), 400, 'DNS.1507'],
        ['DNS.1506 for a repeated ip', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId, ip: '10.0.1.77' }, { subnet_id: h.subnetId, ip: '10.0.1.77' }] }), 400, 'DNS.1506', 'ipaddresses[1].ip'],
        ['DNS.1508 for subnets of two VPCs', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: IDS.subnetC1 }] }), 400, 'DNS.1508'],
        ['DNS.0002 for an unknown field', () => ({ ...base(), colour: 'red' }), 400, 'DNS.0002', 'colour'],
        ['DNS.0002 for an unknown field in an address', () => ({ ...base(), ipaddresses: [{ subnet_id: h.subnetId, port: 1 }, { subnet_id: h.subnetId }] }), 400, 'DNS.0002', 'port'],
        ['DNS.0603 for a JSON array body', () => '[]', 400, 'DNS.0603'],
        ['DNS.0002 for malformed JSON', () => '{"name": ', 400, 'DNS.0002'],
      ];
      for (const [title, body, status, code, field] of cases) {
        it(`returns ${status} ${title}`, async () => {
          const before = await h.req('GET', '/v2.1/endpoints?direction=inbound&limit=0');
          const b = body();
          const res = await h.req('POST', '/v2.1/endpoints', typeof b === 'string' ? b : JSON.parse(JSON.stringify(b)));
          assertError(res, status, code, field);
          const afterList = await h.req('GET', '/v2.1/endpoints?direction=inbound&limit=0');
          assert.equal(afterList.body.metadata.total_count, before.body.metadata.total_count, 'a failed create leaves nothing behind');
        });
      }

      it('returns 400 DNS.1507 when a fixed ip is used by another endpoint, and leaves nothing behind', async () => {
        await createEndpoint(h, { ipaddresses: [{ subnet_id: h.subnetId, ip: '10.0.1.50' }, { subnet_id: h.subnetId }] });
        const res = await h.req('POST', '/v2.1/endpoints', { ...base(), name: 'collides', ipaddresses: [{ subnet_id: h.subnetId, ip: '10.0.1.250' }, { subnet_id: h.subnetId, ip: '10.0.1.50' }] });
        assertError(res, 400, 'DNS.1507', 'ipaddresses[1].ip');
        const again = await createEndpoint(h, { ipaddresses: [{ subnet_id: h.subnetId, ip: '10.0.1.250' }, { subnet_id: h.subnetId }] });
        assert.equal(again.ipaddress_count, 2, '10.0.1.250 was not kept by the failed request');
      });

      it('returns 400 DNS.1504 for a name already used in the project, but another project may use it', async () => {
        await createEndpoint(h, { name: 'dup-name' });
        assertError(await h.req('POST', '/v2.1/endpoints', { ...base(), name: 'dup-name' }), 400, 'DNS.1504', 'dup-name');
        const other = await h.req('POST', '/v2.1/endpoints', { ...base(), name: 'dup-name', ipaddresses: [{ subnet_id: IDS.B.subnet }, { subnet_id: IDS.B.subnet }] }, IDS.B.token);
        assert.equal(other.status, 202);
      });

      it('returns 400 DNS.1507 when the subnet has no free address', async () => {
        // sub-a2 is a /29: .0 network, .1-.3 reserved, .7 broadcast: only .4, .5, .6 can be allocated.
        let res;
        let created = 0;
        for (let i = 0; i < 4; i++) {
          res = await h.req('POST', '/v2.1/endpoints', { ...base(), name: `fill-${i}`, ipaddresses: [{ subnet_id: IDS.subnetA2 }, { subnet_id: h.subnetId }] });
          if (res.status !== 202) break;
          created++;
        }
        assert.ok(created <= 3);
        assertError(res!, 400, 'DNS.1507', 'no free address');
        const ips = await h.sys.store.addresses.usedInSubnet(IDS.subnetA2);
        assert.equal(ips.size, 3);
      });

      it('returns 401 APIGW.0301 without a valid token', async () => {
        assertError(await h.req('POST', '/v2.1/endpoints', base(), 'not-a-real-token-at-all'), 401, 'APIGW.0301');
        const res = await h.sys.app.inject({ method: 'GET', url: '/v2.1/endpoints?direction=inbound' });
        assert.equal(res.statusCode, 401);
      });

      it('returns 413 DNS.0413 for a body over the limit', async () => {
        const res = await h.req('POST', '/v2.1/endpoints', { ...base(), name: 'x'.repeat(70 * 1024) });
        assertError(res, 413, 'DNS.0413');
      });

      it('returns 415 DNS.0415 for a non-JSON content type', async () => {
        const res = await h.sys.app.inject({ method: 'POST', url: '/v2.1/endpoints', headers: { 'x-auth-token': h.token, 'content-type': 'text/plain' }, payload: 'hi' });
        assert.equal(res.statusCode, 415);
        assert.equal(res.json().code, 'DNS.0415');
      });
    });

    describe('quotas', () => {
      it('returns 403 DNS.0406 past the inbound quota and DNS.0407 past the outbound quota', async () => {
        const q = await makeHarness(db, { auth, quotas: { inboundEndpoints: 1, outboundEndpoints: 1 } });
        try {
          await createEndpoint(q);
          assertError(await q.req('POST', '/v2.1/endpoints', { name: 'in2', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: q.subnetId }, { subnet_id: q.subnetId }] }), 403, 'DNS.0406');
          await createEndpoint(q, { direction: 'outbound' });
          assertError(await q.req('POST', '/v2.1/endpoints', { name: 'out2', direction: 'outbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: q.subnetId }, { subnet_id: q.subnetId }] }), 403, 'DNS.0407');
        } finally {
          await q.close();
        }
      });
    });

    describe('GET /v2.1/endpoints', () => {
      it('lists by direction with total_count, paging and filters', async () => {
        const made = [];
        for (let i = 0; i < 3; i++) made.push(await createEndpoint(h, { name: `page-${i}`, direction: 'outbound' }));
        const all = await h.req('GET', '/v2.1/endpoints?direction=outbound');
        assert.equal(all.status, 200);
        assert.ok(all.body.metadata.total_count >= 3);
        assert.ok(all.body.endpoints.every((e: any) => e.direction === 'outbound'));
        const page = await h.req('GET', '/v2.1/endpoints?direction=outbound&limit=1&offset=1');
        assert.equal(page.body.endpoints.length, 1);
        assert.equal(page.body.endpoints[0].id, all.body.endpoints[1].id);
        assert.equal(page.body.metadata.total_count, all.body.metadata.total_count);
        const byName = await h.req('GET', '/v2.1/endpoints?direction=outbound&name=page-1');
        assert.deepEqual(byName.body.endpoints.map((e: any) => e.id), [made[1]!.id]);
        const byVpc = await h.req('GET', `/v2.1/endpoints?direction=outbound&vpc_id=${IDS.vpcC}`);
        assert.equal(byVpc.body.metadata.total_count, 0);
      });

      it('returns 400 DNS.1503 without direction', async () => assertError(await h.req('GET', '/v2.1/endpoints'), 400, 'DNS.1503', 'direction'));
      for (const bad of ['-1', '501', 'ten', '1.5']) {
        it(`returns 400 DNS.0006 for limit=${bad}`, async () => assertError(await h.req('GET', `/v2.1/endpoints?direction=inbound&limit=${bad}`), 400, 'DNS.0006', 'limit'));
      }
      for (const bad of ['-1', 'x', '2147483648']) {
        it(`returns 400 DNS.0017 for offset=${bad}`, async () => assertError(await h.req('GET', `/v2.1/endpoints?direction=inbound&offset=${bad}`), 400, 'DNS.0017', 'offset'));
      }
      it('does not list another project\'s endpoints', async () => {
        const mine = await createEndpoint(h);
        const theirs = await h.req('GET', '/v2.1/endpoints?direction=inbound', undefined, IDS.B.token);
        assert.ok(!theirs.body.endpoints.some((e: any) => e.id === mine.id));
      });
    });

    describe('GET /v2.1/endpoints/:id', () => {
      it('returns 400 DNS.1509 for a malformed id', async () => assertError(await h.req('GET', '/v2.1/endpoints/not-hex'), 400, 'DNS.1509'));
      it('returns 404 DNS.1510 for an unknown id', async () => assertError(await h.req('GET', `/v2.1/endpoints/${'0'.repeat(32)}`), 404, 'DNS.1510'));
      it('returns 404 DNS.1510 for another project\'s endpoint', async () => {
        const ep = await createEndpoint(h);
        assertError(await h.req('GET', `/v2.1/endpoints/${ep.id}`, undefined, IDS.B.token), 404, 'DNS.1510');
        assertError(await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`, undefined, IDS.B.token), 404, 'DNS.1510');
        assertError(await h.req('DELETE', `/v2.1/endpoints/${ep.id}`, undefined, IDS.B.token), 404, 'DNS.1510');
        assertError(await h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { subnet_id: IDS.B.subnet } }, IDS.B.token), 404, 'DNS.1510');
        assertError(await h.req('PUT', `/v2.1/endpoints/${ep.id}`, { name: 'stolen' }, IDS.B.token), 404, 'DNS.1510');
      });
    });

    describe('PUT /v2.1/endpoints/:id', () => {
      it('renames with 202 and keeps the status', async () => {
        const ep = await createEndpoint(h);
        await h.settle();
        const res = await h.req('PUT', `/v2.1/endpoints/${ep.id}`, { name: 'renamed-ok' });
        assert.equal(res.status, 202);
        assert.equal(res.body.endpoint.name, 'renamed-ok');
        assert.equal(res.body.endpoint.status, 'ACTIVE');
      });
      it('returns 400 DNS.1501 for a bad name and DNS.1504 for a taken one', async () => {
        const a = await createEndpoint(h, { name: 'taken-a' });
        assertError(await h.req('PUT', `/v2.1/endpoints/${a.id}`, { name: '' }), 400, 'DNS.1501');
        await createEndpoint(h, { name: 'taken-b' });
        assertError(await h.req('PUT', `/v2.1/endpoints/${a.id}`, { name: 'taken-b' }), 400, 'DNS.1504');
        assertError(await h.req('PUT', `/v2.1/endpoints/${a.id}`, { name: 'ok', extra: 1 }), 400, 'DNS.0002', 'extra');
      });
    });

    describe('POST /v2.1/endpoints/:id/ipaddresses (bind)', () => {
      it('binds an allocated address exactly as the seed example does ("ip": "")', async () => {
        const ep = await createEndpoint(h);
        await h.settle();
        const res = await h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { ip: '', subnet_id: h.subnetId } });
        assert.equal(res.status, 202);
        assert.equal(res.body.endpoint.id, ep.id);
        assert.equal(res.body.endpoint.status, 'PENDING_UPDATE');
        assert.equal(res.body.endpoint.ipaddress_count, 3);
        const ips = await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`);
        assert.equal(ips.body.ipaddresses.length, 3);
        assert.equal(ips.body.ipaddresses.filter((a: any) => a.status === 'PENDING_CREATE').length, 1);
        await h.settle();
        const done = await h.req('GET', `/v2.1/endpoints/${ep.id}`);
        assert.equal(done.body.endpoint.status, 'ACTIVE');
      });

      it('binds a given address', async () => {
        const ep = await createEndpoint(h);
        const res = await h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { ip: '10.0.1.200', subnet_id: h.subnetId } });
        assert.equal(res.status, 202);
        assert.equal(res.body.endpoint.status, 'PENDING_CREATE', 'an endpoint still being created stays PENDING_CREATE');
        const ips = await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`);
        assert.ok(ips.body.ipaddresses.some((a: any) => a.ip === '10.0.1.200'));
      });

      it('returns 400 DNS.1514 for a seventh address', async () => {
        const ep = await createEndpoint(h, { ipaddresses: Array.from({ length: 6 }, () => ({ subnet_id: h.subnetId })) });
        assertError(await h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { subnet_id: h.subnetId } }), 400, 'DNS.1514');
      });

      it('returns the documented error for each bad address', async () => {
        const ep = await createEndpoint(h, { ipaddresses: [{ subnet_id: h.subnetId, ip: '10.0.1.90' }, { subnet_id: h.subnetId }] });
        const bind = (ipaddress: unknown) => h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress });
        assertError(await bind({ subnet_id: h.subnetId, ip: '10.0.1.90' }), 400, 'DNS.1507', 'ipaddress.ip');
        assertError(await bind({ subnet_id: h.subnetId, ip: '10.0.3.1' }), 400, 'DNS.1505');
        assertError(await bind({ subnet_id: h.subnetId, ip: '10.0.1.255' }), 400, 'DNS.1516');
        assertError(await bind({ subnet_id: h.subnetId, ip: 'ten' }), 400, 'DNS.1515');
        assertError(await bind({ subnet_id: 'missing' }), 400, 'DNS.1502');
        assertError(await bind({ subnet_id: IDS.subnetC1 }), 400, 'DNS.1508');
        assertError(await bind({ ip: '10.0.1.91' }), 400, 'DNS.1502', 'subnet_id');
        assertError(await h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, {}), 400, 'DNS.0002', 'ipaddress');
        assertError(await h.req('POST', `/v2.1/endpoints/${'f'.repeat(32)}/ipaddresses`, { ipaddress: { subnet_id: h.subnetId } }), 404, 'DNS.1510');
        assertError(await h.req('POST', `/v2.1/endpoints/xyz/ipaddresses`, { ipaddress: { subnet_id: h.subnetId } }), 400, 'DNS.1509');
      });
    });

    describe('DELETE /v2.1/endpoints/:id/ipaddresses/:ipaddress_id (unbind)', () => {
      it('unbinds with 202, then the address is gone and reusable', async () => {
        const ep = await createEndpoint(h, { ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId }, { subnet_id: h.subnetId, ip: '10.0.1.120' }] });
        await h.settle();
        const ips = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
        const target = ips.find((a: any) => a.ip === '10.0.1.120');
        const res = await h.req('DELETE', `/v2.1/endpoints/${ep.id}/ipaddresses/${target.id}`);
        assert.equal(res.status, 202);
        assert.equal(res.body.endpoint.ipaddress_count, 2);
        assert.equal(res.body.endpoint.status, 'PENDING_UPDATE');
        const during = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
        assert.equal(during.find((a: any) => a.id === target.id).status, 'PENDING_DELETE');
        assert.equal((await h.req('DELETE', `/v2.1/endpoints/${ep.id}/ipaddresses/${target.id}`)).status, 202, 'unbinding twice is accepted');
        await h.settle();
        const afterIps = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
        assert.equal(afterIps.length, 2);
        assert.ok(!h.provisioner.active.has('10.0.1.120'));
        assertError(await h.req('DELETE', `/v2.1/endpoints/${ep.id}/ipaddresses/${target.id}`), 404, 'DNS.1511');
        const other = await createEndpoint(h, { ipaddresses: [{ subnet_id: h.subnetId, ip: '10.0.1.120' }, { subnet_id: h.subnetId }] });
        assert.equal(other.ipaddress_count, 2, 'the freed address can be bound again');
      });

      it('returns 400 DNS.1514 when only two addresses remain', async () => {
        const ep = await createEndpoint(h);
        const ips = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
        assertError(await h.req('DELETE', `/v2.1/endpoints/${ep.id}/ipaddresses/${ips[0].id}`), 400, 'DNS.1514');
      });

      it('returns 404 DNS.1511 for an unknown address id', async () => {
        const ep = await createEndpoint(h);
        assertError(await h.req('DELETE', `/v2.1/endpoints/${ep.id}/ipaddresses/${'1'.repeat(32)}`), 404, 'DNS.1511');
      });
    });

    describe('DELETE /v2.1/endpoints/:id', () => {
      it('returns 202 PENDING_DELETE, then 404 once the reconciler removed it', async () => {
        const ep = await createEndpoint(h);
        await h.settle();
        const res = await h.req('DELETE', `/v2.1/endpoints/${ep.id}`);
        assert.equal(res.status, 202);
        assert.equal(res.body.endpoint.status, 'PENDING_DELETE');
        assertError(await h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { subnet_id: h.subnetId } }), 403, 'DNS.0030');
        assert.equal((await h.req('DELETE', `/v2.1/endpoints/${ep.id}`)).status, 202);
        await h.settle();
        assertError(await h.req('GET', `/v2.1/endpoints/${ep.id}`), 404, 'DNS.1510');
        assertError(await h.req('DELETE', `/v2.1/endpoints/${ep.id}`), 404, 'DNS.1510');
      });
    });

    describe('GET /v2.1/vpcs', () => {
      it('lists the VPCs that host endpoints with per-direction counts', async () => {
        const res = await h.req('GET', '/v2.1/vpcs');
        assert.equal(res.status, 200);
        const a = res.body.vpcs.find((v: any) => v.id === h.vpcId);
        assert.ok(a.inbound_endpoint_count >= 1 && a.outbound_endpoint_count >= 1);
        assert.equal(res.body.metadata.total_count, res.body.vpcs.length);
        const filtered = await h.req('GET', `/v2.1/vpcs?vpc_id=${IDS.vpcC}`);
        assert.deepEqual(filtered.body.vpcs, []);
        assertError(await h.req('GET', '/v2.1/vpcs?limit=x'), 400, 'DNS.0006');
        const theirs = await h.req('GET', '/v2.1/vpcs', undefined, IDS.B.token);
        assert.ok(!theirs.body.vpcs.some((v: any) => v.id === h.vpcId));
      });
    });

    describe('unknown routes', () => {
      it('returns 404 DNS.0404 in the error shape', async () => assertError(await h.req('GET', '/v2.1/nothing'), 404, 'DNS.0404'));
    });
  });
}
