// The storage contract of endpoints, on every database.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Status } from '../../src/domain/status.ts';
import type { EndpointRecord, Store } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex } from '../helpers/store-fixture.ts';
import { assertViolation, useContractStore } from './contract-fixture.ts';

for (const db of DATABASES) {
  describe(`endpoint storage contract on ${db}`, () => {
    const fixture = useContractStore(db);
    const { tick, project, vpc, subnet, endpoint, address } = fixture;
    let store: Store;
    before(() => {
      store = fixture.store;
    });

    describe('endpoints', () => {
      it('creates and gets an endpoint view with counts, scoped to its project; getById is unscoped', async () => {
        const p = await project();
        const q = await project();
        const v = await vpc(p.id);
        const e = await endpoint(v, { name: 'ep-get', direction: 'outbound' });
        assert.deepEqual(await store.endpoints.get(p.id, e.id), { ...e, ipaddressCount: 0, resolverRuleCount: 0 });
        assert.equal(await store.endpoints.get(q.id, e.id), undefined);
        assert.deepEqual(await store.endpoints.getById(e.id), e);
        assert.equal(await store.endpoints.getById(hex()), undefined);
      });

      it('finds with the direction, vpcId and name filters, paging and the total', async () => {
        const p = await project();
        const v1 = await vpc(p.id);
        const v2 = await vpc(p.id);
        const in1 = await endpoint(v1, { name: 'in-1' });
        const out1 = await endpoint(v1, { name: 'out-1', direction: 'outbound' });
        const in2 = await endpoint(v2, { name: 'in-2' });
        const in3 = await endpoint(v1, { name: 'in-3' });
        await endpoint(await vpc((await project()).id), { name: 'in-1' });
        const ids = (r: { items: Array<{ id: string }> }) => r.items.map((x) => x.id);
        const all = { limit: 100, offset: 0 };
        const r1 = await store.endpoints.find(p.id, {}, all);
        assert.deepEqual(ids(r1), [in1.id, out1.id, in2.id, in3.id]);
        assert.equal(r1.total, 4);
        const inbound = await store.endpoints.find(p.id, { direction: 'inbound' }, all);
        assert.deepEqual([ids(inbound), inbound.total], [[in1.id, in2.id, in3.id], 3]);
        const outbound = await store.endpoints.find(p.id, { direction: 'outbound' }, all);
        assert.deepEqual([ids(outbound), outbound.total], [[out1.id], 1]);
        const inV1 = await store.endpoints.find(p.id, { direction: 'inbound', vpcId: v1.id }, all);
        assert.deepEqual([ids(inV1), inV1.total], [[in1.id, in3.id], 2]);
        const byName = await store.endpoints.find(p.id, { name: 'in-2' }, all);
        assert.deepEqual([ids(byName), byName.total], [[in2.id], 1]);
        const none = await store.endpoints.find(p.id, { name: 'in-2', vpcId: v1.id }, all);
        assert.deepEqual([ids(none), none.total], [[], 0]);
        const page = await store.endpoints.find(p.id, { direction: 'inbound' }, { limit: 1, offset: 1 });
        assert.deepEqual([ids(page), page.total], [[in2.id], 3]);
        const empty = await store.endpoints.find(p.id, { direction: 'inbound' }, { limit: 0, offset: 0 });
        assert.deepEqual([ids(empty), empty.total], [[], 3]);
        assert.equal(r1.items[0]!.ipaddressCount, 0);
      });

      it('counts addresses in ipaddressCount, except those PENDING_DELETE', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v, { name: 'counted' });
        await address(e, s, '10.0.1.4', { status: 'ACTIVE' });
        await address(e, s, '10.0.1.5', { status: 'ERROR', errorInfo: 'boom' });
        await address(e, s, '10.0.1.6', { status: 'PENDING_CREATE' });
        await address(e, s, '10.0.1.7', { status: 'PENDING_DELETE' });
        assert.equal((await store.endpoints.get(p.id, e.id))!.ipaddressCount, 3);
        const found = await store.endpoints.find(p.id, { name: 'counted' }, { limit: 10, offset: 0 });
        assert.equal(found.items[0]!.ipaddressCount, 3);
        await store.addresses.markEndpointDeleting(e.id, tick());
        assert.equal((await store.endpoints.get(p.id, e.id))!.ipaddressCount, 0);
      });

      it('getWithAddress reads a project\'s endpoint with one of its addresses, or none', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const [e, f] = [await endpoint(v), await endpoint(v)];
        const a1 = await address(e, s, '10.0.1.4', { status: 'ERROR', errorInfo: 'busy' });
        await address(e, s, '10.0.1.5', { status: 'PENDING_DELETE' });
        const b1 = await address(f, s, '10.0.1.6');
        const view = await store.endpoints.get(p.id, e.id);
        assert.deepEqual(await store.endpoints.getWithAddress(p.id, e.id, a1.id), { endpoint: view, address: a1 });
        assert.deepEqual(await store.endpoints.getWithAddress(p.id, e.id, b1.id), { endpoint: view, address: undefined }, 'another endpoint\'s address');
        assert.deepEqual(await store.endpoints.getWithAddress(p.id, e.id, hex()), { endpoint: view, address: undefined });
        assert.equal(await store.endpoints.getWithAddress((await project()).id, e.id, a1.id), undefined, 'another project');
        assert.equal(await store.endpoints.getWithAddress(p.id, hex(), a1.id), undefined);
      });

      it('transition() is a compare-and-set on the status', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const e = await endpoint(v, { status: 'PENDING_CREATE' });
        assert.equal(await store.endpoints.transition(e.id, 'ACTIVE', 'ERROR', 111), false, 'status differs');
        assert.deepEqual(await store.endpoints.getById(e.id), e, 'nothing changed');
        assert.equal(await store.endpoints.transition(e.id, 'PENDING_CREATE', 'ACTIVE', 222), true);
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, status: 'ACTIVE', updatedAt: 222 });
        assert.equal(await store.endpoints.transition(e.id, 'PENDING_CREATE', 'ACTIVE', 333), false, 'a second claim loses');
        assert.equal((await store.endpoints.getById(e.id))!.updatedAt, 222);
        assert.equal(await store.endpoints.transition(hex(), 'PENDING_CREATE', 'ACTIVE', 444), false, 'unknown id');
      });

      it('updates name, status and updatedAt, each only when given', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const e = await endpoint(v, { name: 'before' });
        await store.endpoints.update(e.id, { name: 'after' });
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, name: 'after' });
        await store.endpoints.update(e.id, { status: 'ACTIVE', updatedAt: 999 });
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, name: 'after', status: 'ACTIVE', updatedAt: 999 });
      });

      it('counts by direction and by VPC, and per-VPC direction counts', async () => {
        const p = await project();
        const v1 = await vpc(p.id);
        const v2 = await vpc(p.id);
        await endpoint(v1);
        await endpoint(v1, { direction: 'outbound' });
        await endpoint(v1, { direction: 'outbound' });
        await endpoint(v2);
        assert.equal(await store.endpoints.countByDirection(p.id, 'inbound'), 2);
        assert.equal(await store.endpoints.countByDirection(p.id, 'outbound'), 2);
        assert.equal(await store.endpoints.countByVpc(v1.id), 3);
        assert.equal(await store.endpoints.countByVpc(randomUUID()), 0);
        const counts = await store.endpoints.vpcCounts(p.id, undefined, { limit: 100, offset: 0 });
        assert.equal(counts.total, 2);
        assert.deepEqual(
          [...counts.items].sort((a, b) => a.vpcId.localeCompare(b.vpcId)),
          [
            { vpcId: v1.id, inbound: 1, outbound: 2 },
            { vpcId: v2.id, inbound: 1, outbound: 0 },
          ].sort((a, b) => a.vpcId.localeCompare(b.vpcId)),
        );
        assert.deepEqual(await store.endpoints.vpcCounts(p.id, v2.id, { limit: 100, offset: 0 }), { items: [{ vpcId: v2.id, inbound: 1, outbound: 0 }], total: 1 });
      });

      it('findPending returns endpoints in a PENDING_* status, oldest update first', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const statuses: Status[] = ['PENDING_CREATE', 'ACTIVE', 'PENDING_UPDATE', 'ERROR', 'PENDING_DELETE'];
        const made: EndpointRecord[] = [];
        for (const status of statuses) made.push(await endpoint(v, { status }));
        const mine = new Set(made.map((e) => e.id));
        const pending = (await store.endpoints.findPending(10_000)).filter((e) => mine.has(e.id));
        assert.deepEqual(
          pending.map((e) => e.status),
          ['PENDING_CREATE', 'PENDING_UPDATE', 'PENDING_DELETE'],
        );
        assert.equal((await store.endpoints.findPending(1)).length, 1);
      });

      it('deletes an endpoint', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const e = await endpoint(v);
        await store.endpoints.delete(e.id);
        assert.equal(await store.endpoints.getById(e.id), undefined);
      });

      it('raises unique endpoints_project_name for a duplicate name in a project, but not across projects', async () => {
        const p = await project();
        const v = await vpc(p.id);
        await endpoint(v, { name: 'same-name' });
        await assertViolation(endpoint(v, { name: 'same-name', direction: 'outbound' }), 'unique', 'endpoints_project_name');
        const other = await endpoint(await vpc((await project()).id), { name: 'same-name' });
        assert.equal(other.name, 'same-name');
      });

      it('raises foreign_key for an endpoint of an unknown VPC', async () => {
        const p = await project();
        await assertViolation(endpoint({ id: randomUUID(), projectId: p.id, name: 'x', cidr: '10.0.0.0/16', description: '', createdAt: 0 }), 'foreign_key');
      });
    });
  });
}
