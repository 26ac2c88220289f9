// API tests of resolver rules (R1-R7): success and failure paths, paging with markers, dependencies, races.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DATABASES, IDS, createEndpoint, makeHarness, type Harness } from '../helpers/harness.ts';
import { assertError } from '../helpers/assert-error.ts';


for (const db of DATABASES) {
  describe(`resolver rule API on ${db}`, () => {
    let h: Harness;
    let outbound: string;
    let inbound: string;
    const rule = (overrides: Record<string, unknown> = {}) => ({
      name: 'fwd-corp',
      domain_name: 'corp.example.',
      endpoint_id: outbound,
      ipaddresses: [{ ip: '172.16.0.53' }, { ip: '172.16.1.53' }],
      ...overrides,
    });
    const create = async (overrides: Record<string, unknown> = {}) => {
      h.clock.advance(1); // distinct create_time, so list order is creation order
      const res = await h.req('POST', '/v2.1/resolverrules', rule(overrides));
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return res.body.resolver_rule;
    };

    before(async () => {
      h = await makeHarness(db, { quotas: { resolverRules: 40 } });
      outbound = (await createEndpoint(h, { direction: 'outbound', name: 'out-1' })).id;
      inbound = (await createEndpoint(h, { name: 'in-1' })).id;
      await h.settle();
    });
    after(async () => h.close());

    describe('POST /v2.1/resolverrules', () => {
      it('returns 202 PENDING_CREATE with the wire shape, echoing the trailing dot; ACTIVE once reconciled', async () => {
        const r = await create({ name: 'shape', domain_name: 'Shape.Example.' });
        assert.deepEqual(Object.keys(r).sort(), ['create_time', 'domain_name', 'endpoint_id', 'id', 'ipaddress_count', 'name', 'rule_type', 'status', 'update_time']);
        assert.match(r.id, /^[0-9a-f]{32}$/);
        assert.equal(r.domain_name, 'Shape.Example.');
        assert.equal(r.status, 'PENDING_CREATE');
        assert.equal(r.rule_type, 'FORWARD');
        assert.equal(r.ipaddress_count, 2);
        await h.settle();
        const shown = await h.req('GET', `/v2.1/resolverrules/${r.id}`);
        assert.equal(shown.status, 200);
        assert.equal(shown.body.resolver_rule.status, 'ACTIVE');
        assert.deepEqual(shown.body.resolver_rule.ipaddresses, [{ ip: '172.16.0.53' }, { ip: '172.16.1.53' }]);
        assert.deepEqual(shown.body.resolver_rule.routers, []);
        const ep = await h.req('GET', `/v2.1/endpoints/${outbound}`);
        assert.ok(ep.body.endpoint.resolver_rule_count >= 1, 'resolver_rule_count is the real count');
      });

      it('accepts a target port (vpcdns extension) and shows it only when it is not 53', async () => {
        const r = await create({ name: 'ports', domain_name: 'ports.example', ipaddresses: [{ ip: '127.0.0.2', port: 5300 }, { ip: '127.0.0.3' }] });
        const shown = await h.req('GET', `/v2.1/resolverrules/${r.id}`);
        assert.deepEqual(shown.body.resolver_rule.ipaddresses, [{ ip: '127.0.0.2', port: 5300 }, { ip: '127.0.0.3' }]);
      });

      it('allows rules on inbound endpoints (Terraform creates one), forwarding from its addresses', async () => {
        const r = await create({ name: 'on-inbound', domain_name: 'inbound.example', endpoint_id: inbound });
        assert.equal(r.endpoint_id, inbound);
      });

      const bad: Array<[string, () => Record<string, unknown>, number, string, string?]> = [
        ['DNS.1605 for a bad name', () => rule({ name: 'has space' }), 400, 'DNS.1605', 'name'],
        ['DNS.1603 for a label with an underscore', () => rule({ domain_name: 'a_b.example' }), 400, 'DNS.1603', 'domain_name'],
        ['DNS.1603 for a label starting with a hyphen', () => rule({ domain_name: '-a.example' }), 400, 'DNS.1603'],
        ['DNS.1603 for a 64-character label', () => rule({ domain_name: `${'a'.repeat(64)}.example` }), 400, 'DNS.1603'],
        ['DNS.1603 for a name over 253 characters', () => rule({ domain_name: `${'abcdefghi.'.repeat(26)}com` }), 400, 'DNS.1603'],
        ['DNS.1603 for an empty label', () => rule({ domain_name: 'a..example' }), 400, 'DNS.1603'],
        ['DNS.1604 for no targets', () => rule({ ipaddresses: [] }), 400, 'DNS.1604', 'ipaddresses'],
        ['DNS.1604 for seven targets', () => rule({ ipaddresses: Array.from({ length: 7 }, (_, i) => ({ ip: `10.1.1.${i + 1}` })) }), 400, 'DNS.1604'],
        ['DNS.1604 for a repeated target', () => rule({ ipaddresses: [{ ip: '10.1.1.1' }, { ip: '10.1.1.1' }] }), 400, 'DNS.1604', 'ipaddresses[1]'],
        ['DNS.1604 for a multicast target', () => rule({ ipaddresses: [{ ip: '224.0.0.1' }] }), 400, 'DNS.1604', 'ipaddresses[0].ip'],
        ['DNS.1604 for a target without ip', () => rule({ ipaddresses: [{}] }), 400, 'DNS.1604'],
        ['DNS.1604 for port 0', () => rule({ ipaddresses: [{ ip: '10.1.1.1', port: 0 }] }), 400, 'DNS.1604', 'port'],
        ['DNS.1509 for a malformed endpoint id', () => rule({ endpoint_id: 'nope' }), 400, 'DNS.1509'],
        ['DNS.1510 for an unknown endpoint', () => rule({ endpoint_id: 'f'.repeat(32) }), 404, 'DNS.1510'],
        ['DNS.0002 for an unknown field', () => rule({ ttl: 5 }), 400, 'DNS.0002', 'ttl'],
      ];
      for (const [title, body, status, code, field] of bad) {
        it(`returns ${status} ${title}`, async () => assertError(await h.req('POST', '/v2.1/resolverrules', body()), status, code, field));
      }

      it('returns 400 DNS.1606 for a second rule for the same domain on one endpoint (case and trailing dot ignored)', async () => {
        await create({ name: 'dup-1', domain_name: 'dup.example' });
        assertError(await h.req('POST', '/v2.1/resolverrules', rule({ name: 'dup-2', domain_name: 'DUP.example.' })), 400, 'DNS.1606');
      });

      it('returns 404 DNS.1510 for another project\'s endpoint', async () => {
        assertError(await h.req('POST', '/v2.1/resolverrules', rule({ name: 'x' }), IDS.B.token), 404, 'DNS.1510');
      });

      it('returns 400 DNS.1610 on an endpoint that is not ACTIVE', async () => {
        const pending = await createEndpoint(h, { direction: 'outbound', name: 'out-pending' });
        assertError(await h.req('POST', '/v2.1/resolverrules', rule({ endpoint_id: pending.id, domain_name: 'pending.example' })), 400, 'DNS.1610');
        await h.settle();
      });
    });

    describe('quota', () => {
      it('returns 403 DNS.2002 beyond the rule quota', async () => {
        const q = await makeHarness(db, { quotas: { resolverRules: 2 } });
        try {
          const ep = (await createEndpoint(q, { direction: 'outbound' })).id;
          await q.settle();
          const body = (d: string) => ({ name: 'r', domain_name: d, endpoint_id: ep, ipaddresses: [{ ip: '10.1.1.1' }] });
          assert.equal((await q.req('POST', '/v2.1/resolverrules', body('a.example'))).status, 202);
          assert.equal((await q.req('POST', '/v2.1/resolverrules', body('b.example'))).status, 202);
          assertError(await q.req('POST', '/v2.1/resolverrules', body('c.example')), 403, 'DNS.2002');
        } finally {
          await q.close();
        }
      });
    });

    describe('GET /v2.1/resolverrules', () => {
      it('lists with routers, total_count, filters, and marker paging with links and page_info', async () => {
        const ep = (await createEndpoint(h, { direction: 'outbound', name: 'out-list' })).id;
        await h.settle();
        const made = [];
        for (let i = 0; i < 5; i++) made.push(await create({ name: `page-${i}`, domain_name: `p${i}.page.example`, endpoint_id: ep }));
        const all = await h.req('GET', `/v2.1/resolverrules?endpoint_id=${ep}`);
        assert.equal(all.status, 200);
        assert.equal(all.body.metadata.total_count, 5);
        assert.deepEqual(all.body.resolver_rules.map((r: any) => r.id), made.map((r) => r.id));
        assert.ok(all.body.resolver_rules.every((r: any) => Array.isArray(r.routers) && !('ipaddresses' in r)));
        assert.equal(all.body.page_info.current_count, 5);
        assert.equal(all.body.page_info.next_marker, undefined, 'no next page, no marker');
        assert.equal(all.body.links.next, undefined);

        const p1 = await h.req('GET', `/v2.1/resolverrules?endpoint_id=${ep}&limit=2`);
        assert.deepEqual(p1.body.resolver_rules.map((r: any) => r.id), [made[0].id, made[1].id]);
        assert.equal(p1.body.page_info.next_marker, made[1].id);
        assert.match(p1.body.links.next, new RegExp(`marker=${made[1].id}`));
        // A rule inserted between pages lands after the marker and is not skipped or repeated.
        const late = await create({ name: 'late', domain_name: 'late.page.example', endpoint_id: ep });
        const p2 = await h.req('GET', `/v2.1/resolverrules?endpoint_id=${ep}&limit=2&marker=${p1.body.page_info.next_marker}`);
        assert.deepEqual(p2.body.resolver_rules.map((r: any) => r.id), [made[2].id, made[3].id]);
        const p3 = await h.req('GET', `/v2.1/resolverrules?endpoint_id=${ep}&limit=2&marker=${p2.body.page_info.next_marker}`);
        assert.deepEqual(p3.body.resolver_rules.map((r: any) => r.id), [made[4].id, late.id]);
        assert.equal(p3.body.page_info.next_marker, undefined);

        const byOffset = await h.req('GET', `/v2.1/resolverrules?endpoint_id=${ep}&limit=2&offset=2`);
        assert.deepEqual(byOffset.body.resolver_rules.map((r: any) => r.id), [made[2].id, made[3].id]);
        const byDomain = await h.req('GET', '/v2.1/resolverrules?domain_name=P3.PAGE.EXAMPLE.');
        assert.deepEqual(byDomain.body.resolver_rules.map((r: any) => r.id), [made[3].id]);
        const byName = await h.req('GET', `/v2.1/resolverrules?name=page-4`);
        assert.deepEqual(byName.body.resolver_rules.map((r: any) => r.id), [made[4].id]);
        const byId = await h.req('GET', `/v2.1/resolverrules?id=${made[0].id}`);
        assert.equal(byId.body.metadata.total_count, 1);
      });

      it('returns 400 DNS.0007 for an unknown marker and DNS.0006 for a bad limit', async () => {
        assertError(await h.req('GET', `/v2.1/resolverrules?marker=${'0'.repeat(32)}`), 400, 'DNS.0007', 'marker');
        assertError(await h.req('GET', '/v2.1/resolverrules?limit=900'), 400, 'DNS.0006');
      });

      it('does not list another project\'s rules, and shows them as 404', async () => {
        const r = await create({ name: 'private', domain_name: 'private.example' });
        const theirs = await h.req('GET', '/v2.1/resolverrules', undefined, IDS.B.token);
        assert.ok(!theirs.body.resolver_rules.some((x: any) => x.id === r.id));
        assertError(await h.req('GET', `/v2.1/resolverrules/${r.id}`, undefined, IDS.B.token), 404, 'DNS.1602');
        assertError(await h.req('PUT', `/v2.1/resolverrules/${r.id}`, { name: 'x' }, IDS.B.token), 404, 'DNS.1602');
        assertError(await h.req('DELETE', `/v2.1/resolverrules/${r.id}`, undefined, IDS.B.token), 404, 'DNS.1602');
        assertError(await h.req('POST', `/v2.1/resolverrules/${r.id}/associaterouter`, { router: { router_id: IDS.B.vpc } }, IDS.B.token), 404, 'DNS.1602');
      });
    });

    describe('GET /v2.1/resolverrules/:id', () => {
      it('returns 400 DNS.1601 for a malformed id and 404 DNS.1602 for an unknown one', async () => {
        assertError(await h.req('GET', '/v2.1/resolverrules/xyz'), 400, 'DNS.1601');
        assertError(await h.req('GET', `/v2.1/resolverrules/${'a'.repeat(32)}`), 404, 'DNS.1602');
      });
    });

    describe('PUT /v2.1/resolverrules/:id', () => {
      it('renames and replaces targets whole, via PENDING_UPDATE back to ACTIVE', async () => {
        const r = await create({ name: 'upd', domain_name: 'upd.example' });
        await h.settle();
        const res = await h.req('PUT', `/v2.1/resolverrules/${r.id}`, { name: 'upd-2', ipaddresses: [{ ip: '10.9.9.9' }] });
        assert.equal(res.status, 202);
        assert.equal(res.body.resolver_rule.status, 'PENDING_UPDATE');
        assert.equal(res.body.resolver_rule.name, 'upd-2');
        assert.equal(res.body.resolver_rule.ipaddress_count, 1);
        await h.settle();
        const shown = (await h.req('GET', `/v2.1/resolverrules/${r.id}`)).body.resolver_rule;
        assert.equal(shown.status, 'ACTIVE');
        assert.deepEqual(shown.ipaddresses, [{ ip: '10.9.9.9' }]);
        assert.equal(shown.domain_name, 'upd.example', 'the domain is immutable');
      });
      it('returns 400 for an empty update, a bad name, bad targets, or a domain change', async () => {
        const r = await create({ name: 'upd-bad', domain_name: 'upd-bad.example' });
        assertError(await h.req('PUT', `/v2.1/resolverrules/${r.id}`, {}), 400, 'DNS.0603');
        assertError(await h.req('PUT', `/v2.1/resolverrules/${r.id}`, { name: '' }), 400, 'DNS.1605');
        assertError(await h.req('PUT', `/v2.1/resolverrules/${r.id}`, { ipaddresses: [] }), 400, 'DNS.1604');
        assertError(await h.req('PUT', `/v2.1/resolverrules/${r.id}`, { domain_name: 'other.example' }), 400, 'DNS.0002', 'domain_name');
      });
    });

    describe('associaterouter / disassociaterouter', () => {
      it('associates with a flat response, becomes ACTIVE, and disassociates until gone from routers', async () => {
        const r = await create({ name: 'assoc', domain_name: 'assoc.example' });
        await h.settle();
        const res = await h.req('POST', `/v2.1/resolverrules/${r.id}/associaterouter`, { router: { router_id: h.vpcId, router_region: 'ap-southeast-1' } });
        assert.equal(res.status, 202);
        assert.deepEqual(res.body, { router_id: h.vpcId, router_region: 'ap-southeast-1', status: 'PENDING_CREATE' });
        assert.equal((await h.req('GET', `/v2.1/resolverrules/${r.id}`)).body.resolver_rule.routers[0].status, 'PENDING_CREATE');
        await h.settle();
        assert.deepEqual((await h.req('GET', `/v2.1/resolverrules/${r.id}`)).body.resolver_rule.routers, [{ router_id: h.vpcId, router_region: 'ap-southeast-1', status: 'ACTIVE' }]);
        const listed = await h.req('GET', `/v2.1/resolverrules?id=${r.id}`);
        assert.equal(listed.body.resolver_rules[0].routers[0].status, 'ACTIVE');

        assertError(await h.req('POST', `/v2.1/resolverrules/${r.id}/associaterouter`, { router: { router_id: h.vpcId } }), 400, 'DNS.1607');
        assertError(await h.req('DELETE', `/v2.1/resolverrules/${r.id}`), 400, 'DNS.0608', h.vpcId);

        const dis = await h.req('POST', `/v2.1/resolverrules/${r.id}/disassociaterouter`, { router: { router_id: h.vpcId } });
        assert.equal(dis.status, 202);
        assert.equal(dis.body.status, 'PENDING_DELETE');
        await h.settle();
        assert.deepEqual((await h.req('GET', `/v2.1/resolverrules/${r.id}`)).body.resolver_rule.routers, []);
        assertError(await h.req('POST', `/v2.1/resolverrules/${r.id}/disassociaterouter`, { router: { router_id: h.vpcId } }), 400, 'DNS.1608');
      });

      it('refuses a second rule for the same domain on one VPC (DNS.1609), unknown and foreign VPCs, other regions', async () => {
        const ep2 = (await createEndpoint(h, { direction: 'outbound', name: 'out-2' })).id;
        await h.settle();
        const a = await create({ name: 'same-a', domain_name: 'same.example' });
        const b = await create({ name: 'same-b', domain_name: 'Same.Example.', endpoint_id: ep2 });
        assert.equal((await h.req('POST', `/v2.1/resolverrules/${a.id}/associaterouter`, { router: { router_id: IDS.vpcC } })).status, 202);
        assertError(await h.req('POST', `/v2.1/resolverrules/${b.id}/associaterouter`, { router: { router_id: IDS.vpcC } }), 400, 'DNS.1609');
        assertError(await h.req('POST', `/v2.1/resolverrules/${b.id}/associaterouter`, { router: { router_id: IDS.B.vpc } }), 404, 'DNS.0711');
        assertError(await h.req('POST', `/v2.1/resolverrules/${b.id}/associaterouter`, { router: { router_id: 'not-a-uuid' } }), 400, 'DNS.0701');
        assertError(await h.req('POST', `/v2.1/resolverrules/${b.id}/associaterouter`, { router: { router_id: h.vpcId, router_region: 'eu-de' } }), 400, 'DNS.0601');
        assertError(await h.req('POST', `/v2.1/resolverrules/${b.id}/associaterouter`, { router: {} }), 400, 'DNS.0701', 'router_id');
      });
    });

    describe('dependencies', () => {
      it('refuses to delete an endpoint that still has rules (DNS.0608 naming them), then allows it', async () => {
        const ep = (await createEndpoint(h, { direction: 'outbound', name: 'out-dep' })).id;
        await h.settle();
        const r = await create({ name: 'dep', domain_name: 'dep.example', endpoint_id: ep });
        assertError(await h.req('DELETE', `/v2.1/endpoints/${ep}`), 400, 'DNS.0608', r.id);
        assert.equal((await h.req('DELETE', `/v2.1/resolverrules/${r.id}`)).status, 202);
        assertError(await h.req('POST', `/v2.1/resolverrules/${r.id}/associaterouter`, { router: { router_id: h.vpcId } }), 403, 'DNS.0030');
        await h.settle();
        assertError(await h.req('GET', `/v2.1/resolverrules/${r.id}`), 404, 'DNS.1602');
        assert.equal((await h.req('DELETE', `/v2.1/endpoints/${ep}`)).status, 202);
      });

      it('refuses to delete a VPC that is associated with a rule', async () => {
        const r = await create({ name: 'vpc-dep', domain_name: 'vpcdep.example' });
        await h.req('POST', `/v2.1/resolverrules/${r.id}/associaterouter`, { router: { router_id: IDS.vpcC } });
        const res = await h.req('DELETE', `/v1/${h.projectId}/vpcs/${IDS.vpcC}`);
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'VPC.0103');
      });
    });

    describe('races', () => {
      it('two rules for one domain racing to associate with one VPC: exactly one wins', async () => {
        const eps = [];
        for (let i = 0; i < 4; i++) eps.push((await createEndpoint(h, { direction: 'outbound', name: `race-out-${i}` })).id);
        await h.settle();
        const made = [];
        for (const ep of eps) made.push(await create({ name: 'race', domain_name: 'race.example', endpoint_id: ep }));
        const results = await Promise.all(made.map((r) => h.req('POST', `/v2.1/resolverrules/${r.id}/associaterouter`, { router: { router_id: h.vpcId } })));
        assert.equal(results.filter((x) => x.status === 202).length, 1, results.map((x) => `${x.status} ${x.body.code ?? ''}`).join(','));
        assert.ok(results.filter((x) => x.status !== 202).every((x) => x.body.code === 'DNS.1609'));
      });

      it('deleting an endpoint while rules are created on it: either the rule or the delete wins, nothing dangles', async () => {
        const ep = (await createEndpoint(h, { direction: 'outbound', name: 'race-del' })).id;
        await h.settle();
        const [created, deleted] = await Promise.all([
          h.req('POST', '/v2.1/resolverrules', rule({ name: 'race-del', domain_name: 'racedel.example', endpoint_id: ep })),
          h.req('DELETE', `/v2.1/endpoints/${ep}`),
        ]);
        if (created.status === 202) {
          assert.equal(deleted.status, 400);
          assert.equal(deleted.body.code, 'DNS.0608');
        } else {
          assert.equal(deleted.status, 202);
          assert.ok(['DNS.1610', 'DNS.1510'].includes(created.body.code), created.body.code);
        }
        await h.settle();
        const rules = await h.sys.store.rules.listByEndpoint(ep);
        const endpoint = await h.sys.store.endpoints.getById(ep);
        assert.ok(rules.length === 0 || endpoint !== undefined, 'no rule outlives its endpoint');
      });
    });
  });
}
