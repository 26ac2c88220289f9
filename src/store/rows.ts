// Rows as records, and the precompiled row statements that a repository shares with a dialect's combined writes.
import type { Selectable } from 'kysely';
import { ipToInt } from '../domain/ipam.ts';
import type { Status } from '../domain/status.ts';
import { num, type Db } from './context.ts';
import { precompiled } from './precompiled.ts';
import type { EndpointAddressesTable, EndpointsTable, SubnetsTable, VpcsTable } from './schema.ts';
import type { AddressRecord, Direction, EndpointRecord, SubnetRecord, VpcRecord } from './types.ts';

export const toVpc = (r: Selectable<VpcsTable>): VpcRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  cidr: r.cidr,
  description: r.description,
  createdAt: num(r.created_at),
});

export const toSubnet = (r: Selectable<SubnetsTable>): SubnetRecord => ({
  id: r.id,
  projectId: r.project_id,
  vpcId: r.vpc_id,
  name: r.name,
  cidr: r.cidr,
  gatewayIp: r.gateway_ip,
  neutronSubnetId: r.neutron_subnet_id,
  createdAt: num(r.created_at),
});

export const toEndpoint = (r: Selectable<EndpointsTable>): EndpointRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  direction: r.direction,
  region: r.region,
  vpcId: r.vpc_id,
  status: r.status,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

export const toAddress = (r: Selectable<EndpointAddressesTable>): AddressRecord => ({
  id: r.id,
  endpointId: r.endpoint_id,
  projectId: r.project_id,
  subnetId: r.subnet_id,
  vpcId: r.vpc_id,
  direction: r.direction,
  ip: r.ip,
  status: r.status,
  errorInfo: r.error_info,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

/** The columns of an address row, in insert order (the arguments of the precompiled insert). */
export type AddressRowArgs = [
  id: string,
  endpointId: string,
  projectId: string,
  subnetId: string,
  vpcId: string,
  direction: Direction,
  ip: string,
  ipInt: number,
  status: Status,
  errorInfo: string | null,
  createdAt: number,
  updatedAt: number,
];

export const addressRow = (a: AddressRecord): AddressRowArgs => [
  a.id,
  a.endpointId,
  a.projectId,
  a.subnetId,
  a.vpcId,
  a.direction,
  a.ip,
  ipToInt(a.ip),
  a.status,
  a.errorInfo,
  a.createdAt,
  a.updatedAt,
];

export function insertAddress(db: Db, ...[id, endpointId, projectId, subnetId, vpcId, direction, ip, ipInt, status, errorInfo, createdAt, updatedAt]: AddressRowArgs) {
  return db.insertInto('endpoint_addresses').values({
    id,
    endpoint_id: endpointId,
    project_id: projectId,
    subnet_id: subnetId,
    vpc_id: vpcId,
    direction,
    ip,
    ip_int: ipInt,
    status,
    error_info: errorInfo,
    created_at: createdAt,
    updated_at: updatedAt,
  });
}

/** The insert, doing nothing when the subnet already has the address (the unique constraint decides). */
export const addressInsertIfFree = precompiled((db, ...row: AddressRowArgs) => insertAddress(db, ...row).onConflict((oc) => oc.columns(['subnet_id', 'ip']).doNothing()));

export const addressSetStatus = precompiled((db, id: string, status: Status, errorInfo: string | null, now: number) =>
  db.updateTable('endpoint_addresses').set({ status, error_info: errorInfo, updated_at: now }).where('id', '=', id),
);

export const endpointSetStatus = precompiled((db, id: string, status: Status, now: number) => db.updateTable('endpoints').set({ status, updated_at: now }).where('id', '=', id));
