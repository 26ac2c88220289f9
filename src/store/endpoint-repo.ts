// The repository of endpoints: the uniform verbs, and the reads bind and unbind combine with a subnet or an address.
import type { Selectable } from 'kysely';
import type { Status } from '../domain/status.ts';
import { affected, guarded, num, type Db, type RepoContext } from './context.ts';
import { precompiled } from './precompiled.ts';
import { endpointSetStatus, toAddress, toEndpoint, toSubnet } from './rows.ts';
import { isPendingSql, type EndpointsTable } from './schema.ts';
import type { EndpointRepo, EndpointView } from './types.ts';

const endpointViewQuery = (db: Db) =>
  db.selectFrom('endpoints as e').selectAll('e').select((eb) => [
    eb
      .selectFrom('endpoint_addresses as a')
      .select((eb2) => eb2.fn.countAll<number>().as('n'))
      .whereRef('a.endpoint_id', '=', 'e.id')
      .where('a.status', '!=', 'PENDING_DELETE')
      .as('ipaddress_count'),
    eb
      .selectFrom('resolver_rules as r')
      .select((eb2) => eb2.fn.countAll<number>().as('n'))
      .whereRef('r.endpoint_id', '=', 'e.id')
      .where('r.status', '!=', 'PENDING_DELETE')
      .as('resolver_rule_count'),
  ]);

const toView = (r: Selectable<EndpointsTable> & { ipaddress_count: unknown; resolver_rule_count: unknown }): EndpointView => ({
  ...toEndpoint(r),
  ipaddressCount: num(r.ipaddress_count ?? 0),
  resolverRuleCount: num(r.resolver_rule_count ?? 0),
});

const endpointGet = precompiled((db, projectId: string, id: string) => endpointViewQuery(db).where('e.project_id', '=', projectId).where('e.id', '=', id));
const endpointGetWithSubnet = precompiled((db, projectId: string, id: string, subnetId: string) =>
  endpointViewQuery(db)
    .leftJoin('subnets as s', (join) => join.on('s.project_id', '=', projectId).on((eb) => eb.or([eb('s.id', '=', subnetId), eb('s.neutron_subnet_id', '=', subnetId)])))
    .select([
      's.id as s_id',
      's.project_id as s_project_id',
      's.vpc_id as s_vpc_id',
      's.name as s_name',
      's.cidr as s_cidr',
      's.gateway_ip as s_gateway_ip',
      's.neutron_subnet_id as s_neutron_subnet_id',
      's.created_at as s_created_at',
    ])
    .select((eb) => eb.selectFrom('endpoint_addresses as h').select((eb2) => eb2.fn.max('h.ip_int').as('m')).whereRef('h.subnet_id', '=', 's.id').as('s_highest_in_use'))
    .where('e.project_id', '=', projectId)
    .where('e.id', '=', id),
);
const endpointGetWithAddress = precompiled((db, projectId: string, id: string, addressId: string) =>
  endpointViewQuery(db)
    .leftJoin('endpoint_addresses as x', (join) => join.onRef('x.endpoint_id', '=', 'e.id').on('x.id', '=', addressId))
    .select([
      'x.id as x_id',
      'x.project_id as x_project_id',
      'x.subnet_id as x_subnet_id',
      'x.vpc_id as x_vpc_id',
      'x.direction as x_direction',
      'x.ip as x_ip',
      'x.ip_int as x_ip_int',
      'x.status as x_status',
      'x.error_info as x_error_info',
      'x.created_at as x_created_at',
      'x.updated_at as x_updated_at',
    ])
    .where('e.project_id', '=', projectId)
    .where('e.id', '=', id),
);
const endpointGetById = precompiled((db, id: string) => db.selectFrom('endpoints').selectAll().where('id', '=', id));
const endpointTransition = precompiled((db, id: string, from: Status, to: Status, now: number) =>
  db.updateTable('endpoints').set({ status: to, updated_at: now }).where('id', '=', id).where('status', '=', from),
);

