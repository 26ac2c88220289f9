// The storage contract suites' store (useStore) with builders of records that write them, and a constraint assertion.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { DbKind } from '../helpers/harness.ts';
import { hex, useStore, type StoreFixture } from '../helpers/store-fixture.ts';
import { ConstraintViolation, type AddressRecord, type EndpointRecord, type SubnetRecord, type VpcRecord } from '../../src/store/types.ts';

/** Asserts that `p` rejects with a ConstraintViolation of that kind (and constraint name, when given). */
export async function assertViolation(p: Promise<unknown>, kind: 'unique' | 'foreign_key', constraint?: string) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ConstraintViolation, `expected a ConstraintViolation, got ${String(e)}`);
    assert.equal(e.kind, kind);
    if (constraint !== undefined) assert.equal(e.constraint, constraint);
    return true;
  });
}

export interface ContractStore extends StoreFixture {
  vpc(projectId: string, overrides?: Partial<VpcRecord>): Promise<VpcRecord>;
  subnet(v: VpcRecord, cidr: string, overrides?: Partial<SubnetRecord>): Promise<SubnetRecord>;
  endpoint(v: VpcRecord, overrides?: Partial<EndpointRecord>): Promise<EndpointRecord>;
  /** An address record, not written. */
  addressOf(e: EndpointRecord, s: SubnetRecord, ip: string, overrides?: Partial<AddressRecord>): AddressRecord;
  address(e: EndpointRecord, s: SubnetRecord, ip: string, overrides?: Partial<AddressRecord>): Promise<AddressRecord>;
}

/** A store of the suite's own on `db` (useStore), and builders that write records to it. */
export function useContractStore(db: DbKind): ContractStore {
  const f = useStore(db);
  const { tick } = f;
  const addressOf: ContractStore['addressOf'] = (e, s, ip, overrides = {}) => {
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
  };
  return Object.assign(f, {
    async vpc(projectId: string, overrides: Partial<VpcRecord> = {}) {
      const v: VpcRecord = { id: randomUUID(), projectId, name: 'vpc', cidr: '10.0.0.0/16', description: '', createdAt: tick(), ...overrides };
      await f.store.vpcs.create(v);
      return v;
    },
    async subnet(v: VpcRecord, cidr: string, overrides: Partial<SubnetRecord> = {}) {
      const gatewayIp = cidr.replace(/\.0\/\d+$/, '.1');
      const s: SubnetRecord = { id: randomUUID(), projectId: v.projectId, vpcId: v.id, name: 'sub', cidr, gatewayIp, neutronSubnetId: randomUUID(), createdAt: tick(), ...overrides };
      await f.store.subnets.create(s);
      return s;
    },
    async endpoint(v: VpcRecord, overrides: Partial<EndpointRecord> = {}) {
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
      await f.store.endpoints.create(e);
      return e;
    },
    addressOf,
    async address(e: EndpointRecord, s: SubnetRecord, ip: string, overrides: Partial<AddressRecord> = {}) {
      const a = addressOf(e, s, ip, overrides);
      await f.store.addresses.create(a);
      return a;
    },
  });
}
