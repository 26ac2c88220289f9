// The storage contract of the store itself: its dialect, ping, and transactions that commit or roll back, on every database.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { EndpointRecord, SubnetRecord, VpcRecord, Store } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex } from '../helpers/store-fixture.ts';
import { assertViolation, useContractStore } from './contract-fixture.ts';

for (const db of DATABASES) {
  describe(`the store's contract on ${db}`, () => {
    const fixture = useContractStore(db);
    const { tick, project, vpc, endpoint, addressOf } = fixture;
    let store: Store;
    before(() => {
      store = fixture.store;
    });

    describe('store', () => {
      it(`reports its dialect as ${db}`, () => assert.equal(store.dialect, db));

      it('answers ping', async () => assert.equal(await store.ping(), undefined));
    });

    describe('transaction()', () => {
      it('commits what the callback wrote and returns its value', async () => {
        const p = await project();
        const result = await store.transaction(async (tx) => {
          const v: VpcRecord = { id: randomUUID(), projectId: p.id, name: 'tx-vpc', cidr: '10.0.0.0/16', description: '', createdAt: tick() };
          await tx.vpcs.create(v);
          assert.deepEqual(await tx.vpcs.get(p.id, v.id), v, 'the transaction sees its own write');
          return v;
        });
        assert.deepEqual(await store.vpcs.get(p.id, result.id), result);
      });

      it('rolls back everything when the callback throws, and rethrows that error', async () => {
        const p = await project();
        const kept = await vpc(p.id, { name: 'kept' });
        const v: VpcRecord = { id: randomUUID(), projectId: p.id, name: 'rolled-back', cidr: '10.0.0.0/16', description: '', createdAt: tick() };
        const s: SubnetRecord = { id: randomUUID(), projectId: p.id, vpcId: v.id, name: 's', cidr: '10.0.1.0/24', gatewayIp: '10.0.1.1', neutronSubnetId: randomUUID(), createdAt: tick() };
        const e: EndpointRecord = { id: hex(), projectId: p.id, name: 'rolled-ep', direction: 'inbound', region: 'r', vpcId: v.id, status: 'PENDING_CREATE', createdAt: tick(), updatedAt: tick() };
        const a = addressOf(e, s, '10.0.1.4');
        const boom = new Error('boom');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.vpcs.create(v);
            await tx.subnets.create(s);
            await tx.endpoints.create(e);
            await tx.addresses.create(a);
            await tx.tokens.create({ digest: hex(), projectId: p.id, expiresAt: null, createdAt: tick() });
            await tx.vpcs.delete(kept.id);
            throw boom;
          }),
          (err: unknown) => err === boom,
        );
        assert.equal(await store.vpcs.get(p.id, v.id), undefined);
        assert.equal(await store.subnets.get(p.id, s.id), undefined);
        assert.equal(await store.endpoints.getById(e.id), undefined);
        assert.equal(await store.addresses.get(e.id, a.id), undefined);
        assert.equal(await store.tokens.countForProject(p.id), 0);
        assert.deepEqual(await store.vpcs.get(p.id, kept.id), kept, 'a delete in the transaction is undone too');
      });

      it('rolls back the earlier writes when a constraint refuses a later one', async () => {
        const p = await project();
        const v = await vpc(p.id);
        await endpoint(v, { name: 'taken' });
        const fresh: VpcRecord = { id: randomUUID(), projectId: p.id, name: 'fresh', cidr: '10.0.0.0/16', description: '', createdAt: tick() };
        await assertViolation(
          store.transaction(async (tx) => {
            await tx.vpcs.create(fresh);
            await tx.endpoints.create({ id: hex(), projectId: p.id, name: 'taken', direction: 'inbound', region: 'r', vpcId: fresh.id, status: 'PENDING_CREATE', createdAt: 1, updatedAt: 1 });
          }),
          'unique',
          'endpoints_project_name',
        );
        assert.equal(await store.vpcs.get(p.id, fresh.id), undefined);
        assert.equal((await store.vpcs.find(p.id, { limit: 10, offset: 0 })).total, 1, 'the store is still usable');
      });
    });
  });
}
