// The storage contract of VPCs and subnets, on every database.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Store } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex } from '../helpers/store-fixture.ts';
import { assertViolation, useContractStore } from './contract-fixture.ts';

for (const db of DATABASES) {
  describe(`network storage contract on ${db}`, () => {
    const fixture = useContractStore(db);
    const { tick, project, vpc, subnet } = fixture;
    let store: Store;
    before(() => {
      store = fixture.store;
    });

    describe('vpcs', () => {
      it('creates and gets a VPC, scoped to its project', async () => {
        const p = await project();
        const q = await project();
        const v = await vpc(p.id, { name: 'vpc-1', cidr: '10.1.0.0/16', description: 'first' });
        assert.deepEqual(await store.vpcs.get(p.id, v.id), v);
        assert.equal(await store.vpcs.get(q.id, v.id), undefined, 'another project does not see it');
        assert.equal(await store.vpcs.get(p.id, randomUUID()), undefined);
      });

      it('finds by project in created order with paging and the total', async () => {
        const p = await project();
        const base = tick() + 1_000;
        fixture.skipTo(base + 1_000);
        const c = await vpc(p.id, { name: 'c', createdAt: base + 3 });
        const a = await vpc(p.id, { name: 'a', createdAt: base + 1 });
        const b = await vpc(p.id, { name: 'b', createdAt: base + 2 });
        await vpc((await project()).id);
        const all = await store.vpcs.find(p.id, { limit: 100, offset: 0 });
        assert.equal(all.total, 3);
        assert.deepEqual(all.items, [a, b, c]);
        const page = await store.vpcs.find(p.id, { limit: 1, offset: 1 });
        assert.deepEqual(page, { items: [b], total: 3 });
        assert.deepEqual(await store.vpcs.find(p.id, { limit: 0, offset: 0 }), { items: [], total: 3 });
        assert.deepEqual(await store.vpcs.find(p.id, { limit: 10, offset: 5 }), { items: [], total: 3 });
        assert.deepEqual(await store.vpcs.find(hex(), { limit: 10, offset: 0 }), { items: [], total: 0 });
      });

      it('deletes a VPC', async () => {
        const p = await project();
        const v = await vpc(p.id);
        await store.vpcs.delete(v.id);
        assert.equal(await store.vpcs.get(p.id, v.id), undefined);
      });

      it('raises foreign_key for a VPC of an unknown project, and when deleting a VPC that has a subnet', async () => {
        await assertViolation(vpc(hex()), 'foreign_key');
        const p = await project();
        const v = await vpc(p.id);
        await subnet(v, '10.0.1.0/24');
        await assertViolation(store.vpcs.delete(v.id), 'foreign_key');
        assert.ok(await store.vpcs.get(p.id, v.id), 'the VPC is still there');
      });

      it('raises unique for a duplicate id', async () => {
        const p = await project();
        const v = await vpc(p.id);
        await assertViolation(vpc(p.id, { id: v.id }), 'unique');
      });

      it('names a duplicate primary key vpcs_pkey on every database', async () => {
        const p = await project();
        const v = await vpc(p.id);
        await assertViolation(vpc(p.id, { id: v.id }), 'unique', 'vpcs_pkey');
      });
    });

    describe('subnets', () => {
      it('gets a subnet by its id and by its Neutron id, scoped to its project', async () => {
        const p = await project();
        const q = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24', { name: 'sub-1', gatewayIp: '10.0.1.9' });
        assert.deepEqual(await store.subnets.get(p.id, s.id), s);
        assert.deepEqual(await store.subnets.get(p.id, s.neutronSubnetId), s);
        assert.equal(await store.subnets.get(q.id, s.id), undefined);
        assert.equal(await store.subnets.get(q.id, s.neutronSubnetId), undefined);
        assert.equal(await store.subnets.get(p.id, randomUUID()), undefined);
      });

      it('finds by project and VPC in created order with paging and the total; lists by VPC', async () => {
        const p = await project();
        const v1 = await vpc(p.id);
        const v2 = await vpc(p.id, { cidr: '10.1.0.0/16' });
        const s1 = await subnet(v1, '10.0.1.0/24');
        const t1 = await subnet(v2, '10.1.1.0/24');
        const s2 = await subnet(v1, '10.0.2.0/24');
        const s3 = await subnet(v1, '10.0.3.0/24');
        await subnet(await vpc((await project()).id), '10.0.1.0/24');
        assert.deepEqual(await store.subnets.find(p.id, {}, { limit: 100, offset: 0 }), { items: [s1, t1, s2, s3], total: 4 });
        assert.deepEqual(await store.subnets.find(p.id, { vpcId: v1.id }, { limit: 100, offset: 0 }), { items: [s1, s2, s3], total: 3 });
        assert.deepEqual(await store.subnets.find(p.id, { vpcId: v1.id }, { limit: 2, offset: 1 }), { items: [s2, s3], total: 3 });
        assert.deepEqual(await store.subnets.find(p.id, { vpcId: v2.id }, { limit: 0, offset: 0 }), { items: [], total: 1 });
        assert.deepEqual(await store.subnets.find(p.id, { vpcId: randomUUID() }, { limit: 10, offset: 0 }), { items: [], total: 0 });
        assert.deepEqual(await store.subnets.listByVpc(v1.id), [s1, s2, s3]);
        assert.deepEqual(await store.subnets.listByVpc(randomUUID()), []);
      });

      it('deletes a subnet, and lock() is accepted inside a transaction', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const t = await subnet(v, '10.0.2.0/24');
        await store.transaction(async (tx) => {
          await tx.subnets.lock([t.id, s.id]);
          await tx.subnets.lock([]);
          await tx.subnets.delete(s.id);
        });
        assert.equal(await store.subnets.get(p.id, s.id), undefined);
        assert.deepEqual(await store.subnets.listByVpc(v.id), [t]);
      });

      it('raises foreign_key for a subnet of an unknown VPC', async () => {
        const p = await project();
        await assertViolation(subnet({ id: randomUUID(), projectId: p.id, name: 'x', cidr: '10.0.0.0/16', description: '', createdAt: 0 }, '10.0.1.0/24'), 'foreign_key');
      });

      it('raises unique subnets_neutron_subnet_id_key for a duplicate Neutron id', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        await assertViolation(subnet(v, '10.0.2.0/24', { neutronSubnetId: s.neutronSubnetId }), 'unique', 'subnets_neutron_subnet_id_key');
      });
    });
  });
}
