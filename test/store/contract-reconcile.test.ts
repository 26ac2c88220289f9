// The storage contract of the reconciler's batch verbs and bind/unbind's marks (store.reconcile), on every database.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Store } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex } from '../helpers/store-fixture.ts';
import { useContractStore } from './contract-fixture.ts';

for (const db of DATABASES) {
  describe(`reconcile storage contract on ${db}`, () => {
    const fixture = useContractStore(db);
    const { project, vpc, subnet, endpoint, addressOf, address } = fixture;
    let store: Store;
    before(() => {
      store = fixture.store;
    });

    describe('reconcile', () => {
      it('transitionEach with one from and to for all is a compare-and-set on several endpoints, and says which moved', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const [e, f, g] = [await endpoint(v, { status: 'PENDING_UPDATE' }), await endpoint(v, { status: 'PENDING_UPDATE' }), await endpoint(v, { status: 'ERROR' })];
        const moves = [e, f, g, { id: hex() }].map((x) => ({ id: x.id, from: 'PENDING_UPDATE' as const, to: 'ACTIVE' as const }));
        assert.deepEqual(await store.reconcile.transitionEach(moves, 777), new Set([e.id, f.id]));
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, status: 'ACTIVE', updatedAt: 777 });
        assert.deepEqual(await store.endpoints.getById(g.id), g, 'not in the expected status: unchanged');
      });

      it('transitionEach moves each endpoint from its own status to its own target, compare-and-set, and says which moved', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const [e, f, g] = [await endpoint(v, { status: 'PENDING_UPDATE' }), await endpoint(v, { status: 'PENDING_CREATE' }), await endpoint(v, { status: 'ACTIVE' })];
        const moved = await store.reconcile.transitionEach(
          [
            { id: e.id, from: 'PENDING_UPDATE', to: 'ACTIVE' },
            { id: f.id, from: 'PENDING_CREATE', to: 'ERROR' },
            { id: g.id, from: 'PENDING_UPDATE', to: 'ACTIVE' },
            { id: hex(), from: 'PENDING_UPDATE', to: 'ACTIVE' },
          ],
          777,
        );
        assert.deepEqual(moved, new Set([e.id, f.id]));
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, status: 'ACTIVE', updatedAt: 777 });
        assert.deepEqual(await store.endpoints.getById(f.id), { ...f, status: 'ERROR', updatedAt: 777 });
        assert.deepEqual(await store.endpoints.getById(g.id), g, 'not in the expected status: unchanged');
        assert.deepEqual(await store.reconcile.transitionEach([], 778), new Set());
      });

      it('lockEndpoints reads several endpoints in id order, unscoped, inside a transaction', async () => {
        const p = await project();
        const q = await project();
        const [e, f] = [await endpoint(await vpc(p.id)), await endpoint(await vpc(q.id))];
        const got = await store.transaction((tx) => tx.reconcile.lockEndpoints([f.id, e.id, hex()]));
        assert.deepEqual(got, [e, f].sort((a, b) => (a.id < b.id ? -1 : 1)));
        assert.deepEqual(await store.transaction((tx) => tx.reconcile.lockEndpoints([])), []);
      });

      it('applyOutcomes deletes, writes compare-and-set, and reads the endpoints\' addresses as they stand after, in one transaction', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const [e, f, g] = [await endpoint(v), await endpoint(v), await endpoint(v)];
        const a1 = await address(e, s, '10.0.1.4');
        const a2 = await address(e, s, '10.0.1.5');
        const a3 = await address(e, s, '10.0.1.6', { status: 'PENDING_DELETE' });
        const b1 = await address(f, s, '10.0.1.7');
        const b2 = await address(f, s, '10.0.1.8', { status: 'PENDING_DELETE' });
        const c1 = await address(g, s, '10.0.1.9');
        const result = await store.transaction((tx) =>
          tx.reconcile.applyOutcomes({
            deleteIds: [a3.id],
            updates: [
              { id: a1.id, status: 'ACTIVE', errorInfo: null },
              { id: b1.id, status: 'ERROR', errorInfo: 'port busy' },
              { id: b2.id, status: 'ACTIVE', errorInfo: null },
              { id: hex(), status: 'ACTIVE', errorInfo: null },
            ],
            expected: 'PENDING_CREATE',
            now: 999,
            endpointIds: [e.id, f.id],
          }),
        );
        assert.deepEqual(result.written, new Set([a1.id, b1.id]), 'b2 was not PENDING_CREATE');
        const byId = <T extends { id: string }>(rows: T[]) => [...rows].sort((x, y) => x.id.localeCompare(y.id));
        assert.deepEqual(
          byId(result.addresses),
          byId([
            { id: a1.id, endpointId: e.id, status: 'ACTIVE' },
            { id: a2.id, endpointId: e.id, status: 'PENDING_CREATE' },
            { id: b1.id, endpointId: f.id, status: 'ERROR' },
            { id: b2.id, endpointId: f.id, status: 'PENDING_DELETE' },
          ]),
          'a3 deleted; g not asked for',
        );
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [{ ...a1, status: 'ACTIVE', updatedAt: 999 }, a2]);
        assert.deepEqual(await store.addresses.listByEndpoint(f.id), [{ ...b1, status: 'ERROR', errorInfo: 'port busy', updatedAt: 999 }, b2]);
        assert.deepEqual(await store.addresses.listByEndpoint(g.id), [c1]);
        const none = await store.transaction((tx) => tx.reconcile.applyOutcomes({ deleteIds: [], updates: [], expected: 'PENDING_CREATE', now: 1000, endpointIds: [] }));
        assert.deepEqual(none, { written: new Set(), addresses: [] });
      });

      it('applyOutcomes writes only the addresses that have the expected status and says which; its deletes take any status', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        const a1 = await address(e, s, '10.0.1.4');
        const a2 = await address(e, s, '10.0.1.5');
        const a3 = await address(e, s, '10.0.1.6', { status: 'PENDING_DELETE' });
        const updates = [a1.id, a3.id, hex()].map((id) => ({ id, status: 'ERROR' as const, errorInfo: 'port busy' }));
        const written = await store.transaction((tx) => tx.reconcile.applyOutcomes({ deleteIds: [], updates, expected: 'PENDING_CREATE', now: 999, endpointIds: [] }));
        assert.deepEqual(written, { written: new Set([a1.id]), addresses: [] });
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [{ ...a1, status: 'ERROR', errorInfo: 'port busy', updatedAt: 999 }, a2, a3]);
        await store.transaction((tx) => tx.reconcile.applyOutcomes({ deleteIds: [a1.id, a3.id], updates: [], expected: 'PENDING_CREATE', now: 1000, endpointIds: [] }));
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [a2]);
      });

      it('pendingAddresses lists the PENDING_* addresses of several endpoints only', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const [e, f, g] = [await endpoint(v), await endpoint(v), await endpoint(v)];
        const a1 = await address(e, s, '10.0.1.4');
        await address(e, s, '10.0.1.5', { status: 'ACTIVE' });
        const b1 = await address(f, s, '10.0.1.6', { status: 'PENDING_DELETE' });
        await address(f, s, '10.0.1.7', { status: 'ERROR', errorInfo: 'x' });
        await address(g, s, '10.0.1.8');
        const listed = await store.reconcile.pendingAddresses([e.id, f.id, hex()]);
        assert.deepEqual([...listed].sort((x, y) => x.ip.localeCompare(y.ip)), [a1, b1]);
        assert.deepEqual(await store.reconcile.pendingAddresses([]), []);
      });

      it('createAddressMarkingEndpoint inserts like createIfFree and sets the endpoint\'s status only when it inserted the address', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const [e, f] = [await endpoint(v, { status: 'ACTIVE' }), await endpoint(v, { status: 'ACTIVE' })];
        const a = addressOf(e, s, '10.0.1.7');
        assert.equal(await store.reconcile.createAddressMarkingEndpoint(a, 'PENDING_UPDATE'), true);
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, status: 'PENDING_UPDATE', updatedAt: a.updatedAt });
        assert.equal(await store.reconcile.createAddressMarkingEndpoint(addressOf(f, s, '10.0.1.7'), 'PENDING_UPDATE'), false, 'taken in that subnet');
        assert.deepEqual(await store.endpoints.getById(f.id), f, 'nothing inserted: the endpoint is unchanged');
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [a]);
        assert.deepEqual(await store.addresses.listByEndpoint(f.id), []);
      });

      it('setAddressStatusMarkingEndpoint writes an address\'s status and its endpoint\'s', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v, { status: 'ACTIVE' });
        const a1 = await address(e, s, '10.0.1.4', { status: 'ERROR', errorInfo: 'busy' });
        const a2 = await address(e, s, '10.0.1.5', { status: 'ACTIVE' });
        await store.reconcile.setAddressStatusMarkingEndpoint(a1.id, e.id, { status: 'PENDING_DELETE', errorInfo: null, updatedAt: 888 }, 'PENDING_UPDATE');
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [{ ...a1, status: 'PENDING_DELETE', errorInfo: null, updatedAt: 888 }, a2]);
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, status: 'PENDING_UPDATE', updatedAt: 888 });
      });
    });
  });
}
