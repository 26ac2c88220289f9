// The storage contract of cluster nodes (store.nodes): registration, heartbeats, reports per address, leases.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { NodeRecord } from '../../src/store/node-repo.ts';
import type { Store } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex, useStore } from '../helpers/store-fixture.ts';

const nodeRecord = (over: Partial<NodeRecord> = {}): NodeRecord => ({
  name: `n-${hex().slice(0, 10)}`,
  instance: hex(),
  roles: ['dns'],
  serveCidrs: ['127.16.0.0/16'],
  startedAt: 1000,
  heartbeatAt: 1000,
  ...over,
});

const report = (addressId: string, bound = true, reason: string | null = null) => ({ addressId, ip: '127.16.0.5', bound, reason });

for (const db of DATABASES) {
  describe(`nodes storage contract on ${db}`, () => {
    const fixture = useStore(db);
    let store: Store;
    before(() => {
      store = fixture.store;
    });
    const mine = async (name: string) => (await store.nodes.list()).find((n) => n.name === name);

    describe('registration', () => {
      it('registers a node and lists it with its roles and CIDRs', async () => {
        const n = nodeRecord({ roles: ['api', 'reconciler', 'dns'], serveCidrs: ['127.16.0.0/16', '10.0.0.0/8'] });
        await store.nodes.register(n);
        assert.deepEqual(await mine(n.name), n);
      });

      it('a node without CIDRs lists none', async () => {
        const n = nodeRecord({ roles: ['api'], serveCidrs: [] });
        await store.nodes.register(n);
        assert.deepEqual((await mine(n.name))?.serveCidrs, []);
      });

      it('lists nodes by name', async () => {
        const names = (await store.nodes.list()).map((n) => n.name);
        assert.deepEqual(names, [...names].sort());
      });

      it('a new start of a name takes the row over, and drops what the earlier start reported', async () => {
        const first = nodeRecord();
        await store.nodes.register(first);
        assert.equal(await store.nodes.replaceReports(first.name, first.instance, [report('a1')], 1100), true);
        const second = { ...first, instance: hex(), startedAt: 2000, heartbeatAt: 2000 };
        await store.nodes.register(second);
        assert.deepEqual(await mine(first.name), second);
        assert.deepEqual(await store.nodes.reports(['a1']), []);
      });
    });

    describe('heartbeats', () => {
      it('renews the heartbeat of the start that holds the row', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        assert.equal(await store.nodes.heartbeat(n.name, n.instance, 5000), true);
        assert.equal((await mine(n.name))?.heartbeatAt, 5000);
      });

      it('refuses the heartbeat of an earlier start (its name was taken over) and of a node not registered', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        await store.nodes.register({ ...n, instance: hex() });
        assert.equal(await store.nodes.heartbeat(n.name, n.instance, 5000), false);
        assert.equal((await mine(n.name))?.heartbeatAt, 1000);
        assert.equal(await store.nodes.heartbeat('nobody', hex(), 5000), false);
      });

      it('deregister removes the node and its reports', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        const id = hex();
        await store.nodes.replaceReports(n.name, n.instance, [report(id)], 1100);
        await store.nodes.deregister(n.name, n.instance);
        assert.equal(await mine(n.name), undefined);
        assert.deepEqual(await store.nodes.reports([id]), []);
      });

      it('deregister by an earlier start leaves the newer one registered', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        const newer = { ...n, instance: hex() };
        await store.nodes.register(newer);
        await store.nodes.deregister(n.name, n.instance);
        assert.deepEqual(await mine(n.name), newer);
      });
    });

    describe('reports', () => {
      it('replaceReports writes one report per address, with its reason', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        const [a, b] = [hex(), hex()];
        assert.equal(await store.nodes.replaceReports(n.name, n.instance, [report(a), report(b, false, 'EADDRNOTAVAIL')], 1200), true);
        const got = (await store.nodes.reports([a, b])).sort((x, y) => (x.addressId === a ? -1 : y.addressId === a ? 1 : 0));
        assert.deepEqual(got, [
          { nodeName: n.name, addressId: a, ip: '127.16.0.5', bound: true, reason: null, updatedAt: 1200 },
          { nodeName: n.name, addressId: b, ip: '127.16.0.5', bound: false, reason: 'EADDRNOTAVAIL', updatedAt: 1200 },
        ]);
      });

      it('replaceReports updates reports in place and removes those on addresses not listed', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        const [a, b] = [hex(), hex()];
        await store.nodes.replaceReports(n.name, n.instance, [report(a), report(b)], 1200);
        await store.nodes.replaceReports(n.name, n.instance, [report(a, false, 'gone')], 1300);
        assert.deepEqual(await store.nodes.reports([a, b]), [{ nodeName: n.name, addressId: a, ip: '127.16.0.5', bound: false, reason: 'gone', updatedAt: 1300 }]);
        await store.nodes.replaceReports(n.name, n.instance, [], 1400);
        assert.deepEqual(await store.nodes.reports([a, b]), []);
      });

      it('reports of several nodes on one address are kept apart', async () => {
        const [m, n] = [nodeRecord(), nodeRecord()];
        await store.nodes.register(m);
        await store.nodes.register(n);
        const a = hex();
        await store.nodes.replaceReports(m.name, m.instance, [report(a)], 1200);
        await store.nodes.replaceReports(n.name, n.instance, [report(a, false, 'EACCES')], 1200);
        await store.nodes.replaceReports(m.name, m.instance, [report(a)], 1300);
        const got = await store.nodes.reports([a]);
        assert.deepEqual(got.map((r) => `${r.nodeName === m.name ? 'm' : 'n'} ${r.bound}`).sort(), ['m true', 'n false']);
      });

      it('replaceReports of an earlier start writes nothing', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        await store.nodes.register({ ...n, instance: hex() });
        const a = hex();
        assert.equal(await store.nodes.replaceReports(n.name, n.instance, [report(a)], 1200), false);
        assert.deepEqual(await store.nodes.reports([a]), []);
      });

      it('writes and reads more reports than one statement holds', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        const ids = Array.from({ length: 1000 }, () => hex());
        await store.nodes.replaceReports(n.name, n.instance, ids.map((id) => report(id)), 1200);
        assert.equal((await store.nodes.reports(ids)).length, 1000);
        await store.nodes.replaceReports(n.name, n.instance, ids.slice(0, 10).map((id) => report(id)), 1300);
        assert.equal((await store.nodes.reports(ids)).length, 10);
      });

      it('reports() without ids gives every report; with an empty list, none', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        const a = hex();
        await store.nodes.replaceReports(n.name, n.instance, [report(a)], 1200);
        assert.ok((await store.nodes.reports()).some((r) => r.addressId === a));
        assert.deepEqual(await store.nodes.reports([]), []);
      });

      it('replaceReports in a transaction that throws leaves the earlier reports', async () => {
        const n = nodeRecord();
        await store.nodes.register(n);
        const a = hex();
        await store.nodes.replaceReports(n.name, n.instance, [report(a)], 1200);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.nodes.replaceReports(n.name, n.instance, [], 1300);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal((await store.nodes.reports([a])).length, 1);
      });
    });

    describe('leases', () => {
      it('a free lease is claimed; another holder is refused until it expires, then takes it over', async () => {
        const name = `lease-${hex()}`;
        assert.equal(await store.nodes.claimLease(name, 'a', 1000, 500), true);
        assert.equal(await store.nodes.claimLease(name, 'b', 1200, 500), false);
        assert.equal(await store.nodes.leaseHolder(name, 1200), 'a');
        assert.equal(await store.nodes.claimLease(name, 'b', 1500, 500), true);
        assert.equal(await store.nodes.leaseHolder(name, 1600), 'b');
        assert.equal(await store.nodes.claimLease(name, 'a', 1600, 500), false);
      });

      it('the holder renews its lease', async () => {
        const name = `lease-${hex()}`;
        assert.equal(await store.nodes.claimLease(name, 'a', 1000, 500), true);
        assert.equal(await store.nodes.claimLease(name, 'a', 1400, 500), true);
        assert.equal(await store.nodes.claimLease(name, 'b', 1600, 500), false, 'renewed until 1900');
        assert.equal(await store.nodes.leaseHolder(name, 1900), undefined, 'expired at 1900');
      });

      it('release frees the lease for others, and only its holder can release it', async () => {
        const name = `lease-${hex()}`;
        await store.nodes.claimLease(name, 'a', 1000, 500);
        await store.nodes.releaseLease(name, 'b');
        assert.equal(await store.nodes.leaseHolder(name, 1100), 'a');
        await store.nodes.releaseLease(name, 'a');
        assert.equal(await store.nodes.leaseHolder(name, 1100), undefined);
        assert.equal(await store.nodes.claimLease(name, 'b', 1100, 500), true);
      });

      it('of many racing claims of one free lease exactly one wins', async () => {
        const name = `lease-${hex()}`;
        const won = await Promise.all(Array.from({ length: 20 }, (_, i) => store.nodes.claimLease(name, `h${i}`, 1000, 500)));
        assert.equal(won.filter(Boolean).length, 1);
      });
    });
  });
}
