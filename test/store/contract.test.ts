// The storage contract: the same Store verbs, constraints and transactions on every database (no API).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Status } from '../../src/domain/status.ts';
import { ipToInt } from '../../src/domain/ipam.ts';
import { ConstraintViolation, type AddressRecord, type EndpointRecord, type Store, type SubnetRecord, type VpcRecord } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex, useStore } from '../helpers/store-fixture.ts';


/** Asserts that `p` rejects with a ConstraintViolation of that kind (and constraint name, when given). */
async function assertViolation(p: Promise<unknown>, kind: 'unique' | 'foreign_key', constraint?: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ConstraintViolation, `expected a ConstraintViolation, got ${String(e)}`);
    assert.equal(e.kind, kind);
    if (constraint !== undefined) assert.equal(e.constraint, constraint);
    return true;
  });
}

for (const db of DATABASES) {
  describe(`storage contract on ${db}`, () => {
    const fixture = useStore(db);
    const { tick, project } = fixture;
    let store: Store;
    before(() => {
      store = fixture.store;
    });
    async function vpc(projectId: string, overrides: Partial<VpcRecord> = {}): Promise<VpcRecord> {
      const v: VpcRecord = { id: randomUUID(), projectId, name: 'vpc', cidr: '10.0.0.0/16', description: '', createdAt: tick(), ...overrides };
      await store.vpcs.create(v);
      return v;
    }
    async function subnet(v: VpcRecord, cidr: string, overrides: Partial<SubnetRecord> = {}): Promise<SubnetRecord> {
      const gatewayIp = cidr.replace(/\.0\/\d+$/, '.1');
      const s: SubnetRecord = { id: randomUUID(), projectId: v.projectId, vpcId: v.id, name: 'sub', cidr, gatewayIp, neutronSubnetId: randomUUID(), createdAt: tick(), ...overrides };
      await store.subnets.create(s);
      return s;
    }
    async function endpoint(v: VpcRecord, overrides: Partial<EndpointRecord> = {}): Promise<EndpointRecord> {
      const now = tick();
      const e: EndpointRecord = {
        id: hex(),
        projectId: v.projectId,
        name: `ep-${hex().slice(0, 8)}`,
        direction: 'inbound',
        region: 'ap-southeast-1',
        vpcId: v.id,
        status: 'PENDING_CREATE',
        createdAt: now,
        updatedAt: now,
        ...overrides,
      };
      await store.endpoints.create(e);
      return e;
    }
    function addressOf(e: EndpointRecord, s: SubnetRecord, ip: string, overrides: Partial<AddressRecord> = {}): AddressRecord {
      const now = tick();
      return {
        id: hex(),
        endpointId: e.id,
        projectId: e.projectId,
        subnetId: s.id,
        vpcId: s.vpcId,
        direction: e.direction,
        ip,
        status: 'PENDING_CREATE',
        errorInfo: null,
        createdAt: now,
        updatedAt: now,
        ...overrides,
      };
    }
    async function address(e: EndpointRecord, s: SubnetRecord, ip: string, overrides: Partial<AddressRecord> = {}): Promise<AddressRecord> {
      const a = addressOf(e, s, ip, overrides);
      await store.addresses.create(a);
      return a;
    }

    describe('store', () => {
      it(`reports its dialect as ${db}`, () => assert.equal(store.dialect, db));
      it('answers ping', async () => assert.equal(await store.ping(), undefined));
    });

    describe('projects', () => {
      it('creates, gets, finds by name and lists', async () => {
        const p = await project();
        assert.deepEqual(await store.projects.get(p.id), p);
        assert.deepEqual(await store.projects.findByName(p.name), p);
        assert.ok((await store.projects.list()).some((x) => x.id === p.id));
        assert.equal(await store.projects.get(hex()), undefined);
        assert.equal(await store.projects.findByName('no-such-project'), undefined);
      });

      it('raises unique projects_name_key for a duplicate name', async () => {
        const p = await project();
        await assertViolation(store.projects.create({ id: hex(), name: p.name, createdAt: tick() }), 'unique', 'projects_name_key');
      });
    });

    describe('tokens', () => {
      it('finds the project of a digest until it expires, and never for an unknown digest', async () => {
        const p = await project();
        const expiring = hex();
        const forever = hex();
        await store.tokens.create({ digest: expiring, projectId: p.id, expiresAt: 5_000, createdAt: 1_000 });
        await store.tokens.create({ digest: forever, projectId: p.id, expiresAt: null, createdAt: 1_000 });
        assert.equal(await store.tokens.findProject(expiring, 4_999), p.id);
        assert.equal(await store.tokens.findProject(expiring, 5_000), undefined, 'a token is expired at its expiry instant');
        assert.equal(await store.tokens.findProject(expiring, 9_999_999), undefined);
        assert.equal(await store.tokens.findProject(forever, Number.MAX_SAFE_INTEGER - 1), p.id);
        assert.equal(await store.tokens.findProject(hex(), 0), undefined);
        assert.equal(await store.tokens.countForProject(p.id), 2);
        assert.equal(await store.tokens.countForProject(hex()), 0);
      });

      it('raises foreign_key for a token of an unknown project', async () => {
        await assertViolation(store.tokens.create({ digest: hex(), projectId: hex(), expiresAt: null, createdAt: tick() }), 'foreign_key');
      });
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

      it('transitionMany is a compare-and-set on the status of several endpoints, and says which moved', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const [e, f, g] = [await endpoint(v, { status: 'PENDING_UPDATE' }), await endpoint(v, { status: 'PENDING_UPDATE' }), await endpoint(v, { status: 'ERROR' })];
        assert.deepEqual(await store.endpoints.transitionMany([e.id, f.id, g.id, hex()], 'PENDING_UPDATE', 'ACTIVE', 777), new Set([e.id, f.id]));
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, status: 'ACTIVE', updatedAt: 777 });
        assert.deepEqual(await store.endpoints.getById(g.id), g, 'not in the expected status: unchanged');
        assert.deepEqual(await store.endpoints.transitionMany([], 'PENDING_UPDATE', 'ACTIVE', 778), new Set());
      });

      it('transitionEach moves each endpoint from its own status to its own target, compare-and-set, and says which moved', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const [e, f, g] = [await endpoint(v, { status: 'PENDING_UPDATE' }), await endpoint(v, { status: 'PENDING_CREATE' }), await endpoint(v, { status: 'ACTIVE' })];
        const moved = await store.endpoints.transitionEach(
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
        assert.deepEqual(await store.endpoints.transitionEach([], 778), new Set());
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

      it('getByIdsForUpdate reads several endpoints in id order, unscoped, inside a transaction', async () => {
        const p = await project();
        const q = await project();
        const [e, f] = [await endpoint(await vpc(p.id)), await endpoint(await vpc(q.id))];
        const got = await store.transaction((tx) => tx.endpoints.getByIdsForUpdate([f.id, e.id, hex()]));
        assert.deepEqual(got, [e, f].sort((a, b) => (a.id < b.id ? -1 : 1)));
        assert.deepEqual(await store.transaction((tx) => tx.endpoints.getByIdsForUpdate([])), []);
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

      it('listByEndpoints lists the addresses of several endpoints, each endpoint\'s in created order, and nothing for none', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const [e, f, g] = [await endpoint(v), await endpoint(v), await endpoint(v)];
        const e2 = await address(e, s, '10.0.1.9');
        const f1 = await address(f, s, '10.0.1.5');
        const e1 = await address(e, s, '10.0.1.4', { status: 'PENDING_DELETE' });
        await address(g, s, '10.0.1.6');
        const listed = await store.addresses.listByEndpoints([f.id, e.id, hex()]);
        assert.deepEqual(listed.filter((a) => a.endpointId === e.id), [e2, e1]);
        assert.deepEqual(listed.filter((a) => a.endpointId === f.id), [f1]);
        assert.equal(listed.length, 3, 'only the endpoints asked for');
        assert.deepEqual(await store.addresses.listByEndpoints([]), []);
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

      it('setStatusMany writes the addresses that have the expected status and says which; deleteMany deletes', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v);
        const a1 = await address(e, s, '10.0.1.4');
        const a2 = await address(e, s, '10.0.1.5');
        const a3 = await address(e, s, '10.0.1.6', { status: 'PENDING_DELETE' });
        const patch = { status: 'ERROR' as const, errorInfo: 'port busy', updatedAt: 999 };
        assert.deepEqual(await store.addresses.setStatusMany([a1.id, a3.id, hex()], patch, 'PENDING_CREATE'), new Set([a1.id]));
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [{ ...a1, ...patch }, a2, a3]);
        assert.deepEqual(await store.addresses.setStatusMany([], patch, 'PENDING_CREATE'), new Set());
        await store.addresses.deleteMany([a1.id, a3.id]);
        await store.addresses.deleteMany([]);
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [a2]);
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
          tx.addresses.applyOutcomes({
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
        const none = await store.transaction((tx) => tx.addresses.applyOutcomes({ deleteIds: [], updates: [], expected: 'PENDING_CREATE', now: 1000, endpointIds: [] }));
        assert.deepEqual(none, { written: new Set(), addresses: [] });
      });

      it('pendingOfEndpoints lists the PENDING_* addresses of several endpoints only', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const [e, f, g] = [await endpoint(v), await endpoint(v), await endpoint(v)];
        const a1 = await address(e, s, '10.0.1.4');
        await address(e, s, '10.0.1.5', { status: 'ACTIVE' });
        const b1 = await address(f, s, '10.0.1.6', { status: 'PENDING_DELETE' });
        await address(f, s, '10.0.1.7', { status: 'ERROR', errorInfo: 'x' });
        await address(g, s, '10.0.1.8');
        const listed = await store.addresses.pendingOfEndpoints([e.id, f.id, hex()]);
        assert.deepEqual([...listed].sort((x, y) => x.ip.localeCompare(y.ip)), [a1, b1]);
        assert.deepEqual(await store.addresses.pendingOfEndpoints([]), []);
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

      it('createIfFreeMarkingEndpoint sets the endpoint\'s status only when it inserted the address', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const [e, f] = [await endpoint(v, { status: 'ACTIVE' }), await endpoint(v, { status: 'ACTIVE' })];
        const a = addressOf(e, s, '10.0.1.7');
        assert.equal(await store.addresses.createIfFreeMarkingEndpoint(a, 'PENDING_UPDATE'), true);
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, status: 'PENDING_UPDATE', updatedAt: a.updatedAt });
        assert.equal(await store.addresses.createIfFreeMarkingEndpoint(addressOf(f, s, '10.0.1.7'), 'PENDING_UPDATE'), false, 'taken in that subnet');
        assert.deepEqual(await store.endpoints.getById(f.id), f, 'nothing inserted: the endpoint is unchanged');
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [a]);
        assert.deepEqual(await store.addresses.listByEndpoint(f.id), []);
      });

      it('setStatusMarkingEndpoint writes an address\'s status and its endpoint\'s', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const s = await subnet(v, '10.0.1.0/24');
        const e = await endpoint(v, { status: 'ACTIVE' });
        const a1 = await address(e, s, '10.0.1.4', { status: 'ERROR', errorInfo: 'busy' });
        const a2 = await address(e, s, '10.0.1.5', { status: 'ACTIVE' });
        await store.addresses.setStatusMarkingEndpoint(a1.id, e.id, { status: 'PENDING_DELETE', errorInfo: null, updatedAt: 888 }, 'PENDING_UPDATE');
        assert.deepEqual(await store.addresses.listByEndpoint(e.id), [{ ...a1, status: 'PENDING_DELETE', errorInfo: null, updatedAt: 888 }, a2]);
        assert.deepEqual(await store.endpoints.getById(e.id), { ...e, status: 'PENDING_UPDATE', updatedAt: 888 });
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

    describe('rules', () => {
      it('endpointsWithRules names the endpoints that have a rule, in any status', async () => {
        const p = await project();
        const v = await vpc(p.id);
        const [e, f, g] = [await endpoint(v), await endpoint(v), await endpoint(v)];
        const rule = (endpointId: string, status: Status) => ({
          id: hex(),
          projectId: p.id,
          name: `r-${hex().slice(0, 8)}`,
          domainName: `${hex().slice(0, 8)}.example.`,
          domainKey: `${hex().slice(0, 8)}.example`,
          endpointId,
          status,
          createdAt: tick(),
          updatedAt: tick(),
        });
        await store.rules.create(rule(e.id, 'ACTIVE'), [{ ip: '10.0.0.53', port: 53 }]);
        await store.rules.create(rule(f.id, 'PENDING_DELETE'), [{ ip: '10.0.0.53', port: 53 }]);
        assert.deepEqual(await store.rules.endpointsWithRules([e.id, f.id, g.id]), new Set([e.id, f.id]));
        assert.deepEqual(await store.rules.endpointsWithRules([g.id]), new Set());
        assert.deepEqual(await store.rules.endpointsWithRules([]), new Set());
      });
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
