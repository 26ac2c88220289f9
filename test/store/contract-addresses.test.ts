// The storage contract of endpoint addresses, on every database.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ipToInt } from '../../src/domain/ipam.ts';
import type { AddressRecord, Store } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex } from '../helpers/store-fixture.ts';
import { assertViolation, useContractStore } from './contract-fixture.ts';

for (const db of DATABASES) {
  describe(`address storage contract on ${db}`, () => {
    const fixture = useContractStore(db);
    const { project, vpc, subnet, endpoint, addressOf, address } = fixture;
    let store: Store;
    before(() => {
      store = fixture.store;
    });

    describe('addresses', () => {
      it('creates, gets (scoped to the endpoint) and lists by endpoint in created order', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        const f = await endpoint(v);
        const a2 = await address(e, s, '10.0.1.9');
        const a1 = await address(e, s, '10.0.1.4', { status: 'ERROR', errorInfo: 'port busy' });
        await address(f, s, '10.0.1.5');
        assert.deepEqual(await store.addresses.get(e.id, a1.id), a1);
        assert.equal(await store.addresses.get(f.id, a1.id), undefined);
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [a2, a1]);
        assert.deepEqual(await store.addresses.listByEndpoint(hex()), []);
      });

      it('listByEndpoint lists each endpoint\'s addresses apart from the others\', in created order, PENDING_DELETE included', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const [e, f, g] = [await endpoint(v), await endpoint(v), await endpoint(v)];
        const e2 = await address(e, s, '10.0.1.9');
        const f1 = await address(f, s, '10.0.1.5');
        const e1 = await address(e, s, '10.0.1.4', { status: 'PENDING_DELETE' });
        const g1 = await address(g, s, '10.0.1.6');
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [e2, e1]);
        assert.deepEqual(await store.addresses.listByEndpoint(f.id), [f1]);
        assert.deepEqual(await store.addresses.listByEndpoint(g.id), [g1]);
      });

      it('listViewsByEndpoint carries the Neutron id of each subnet, scoped to the project', async () => {
        const p = await project();
        const other = await project();
        const v = await vpc(p.id);
        const s1 = await subnet(v, '10.0.1.0/24');
        const s2 = await subnet(v, '10.0.2.0/24');
        const e = await endpoint(v);
        const a1 = await address(e, s1, '10.0.1.4');
        const a2 = await address(e, s2, '10.0.2.4');
        const view = (a: AddressRecord, neutronSubnetId: string) => ({ id: a.id, ip: a.ip, status: a.status, errorInfo: a.errorInfo, createdAt: a.createdAt, updatedAt: a.updatedAt, neutronSubnetId });
        assert.deepEqual(await store.addresses.listViewsByEndpoint(p.id, e.id), [view(a1, s1.neutronSubnetId), view(a2, s2.neutronSubnetId)]);
        assert.equal(await store.addresses.listViewsByEndpoint(other.id, e.id), undefined, 'another project sees no such endpoint');
        assert.equal(await store.addresses.listViewsByEndpoint(p.id, hex()), undefined);
      });

      it('listViewsByEndpoint is empty, not undefined, for an endpoint that has no address left', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const e = await endpoint(v, { status: 'PENDING_DELETE' });
        assert.deepEqual(await store.addresses.listViewsByEndpoint(p.id, e.id), []);
      });

      it('usedInSubnet returns the addresses of that subnet as integers, PENDING_DELETE included', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const t = await subnet(v, '10.0.2.0/24');
        const e = await endpoint(v);
        await address(e, s, '10.0.1.4', { status: 'ACTIVE' });
        await address(e, s, '10.0.1.200', { status: 'PENDING_DELETE' });
        await address(e, t, '10.0.2.4');
        // A PENDING_DELETE address is still configured (and still holds the unique row) until the reconciler frees it.
        assert.deepEqual(await store.addresses.usedInSubnet(s.id), new Set([ipToInt('10.0.1.4'), ipToInt('10.0.1.200')]));
        assert.deepEqual(await store.addresses.usedInSubnet(randomUUID()), new Set());
        assert.equal(await store.addresses.countBySubnet(s.id), 2);
        assert.equal(await store.addresses.countBySubnet(t.id), 1);
        assert.equal(await store.addresses.countByVpc(v.id), 3);
        assert.equal(await store.addresses.countByVpc(randomUUID()), 0);
      });

      it('findPending returns addresses in a PENDING_* status, oldest update first; listActive and listErrored by status', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        const del = await address(e, s, '10.0.1.4', { status: 'PENDING_DELETE' });
        const act = await address(e, s, '10.0.1.5', { status: 'ACTIVE' });
        const cre = await address(e, s, '10.0.1.6', { status: 'PENDING_CREATE' });
        const err = await address(e, s, '10.0.1.7', { status: 'ERROR', errorInfo: 'x' });
        const mine = new Set([del.id, act.id, cre.id, err.id]);
        const pending = (await store.addresses.findPending(10_000)).filter((a) => mine.has(a.id));
        assert.deepEqual(pending, [del, cre]);
        assert.equal((await store.addresses.findPending(1)).length, 1);
        assert.deepEqual((await store.addresses.listActive()).filter((a) => mine.has(a.id)), [act]);
        assert.deepEqual((await store.addresses.listErrored()).filter((a) => mine.has(a.id)), [err]);
      });

      it('setStatus writes only when the expected status matches', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        const a = await address(e, s, '10.0.1.4', { status: 'PENDING_CREATE' });
        assert.equal(await store.addresses.setStatus(a.id, { status: 'ERROR', errorInfo: 'no', updatedAt: 10 }, 'ACTIVE'), false);
        assert.deepEqual(await store.addresses.get(e.id, a.id), a, 'nothing changed');
        assert.equal(await store.addresses.setStatus(a.id, { status: 'ERROR', errorInfo: 'bind failed', updatedAt: 20 }, 'PENDING_CREATE'), true);
        assert.deepEqual(await store.addresses.get(e.id, a.id), { ...a, status: 'ERROR', errorInfo: 'bind failed', updatedAt: 20 });
        assert.equal(await store.addresses.setStatus(a.id, { status: 'ACTIVE', errorInfo: null, updatedAt: 30 }), true, 'no expected status: unconditional');
        assert.deepEqual(await store.addresses.get(e.id, a.id), { ...a, status: 'ACTIVE', errorInfo: null, updatedAt: 30 });
        assert.equal(await store.addresses.setStatus(hex(), { status: 'ACTIVE', errorInfo: null, updatedAt: 40 }), false, 'unknown id');
      });

      it('markEndpointDeleting sets every address of that endpoint, and only that endpoint, to PENDING_DELETE', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        const f = await endpoint(v);
        const a1 = await address(e, s, '10.0.1.4', { status: 'ACTIVE' });
        const a2 = await address(e, s, '10.0.1.5', { status: 'ERROR', errorInfo: 'kept' });
        const b1 = await address(f, s, '10.0.1.6', { status: 'ACTIVE' });
        await store.addresses.markEndpointDeleting(e.id, 777);
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [
          { ...a1, status: 'PENDING_DELETE', updatedAt: 777 },
          { ...a2, status: 'PENDING_DELETE', updatedAt: 777 },
        ]);
        assert.deepEqual(await store.addresses.listByEndpoint(f.id), [b1]);
      });

      it('createIfFree inserts an address unless its subnet has that ip, without raising', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const [s, t] = [await subnet(v, '10.0.1.0/24'), await subnet(v, '10.0.2.0/24')];
        const [e, f] = [await endpoint(v), await endpoint(v)];
        const a = addressOf(e, s, '10.0.1.7');
        assert.equal(await store.addresses.createIfFree(a), true);
        assert.equal(await store.addresses.createIfFree(addressOf(f, s, '10.0.1.7')), false, 'taken in that subnet');
        const other = addressOf(f, t, '10.0.1.7', { subnetId: t.id });
        assert.equal(await store.addresses.createIfFree(other), true, 'free in another subnet');
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [a]);
        assert.deepEqual(await store.addresses.listByEndpoint(f.id), [other]);
        // Inside a transaction a taken ip does not abort it (PostgreSQL): the next statement still runs.
        const b = addressOf(f, s, '10.0.1.8');
        await store.transaction(async (tx) => {
          assert.equal(await tx.addresses.createIfFree(addressOf(f, s, '10.0.1.7')), false);
          assert.equal(await tx.addresses.createIfFree(b), true);
        });
        assert.deepEqual(await store.addresses.listByEndpoint(f.id), [other, b]);
      });

      it('getWithSubnet reads a project\'s endpoint with a subnet of the project, by either id, and its highest address in use', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const [s, t] = [await subnet(v, '10.0.1.0/24'), await subnet(v, '10.0.2.0/24')];
        const e = await endpoint(v);
        const view = async () => (await store.endpoints.get(p.id, e.id))!;
        assert.deepEqual(await store.endpoints.getWithSubnet(p.id, e.id, s.id), { endpoint: await view(), subnet: { ...s, highestInUse: null } });
        await address(e, s, '10.0.1.9');
        await address(e, s, '10.0.1.200');
        await address(e, t, '10.0.2.250', { subnetId: t.id });
        const expected = { endpoint: await view(), subnet: { ...s, highestInUse: ipToInt('10.0.1.200') } };
        assert.deepEqual(await store.endpoints.getWithSubnet(p.id, e.id, s.id), expected);
        assert.deepEqual(await store.endpoints.getWithSubnet(p.id, e.id, s.neutronSubnetId), expected);
        assert.deepEqual(await store.endpoints.getWithSubnet(p.id, e.id, randomUUID()), { endpoint: await view(), subnet: undefined });
        const q = await project();
        const other = await subnet(await vpc(q.id), '10.0.3.0/24');
        assert.deepEqual(await store.endpoints.getWithSubnet(p.id, e.id, other.id), { endpoint: await view(), subnet: undefined }, 'another project\'s subnet');
        assert.equal(await store.endpoints.getWithSubnet(q.id, e.id, s.id), undefined, 'another project\'s endpoint');
        assert.equal(await store.endpoints.getWithSubnet(p.id, hex(), s.id), undefined);
      });

      it('deletes an address, which frees its IP', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        const a = await address(e, s, '10.0.1.4');
        await store.addresses.delete(a.id);
        assert.equal(await store.addresses.get(e.id, a.id), undefined);
        assert.equal((await store.addresses.usedInSubnet(s.id)).size, 0);
        await address(e, s, '10.0.1.4');
      });

      it('raises unique endpoint_addresses_subnet_ip for a duplicate (subnet_id, ip), even across endpoints', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const t = await subnet(v, '10.0.2.0/24');
        const e = await endpoint(v);
        const f = await endpoint(v);
        await address(e, s, '10.0.1.4');
        await assertViolation(address(f, s, '10.0.1.4'), 'unique', 'endpoint_addresses_subnet_ip');
        await assertViolation(address(e, s, '10.0.1.4'), 'unique', 'endpoint_addresses_subnet_ip');
        // The same IP in another subnet is another address.
        await address(f, t, '10.0.1.4');
        assert.equal(await store.addresses.countBySubnet(s.id), 1);
      });

      it('raises foreign_key when deleting a subnet or an endpoint that an address references', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        const a = await address(e, s, '10.0.1.4');
        await assertViolation(store.subnets.delete(s.id), 'foreign_key');
        await assertViolation(store.endpoints.delete(e.id), 'foreign_key');
        assert.deepEqual(await store.subnets.get(p.id, s.id), s, 'the subnet is still there');
        await store.addresses.delete(a.id);
        await store.subnets.delete(s.id);
        assert.equal(await store.subnets.get(p.id, s.id), undefined);
      });

      it('raises foreign_key for an address of an unknown subnet or endpoint', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        await assertViolation(address(e, { ...s, id: randomUUID() }, '10.0.1.4'), 'foreign_key');
        await assertViolation(address({ ...e, id: hex() }, s, '10.0.1.4'), 'foreign_key');
      });
    });
  });
}
