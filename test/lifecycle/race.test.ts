// Concurrency: racing requests for one address, one name, or one endpoint end with exactly one winner.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allocateAfter, ipToInt, parseCidr } from '../../src/domain/ipam.ts';
import type { Store } from '../../src/store/types.ts';
import { DATABASES, createEndpoint, makeHarness, type Harness } from '../helpers/harness.ts';

for (const db of DATABASES) {
  describe(`races on ${db}`, () => {
    let h: Harness;
    before(async () => {
      h = await makeHarness(db, { quotas: { inboundEndpoints: 1000, outboundEndpoints: 1000 } });
    });
    after(async () => h.close());

    it('50 concurrent binds of the same address to 50 endpoints yield exactly one 202', async () => {
      const eps = [];
      for (let i = 0; i < 50; i++) eps.push(await createEndpoint(h, { name: `race-${i}` }));
      const results = await Promise.all(eps.map((ep) => h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { subnet_id: h.subnetId, ip: '10.0.1.222' } })));
      const ok = results.filter((r) => r.status === 202);
      assert.equal(ok.length, 1, `statuses: ${results.map((r) => r.status).join(',')}`);
      assert.ok(results.filter((r) => r.status !== 202).every((r) => r.status === 400 && r.body.code === 'DNS.1507'));
      const used = await h.sys.store.addresses.usedInSubnet(h.subnetId);
      assert.ok(used.has((10 << 24) + (1 << 8) + 222 + 0));
    });

    it('20 concurrent allocations in one subnet (4 for each of 5 endpoints) get 20 distinct addresses', async () => {
      const eps = [];
      for (let i = 0; i < 5; i++) eps.push(await createEndpoint(h, { name: `alloc-${i}` }));
      const before = (await h.sys.store.addresses.usedInSubnet(h.subnetId)).size;
      // 4 more per endpoint reaches the maximum of 6; 20 binds in all, concurrently.
      const binds = eps.flatMap((ep) => Array.from({ length: 4 }, () => h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { subnet_id: h.subnetId, ip: '' } })));
      const results = await Promise.all(binds);
      assert.deepEqual(results.map((r) => r.status), Array(20).fill(202));
      assert.equal((await h.sys.store.addresses.usedInSubnet(h.subnetId)).size, before + 20);
    });

    it('an allocation whose address was taken since it looked (as by another API node) takes the next one', async () => {
      // A subnet of its own, so that the next-fit address is the one after the endpoints' own.
      const created = await h.req('POST', `/v1/${h.projectId}/subnets`, { subnet: { name: 'stale', cidr: '10.0.77.0/24', vpc_id: h.vpcId } });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const subnetId: string = created.body.subnet.id;
      const addresses = [{ subnet_id: subnetId }, { subnet_id: subnetId }];
      const [a, b] = [await createEndpoint(h, { name: 'stale-a', ipaddresses: addresses }), await createEndpoint(h, { name: 'stale-b', ipaddresses: addresses })];
      const subnet = (await h.sys.store.subnets.get(h.projectId, subnetId))!;
      const next = (after: number) => allocateAfter(parseCidr(subnet.cidr)!, subnet.gatewayIp, after, () => false)!;
      const highest = (await h.sys.store.addresses.highestInSubnet(subnetId))!;
      const taken = next(highest);
      assert.equal((await h.req('POST', `/v2.1/endpoints/${a.id}/ipaddresses`, { ipaddress: { subnet_id: subnetId, ip: taken } })).status, 202);
      // Another node's view: the highest address in use is still the old one (a repository's methods are on its prototype).
      const store = h.sys.store;
      const transaction = store.transaction;
      store.transaction = ((fn) => transaction.call(store, (tx) => fn({ ...tx, addresses: Object.assign(Object.create(tx.addresses) as typeof tx.addresses, { highestInSubnet: async () => highest }) }))) as Store['transaction'];
      try {
        const bind = await h.req('POST', `/v2.1/endpoints/${b.id}/ipaddresses`, { ipaddress: { subnet_id: subnetId, ip: '' } });
        assert.equal(bind.status, 202, JSON.stringify(bind.body));
      } finally {
        store.transaction = transaction;
      }
      const ips = (await h.req('GET', `/v2.1/endpoints/${b.id}/ipaddresses`)).body.ipaddresses.map((x: { ip: string }) => x.ip);
      assert.ok(ips.includes(next(ipToInt(taken))), `${taken} was taken, so the next one: ${ips.join(', ')}`);
      assert.ok(!ips.includes(taken));
    });

    it('10 concurrent binds to an endpoint of two addresses: 4 succeed, it ends with exactly six', async () => {
      const ep = await createEndpoint(h, { name: 'cap-race' });
      const results = await Promise.all(Array.from({ length: 10 }, () => h.req('POST', `/v2.1/endpoints/${ep.id}/ipaddresses`, { ipaddress: { subnet_id: h.subnetId } })));
      assert.equal(results.filter((r) => r.status === 202).length, 4);
      assert.ok(results.filter((r) => r.status !== 202).every((r) => r.body.code === 'DNS.1514'));
      const shown = await h.req('GET', `/v2.1/endpoints/${ep.id}`);
      assert.equal(shown.body.endpoint.ipaddress_count, 6);
    });

    it('5 concurrent unbinds cannot take an endpoint below two addresses: 3 succeed', async () => {
      const ep = await createEndpoint(h, { name: 'floor-race', ipaddresses: Array.from({ length: 5 }, () => ({ subnet_id: h.subnetId })) });
      const ips = (await h.req('GET', `/v2.1/endpoints/${ep.id}/ipaddresses`)).body.ipaddresses;
      const results = await Promise.all(ips.map((a: any) => h.req('DELETE', `/v2.1/endpoints/${ep.id}/ipaddresses/${a.id}`)));
      assert.equal(results.filter((r) => r.status === 202).length, 3);
      const shown = await h.req('GET', `/v2.1/endpoints/${ep.id}`);
      assert.equal(shown.body.endpoint.ipaddress_count, 2);
    });

    it('20 concurrent creates with one name yield exactly one endpoint', async () => {
      const body = { name: 'same-name', direction: 'inbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: h.subnetId }, { subnet_id: h.subnetId }] };
      const results = await Promise.all(Array.from({ length: 20 }, () => h.req('POST', '/v2.1/endpoints', body)));
      assert.equal(results.filter((r) => r.status === 202).length, 1);
      assert.ok(results.filter((r) => r.status !== 202).every((r) => r.body.code === 'DNS.1504'));
      const listed = await h.req('GET', '/v2.1/endpoints?direction=inbound&name=same-name');
      assert.equal(listed.body.metadata.total_count, 1);
    });

    it('10 concurrent creates against a quota of 3: exactly 3 succeed', async () => {
      const q = await makeHarness(db, { quotas: { inboundEndpoints: 3, outboundEndpoints: 3 } });
      try {
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => q.req('POST', '/v2.1/endpoints', { name: `q-${i}`, direction: 'outbound', region: 'ap-southeast-1', ipaddresses: [{ subnet_id: q.subnetId }, { subnet_id: q.subnetId }] })),
        );
        assert.equal(results.filter((r) => r.status === 202).length, 3);
        assert.ok(results.filter((r) => r.status !== 202).every((r) => r.body.code === 'DNS.0407'));
      } finally {
        await q.close();
      }
    });
  });
}
