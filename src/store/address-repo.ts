// The repository of endpoint addresses: the uniform verbs, the address list clients poll, and allocation's reads.
import type { Status } from '../domain/status.ts';
import { affected, guarded, num, type RepoContext } from './context.ts';
import { precompiled } from './precompiled.ts';
import { addressInsertIfFree, addressRow, addressSetStatus, insertAddress, toAddress } from './rows.ts';
import { isPendingSql } from './schema.ts';
import type { AddressRepo, AddressView } from './types.ts';

const addressInsert = precompiled(insertAddress);
const addressGet = precompiled((db, endpointId: string, id: string) => db.selectFrom('endpoint_addresses').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id));
const addressesOfEndpoint = precompiled((db, endpointId: string) =>
  db.selectFrom('endpoint_addresses').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at').orderBy('id'),
);
const addressViewsOfEndpoint = precompiled((db, projectId: string, endpointId: string) =>
  // One statement answers both questions: does the project have this endpoint, and what are its addresses.
  db
    .selectFrom('endpoints as e')
    .leftJoin('endpoint_addresses as a', 'a.endpoint_id', 'e.id')
    .leftJoin('subnets as s', 's.id', 'a.subnet_id')
    .select(['a.id', 'a.ip', 'a.status', 'a.error_info', 'a.created_at', 'a.updated_at', 's.neutron_subnet_id'])
    .where('e.project_id', '=', projectId)
    .where('e.id', '=', endpointId)
    .orderBy('a.created_at')
    .orderBy('a.id'),
);
const addressHighest = precompiled((db, subnetId: string) =>
  db.selectFrom('endpoint_addresses').select((eb) => eb.fn.max('ip_int').as('m')).where('subnet_id', '=', subnetId),
);
const addressSetStatusFrom = precompiled((db, id: string, status: Status, errorInfo: string | null, now: number, expected: Status) =>
  db.updateTable('endpoint_addresses').set({ status, error_info: errorInfo, updated_at: now }).where('id', '=', id).where('status', '=', expected),
);
const addressDelete = precompiled((db, id: string) => db.deleteFrom('endpoint_addresses').where('id', '=', id));

export const addressMethods: AddressRepo & ThisType<RepoContext> = {
  async create(a) {
    await guarded(addressInsert(this.db, this.dialect, ...addressRow(a)));
  },
  async createIfFree(a) {
    return affected(await guarded(addressInsertIfFree(this.db, this.dialect, ...addressRow(a)))) === 1;
  },
  async get(endpointId, id) {
    const r = (await addressGet(this.db, this.dialect, endpointId, id)).rows[0];
    return r && toAddress(r);
  },
  async listByEndpoint(endpointId) {
    return (await addressesOfEndpoint(this.db, this.dialect, endpointId)).rows.map(toAddress);
  },
  async listViewsByEndpoint(projectId, endpointId) {
    const { rows } = await addressViewsOfEndpoint(this.db, this.dialect, projectId, endpointId);
    if (rows.length === 0) return undefined;
    const views: AddressView[] = [];
    for (const r of rows) {
      if (r.id === null) continue; // the endpoint has no address (left join)
      views.push({
        id: r.id,
        ip: r.ip!,
        status: r.status!,
        errorInfo: r.error_info,
        createdAt: num(r.created_at),
        updatedAt: num(r.updated_at),
        neutronSubnetId: r.neutron_subnet_id!,
      });
    }
    return views;
  },
  async usedInSubnet(subnetId) {
    const rows = await this.db.selectFrom('endpoint_addresses').select('ip_int').where('subnet_id', '=', subnetId).execute();
    return new Set(rows.map((r) => num(r.ip_int)));
  },
  async highestInSubnet(subnetId) {
    const r = (await addressHighest(this.db, this.dialect, subnetId)).rows[0];
    return r?.m === null || r?.m === undefined ? null : num(r.m);
  },
  async countBySubnet(subnetId) {
    const r = await this.db.selectFrom('endpoint_addresses').select((eb) => eb.fn.countAll<number>().as('n')).where('subnet_id', '=', subnetId).executeTakeFirstOrThrow();
    return num(r.n);
  },
  async countByVpc(vpcId) {
    const r = await this.db.selectFrom('endpoint_addresses').select((eb) => eb.fn.countAll<number>().as('n')).where('vpc_id', '=', vpcId).executeTakeFirstOrThrow();
    return num(r.n);
  },
  async setStatus(id, patch, expected?: Status) {
    const r =
      expected === undefined
        ? await addressSetStatus(this.db, this.dialect, id, patch.status, patch.errorInfo, patch.updatedAt)
        : await addressSetStatusFrom(this.db, this.dialect, id, patch.status, patch.errorInfo, patch.updatedAt, expected);
    return affected(r) === 1;
  },
  async markEndpointDeleting(endpointId, now) {
    await this.db.updateTable('endpoint_addresses').set({ status: 'PENDING_DELETE', updated_at: now }).where('endpoint_id', '=', endpointId).execute();
  },
  async delete(id) {
    await addressDelete(this.db, this.dialect, id);
  },
  async findPending(limit) {
    const rows = await this.db.selectFrom('endpoint_addresses').selectAll().where(isPendingSql).orderBy('updated_at').limit(limit).execute();
    return rows.map(toAddress);
  },
  async listActive() {
    const rows = await this.db.selectFrom('endpoint_addresses').selectAll().where('status', '=', 'ACTIVE').execute();
    return rows.map(toAddress);
  },
  async activeIpsByEndpoint(endpointIds) {
    const out = new Map<string, string[]>();
    if (endpointIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('endpoint_addresses')
      .select(['endpoint_id', 'ip'])
      .where('endpoint_id', 'in', [...endpointIds])
      .where('status', '=', 'ACTIVE')
      .orderBy('created_at')
      .execute();
    for (const r of rows) (out.get(r.endpoint_id) ?? out.set(r.endpoint_id, []).get(r.endpoint_id)!).push(r.ip);
    return out;
  },
  async listErrored() {
    const rows = await this.db.selectFrom('endpoint_addresses').selectAll().where('status', '=', 'ERROR').execute();
    return rows.map(toAddress);
  },
};