export const endpointMethods: EndpointRepo & ThisType<RepoContext> = {
  async create(e) {
    await guarded(
      this.db
        .insertInto('endpoints')
        .values({
          id: e.id,
          project_id: e.projectId,
          name: e.name,
          direction: e.direction,
          region: e.region,
          vpc_id: e.vpcId,
          status: e.status,
          created_at: e.createdAt,
          updated_at: e.updatedAt,
        })
        .execute(),
    );
  },
  async get(projectId, id) {
    const r = (await endpointGet(this.db, this.dialect, projectId, id)).rows[0];
    return r && toView(r);
  },
  async getWithSubnet(projectId, id, subnetId) {
    const r = (await endpointGetWithSubnet(this.db, this.dialect, projectId, id, subnetId)).rows[0];
    if (!r) return undefined;
    const endpoint = toView(r);
    if (r.s_id === null) return { endpoint, subnet: undefined };
    const subnet = toSubnet({
      id: r.s_id,
      project_id: r.s_project_id!,
      vpc_id: r.s_vpc_id!,
      name: r.s_name!,
      cidr: r.s_cidr!,
      gateway_ip: r.s_gateway_ip!,
      neutron_subnet_id: r.s_neutron_subnet_id!,
      created_at: r.s_created_at!,
    });
    return { endpoint, subnet: { ...subnet, highestInUse: r.s_highest_in_use === null || r.s_highest_in_use === undefined ? null : num(r.s_highest_in_use) } };
  },
  async getWithAddress(projectId, id, addressId) {
    const r = (await endpointGetWithAddress(this.db, this.dialect, projectId, id, addressId)).rows[0];
    if (!r) return undefined;
    const endpoint = toView(r);
    if (r.x_id === null) return { endpoint, address: undefined };
    const address = toAddress({
      id: r.x_id,
      endpoint_id: endpoint.id,
      project_id: r.x_project_id!,
      subnet_id: r.x_subnet_id!,
      vpc_id: r.x_vpc_id!,
      direction: r.x_direction!,
      ip: r.x_ip!,
      ip_int: r.x_ip_int!,
      status: r.x_status!,
      error_info: r.x_error_info,
      created_at: r.x_created_at!,
      updated_at: r.x_updated_at!,
    });
    return { endpoint, address };
  },
  async getById(id) {
    const r = (await endpointGetById(this.db, this.dialect, id)).rows[0];
    return r && toEndpoint(r);
  },
  async lock(id) {
    await this.statements.lockEndpoint(this.db, id);
  },
  async find(projectId, filter, page) {
    let where = this.db.selectFrom('endpoints as e').where('e.project_id', '=', projectId);
    if (filter.direction) where = where.where('e.direction', '=', filter.direction);
    if (filter.vpcId !== undefined) where = where.where('e.vpc_id', '=', filter.vpcId);
    if (filter.name !== undefined) where = where.where('e.name', '=', filter.name);
    // The page's ids first: the per-row counts are then computed for the page only, not for every
    // row a deep offset skips (PostgreSQL evaluates the select list before OFFSET discards rows).
    const ids = await where.select('e.id').orderBy('e.created_at').orderBy('e.id').limit(page.limit).offset(page.offset).execute();
    const [rows, total] = await Promise.all([
      ids.length === 0 ? Promise.resolve([]) : endpointViewQuery(this.db).where('e.id', 'in', ids.map((r) => r.id)).orderBy('e.created_at').orderBy('e.id').execute(),
      where.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toView), total: num(total.n) };
  },
  async update(id, patch) {
    // The status change of every bind and unbind; other patches are built per call.
    if (patch.name === undefined && patch.status !== undefined && patch.updatedAt !== undefined) {
      await guarded(endpointSetStatus(this.db, this.dialect, id, patch.status, patch.updatedAt));
      return;
    }
    const values: { name?: string; status?: Status; updated_at?: number } = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.status !== undefined) values.status = patch.status;
    if (patch.updatedAt !== undefined) values.updated_at = patch.updatedAt;
    await guarded(this.db.updateTable('endpoints').set(values).where('id', '=', id).execute());
  },
  async transition(id, from, to, now) {
    return affected(await endpointTransition(this.db, this.dialect, id, from, to, now)) === 1;
  },
  async delete(id) {
    await guarded(this.db.deleteFrom('endpoints').where('id', '=', id).execute());
  },
  async countByDirection(projectId, direction) {
    const r = await this.db
      .selectFrom('endpoints')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('direction', '=', direction)
      .executeTakeFirstOrThrow();
    return num(r.n);
  },
  async countByVpc(vpcId) {
    const r = await this.db.selectFrom('endpoints').select((eb) => eb.fn.countAll<number>().as('n')).where('vpc_id', '=', vpcId).executeTakeFirstOrThrow();
    return num(r.n);
  },
  async vpcCounts(projectId, vpcId, page) {
    let base = this.db.selectFrom('endpoints').where('project_id', '=', projectId);
    if (vpcId !== undefined) base = base.where('vpc_id', '=', vpcId);
    const grouped = base
      .select((eb) => [
        'vpc_id',
        eb.fn.sum<number>(eb.case().when('direction', '=', 'inbound').then(1).else(0).end()).as('inbound'),
        eb.fn.sum<number>(eb.case().when('direction', '=', 'outbound').then(1).else(0).end()).as('outbound'),
      ])
      .groupBy('vpc_id');
    const [rows, total] = await Promise.all([
      grouped.orderBy('vpc_id').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.count<number>('vpc_id').distinct().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map((r) => ({ vpcId: r.vpc_id, inbound: num(r.inbound), outbound: num(r.outbound) })), total: num(total.n) };
  },
  async findPending(limit) {
    const rows = await this.db.selectFrom('endpoints').selectAll().where(isPendingSql).orderBy('updated_at').limit(limit).execute();
    return rows.map(toEndpoint);
  },
};

