// The Store over Kysely: one implementation of the repositories for SQLite and PostgreSQL.
import { makeIdentityRepos } from './identity-repos.ts';
import { CompiledQuery, sql, type Kysely, type Selectable } from 'kysely';
import { registerPreparedText } from './pg-prepared.ts';
import { guarded, num, precompiled, runDirectly, type Db, type Dialect } from './sql-util.ts';
import type { SqliteStatements } from './sqlite-statements.ts';
import { makeRuleRepos } from './rule-repos.ts';
import { cachedTokenFind } from './token-cache.ts';
import { ipToInt } from '../domain/ipam.ts';
import { isPending, type Status } from '../domain/status.ts';
import { isPendingSql, type Database, type EndpointAddressesTable, type EndpointsTable, type SubnetsTable, type VpcsTable } from './schema.ts';
import {
  type AddressRecord,
  type AddressRepo,
  type AddressStatusRow,
  type AddressView,
  type Direction,
  type EndpointRecord,
  type EndpointRepo,
  type EndpointView,
  type ProjectRepo,
  type Repos,
  type Store,
  type SubnetRecord,
  type SubnetRepo,
  type TokenRepo,
  type VpcRecord,
  type VpcRepo,
} from './types.ts';

export type { Db, Dialect } from './sql-util.ts';
const toVpc = (r: Selectable<VpcsTable>): VpcRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  cidr: r.cidr,
  description: r.description,
  createdAt: num(r.created_at),
});

const toSubnet = (r: Selectable<SubnetsTable>): SubnetRecord => ({
  id: r.id,
  projectId: r.project_id,
  vpcId: r.vpc_id,
  name: r.name,
  cidr: r.cidr,
  gatewayIp: r.gateway_ip,
  neutronSubnetId: r.neutron_subnet_id,
  createdAt: num(r.created_at),
});

const toEndpoint = (r: Selectable<EndpointsTable>): EndpointRecord => ({
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

const toAddress = (r: Selectable<EndpointAddressesTable>): AddressRecord => ({
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

/** The queries of the hot paths (every request's token, bind, unbind, list, the reconciler), compiled once (sql-util.ts). */

type AddressRowArgs = [
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

function insertAddress(db: Db, ...[id, endpointId, projectId, subnetId, vpcId, direction, ip, ipInt, status, errorInfo, createdAt, updatedAt]: AddressRowArgs) {
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

const hot = {
  tokenFind: precompiled((db, digest: string, now: number) =>
    db
      .selectFrom('api_tokens')
      .selectAll()
      .where('digest', '=', digest)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
  ),
  subnetGet: precompiled((db, projectId: string, id: string) =>
    // Clients may name a subnet by its VPC-subnet id or by its Neutron id (Terraform reads the latter back).
    db
      .selectFrom('subnets')
      .selectAll()
      .where('project_id', '=', projectId)
      .where((eb) => eb.or([eb('id', '=', id), eb('neutron_subnet_id', '=', id)])),
  ),
  endpointGet: precompiled((db, projectId: string, id: string) => endpointViewQuery(db).where('e.project_id', '=', projectId).where('e.id', '=', id)),
  endpointGetWithSubnet: precompiled((db, projectId: string, id: string, subnetId: string) =>
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
  ),
  endpointGetWithAddress: precompiled((db, projectId: string, id: string, addressId: string) =>
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
  ),
  endpointGetById: precompiled((db, id: string) => db.selectFrom('endpoints').selectAll().where('id', '=', id)),
  /** PostgreSQL only: SQLite has no FOR UPDATE (its transactions are serial). */
  endpointLock: precompiled((db, id: string) => db.selectFrom('endpoints').select('id').where('id', '=', id).forUpdate()),
  endpointSetStatus: precompiled((db, id: string, status: Status, now: number) => db.updateTable('endpoints').set({ status, updated_at: now }).where('id', '=', id)),
  endpointTransition: precompiled((db, id: string, from: Status, to: Status, now: number) =>
    db.updateTable('endpoints').set({ status: to, updated_at: now }).where('id', '=', id).where('status', '=', from),
  ),
  addressInsert: precompiled(insertAddress),
  /** The same insert, doing nothing when the subnet already has the address (the unique constraint decides). */
  addressInsertIfFree: precompiled((db, ...row: AddressRowArgs) => insertAddress(db, ...row).onConflict((oc) => oc.columns(['subnet_id', 'ip']).doNothing())),
  addressGet: precompiled((db, endpointId: string, id: string) => db.selectFrom('endpoint_addresses').selectAll().where('endpoint_id', '=', endpointId).where('id', '=', id)),
  addressesOfEndpoint: precompiled((db, endpointId: string) =>
    db.selectFrom('endpoint_addresses').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at').orderBy('id'),
  ),
  addressViewsOfEndpoint: precompiled((db, projectId: string, endpointId: string) =>
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
  ),
  addressHighest: precompiled((db, subnetId: string) =>
    db.selectFrom('endpoint_addresses').select((eb) => eb.fn.max('ip_int').as('m')).where('subnet_id', '=', subnetId),
  ),
  addressSetStatus: precompiled((db, id: string, status: Status, errorInfo: string | null, now: number) =>
    db.updateTable('endpoint_addresses').set({ status, error_info: errorInfo, updated_at: now }).where('id', '=', id),
  ),
  addressSetStatusFrom: precompiled((db, id: string, status: Status, errorInfo: string | null, now: number, expected: Status) =>
    db.updateTable('endpoint_addresses').set({ status, error_info: errorInfo, updated_at: now }).where('id', '=', id).where('status', '=', expected),
  ),
  addressDelete: precompiled((db, id: string) => db.deleteFrom('endpoint_addresses').where('id', '=', id)),
  // The reconciler's pass, over lists of ids (compiled once per list length).
  endpointsByIds: precompiled((db, ids: string[]) => db.selectFrom('endpoints').selectAll().where('id', 'in', ids).orderBy('id')),
  endpointsByIdsForUpdate: precompiled((db, ids: string[]) => db.selectFrom('endpoints').selectAll().where('id', 'in', ids).orderBy('id').forUpdate()),
  endpointsTransition: precompiled((db, ids: string[], from: Status, to: Status, now: number) =>
    db.updateTable('endpoints').set({ status: to, updated_at: now }).where('id', 'in', ids).where('status', '=', from).returning('id'),
  ),
  addressesOfEndpoints: precompiled((db, endpointIds: string[]) =>
    db.selectFrom('endpoint_addresses').selectAll().where('endpoint_id', 'in', endpointIds).orderBy('endpoint_id').orderBy('created_at').orderBy('id'),
  ),
  addressesSetStatusFrom: precompiled((db, ids: string[], status: Status, errorInfo: string | null, now: number, expected: Status) =>
    db.updateTable('endpoint_addresses').set({ status, error_info: errorInfo, updated_at: now }).where('id', 'in', ids).where('status', '=', expected).returning('id'),
  ),
  addressesDelete: precompiled((db, ids: string[]) => db.deleteFrom('endpoint_addresses').where('id', 'in', ids)),
  // Not ACTIVE here, pending in JS: with the partial index's own `status in (...)` SQLite's planner would read every
  // pending row of every endpoint through that index rather than each endpoint's few through its own.
  notActiveOfEndpoints: precompiled((db, endpointIds: string[]) =>
    db.selectFrom('endpoint_addresses').selectAll().where('endpoint_id', 'in', endpointIds).where('status', '!=', 'ACTIVE'),
  ),
  statusesOfEndpoints: precompiled((db, endpointIds: string[]) =>
    db.selectFrom('endpoint_addresses').select(['id', 'endpoint_id', 'status']).where('endpoint_id', 'in', endpointIds),
  ),
};

/**
 * PostgreSQL only: a reconciler pass's address writes and the read that settles their endpoints, in one statement (one
 * round trip instead of three or more). Lists are arrays (`= any`, `unnest`), so the text is fixed and runs as one
 * prepared statement. Every part of a statement sees the snapshot it started with, so the final select reads the
 * addresses as they were before the two writes: the caller applies them to what it reads (deleted ids gone, written ids
 * in their new status). The endpoints are locked (FOR UPDATE, an earlier statement), so no request changes their
 * addresses meanwhile, and this statement's snapshot, taken after those locks were granted, sees every commit before.
 */
const PG_APPLY_OUTCOMES = `with deleted as (
  delete from endpoint_addresses where id = any($1::text[]) returning id
), written as (
  update endpoint_addresses a set status = v.status, error_info = v.error_info, updated_at = $2
  from unnest($3::text[], $4::text[], $5::text[]) as v(id, status, error_info)
  where a.id = v.id and a.status = $6
  returning a.id
)
select 'deleted' as kind, id, null as endpoint_id, null as status from deleted
union all select 'written', id, null, null from written
union all select 'address', id, endpoint_id, status from endpoint_addresses where endpoint_id = any($7::text[])`;

/**
 * PostgreSQL only: createIfFree() and, when the address was inserted, its endpoint's status, in one round trip. A
 * data-modifying CTE runs once whatever reads it; the update sees the insert through its RETURNING rows only.
 */
const PG_INSERT_MARKING = `with inserted as (
  insert into endpoint_addresses (id, endpoint_id, project_id, subnet_id, vpc_id, direction, ip, ip_int, status, error_info, created_at, updated_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
  on conflict (subnet_id, ip) do nothing
  returning endpoint_id
)
update endpoints set status = $13, updated_at = $12 where id = (select endpoint_id from inserted) returning id`;

/** PostgreSQL only: an address's status (no compare-and-set) and its endpoint's, in one round trip. */
const PG_SET_STATUS_MARKING = `with written as (
  update endpoint_addresses set status = $2, error_info = $3, updated_at = $4 where id = $1
)
update endpoints set status = $6, updated_at = $4 where id = $5`;

/** PostgreSQL only: each endpoint's compare-and-set transition with its own from and to, in one statement. */
const PG_TRANSITION_EACH = `update endpoints e set status = v.to_status, updated_at = $1
from unnest($2::text[], $3::text[], $4::text[]) as v(id, from_status, to_status)
where e.id = v.id and e.status = v.from_status
returning e.id`;
registerPreparedText(PG_APPLY_OUTCOMES);
registerPreparedText(PG_TRANSITION_EACH);
registerPreparedText(PG_INSERT_MARKING);
registerPreparedText(PG_SET_STATUS_MARKING);

const affected = (r: { numAffectedRows?: bigint }): number => Number(r.numAffectedRows ?? 0n);

/** What the repositories' methods run on: one database or transaction. */
interface RepoContext {
  readonly db: Db;
  readonly dialect: Dialect;
  readonly pg: boolean;
}

/**
 * The methods of each repository, shared: a repository is an object of its database or transaction whose
 * prototype holds them. Every transaction gets its own repositories, and creating their methods anew each time
 * (with the names the TypeScript loader gives each function) cost more than some of its queries.
 */
function repo<T extends object>(methods: T, ctx: RepoContext): T {
  return Object.assign(Object.create(methods) as T, ctx);
}

const toView = (r: Selectable<EndpointsTable> & { ipaddress_count: unknown; resolver_rule_count: unknown }): EndpointView => ({
  ...toEndpoint(r),
  ipaddressCount: num(r.ipaddress_count ?? 0),
  resolverRuleCount: num(r.resolver_rule_count ?? 0),
});

const projectMethods: ProjectRepo & ThisType<RepoContext> = {
  async create(p) {
    await guarded(this.db.insertInto('projects').values({ id: p.id, name: p.name, created_at: p.createdAt }).execute());
  },
  async get(id) {
    const r = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: num(r.created_at) };
  },
  async findByName(name) {
    const r = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: num(r.created_at) };
  },
  async list() {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: num(r.created_at) }));
  },
  async lock(id) {
    if (this.pg) await sql`select id from projects where id = ${id} for update`.execute(this.db);
  },
};

const tokenMethods: TokenRepo & ThisType<RepoContext> = {
  async create(t) {
    await guarded(
      this.db
        .insertInto('api_tokens')
        .values({ digest: t.digest, project_id: t.projectId, user_id: t.userId ?? null, expires_at: t.expiresAt, created_at: t.createdAt })
        .execute(),
    );
  },
  async find(digest, now) {
    const r = (await hot.tokenFind(this.db, this.dialect, digest, now)).rows[0];
    return r && { digest: r.digest, projectId: r.project_id, userId: r.user_id, expiresAt: r.expires_at === null ? null : num(r.expires_at), createdAt: num(r.created_at) };
  },
  async delete(digest) {
    const r = await this.db.deleteFrom('api_tokens').where('digest', '=', digest).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  async deleteExpired(userId, now) {
    const r = await this.db.deleteFrom('api_tokens').where('user_id', '=', userId).where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  async findProject(digest, now) {
    const r = await this.db
      .selectFrom('api_tokens')
      .select('project_id')
      .where('digest', '=', digest)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return r?.project_id;
  },
  async countForProject(projectId) {
    const r = await this.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    return num(r.n);
  },
};

const vpcMethods: VpcRepo & ThisType<RepoContext> = {
  async create(v) {
    await guarded(
      this.db
        .insertInto('vpcs')
        .values({ id: v.id, project_id: v.projectId, name: v.name, cidr: v.cidr, description: v.description, created_at: v.createdAt })
        .execute(),
    );
  },
  async get(projectId, id) {
    const r = await this.db.selectFrom('vpcs').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    return r && toVpc(r);
  },
  async find(projectId, page) {
    const base = this.db.selectFrom('vpcs').where('project_id', '=', projectId);
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toVpc), total: num(total.n) };
  },
  async listAll() {
    const rows = await this.db.selectFrom('vpcs').selectAll().orderBy('created_at').execute();
    return rows.map(toVpc);
  },
  async delete(id) {
    await guarded(this.db.deleteFrom('vpcs').where('id', '=', id).execute());
  },
};

const subnetMethods: SubnetRepo & ThisType<RepoContext> = {
  async create(s) {
    await guarded(
      this.db
        .insertInto('subnets')
        .values({
          id: s.id,
          project_id: s.projectId,
          vpc_id: s.vpcId,
          name: s.name,
          cidr: s.cidr,
          gateway_ip: s.gatewayIp,
          neutron_subnet_id: s.neutronSubnetId,
          created_at: s.createdAt,
        })
        .execute(),
    );
  },
  async get(projectId, id) {
    const r = (await hot.subnetGet(this.db, this.dialect, projectId, id)).rows[0];
    return r && toSubnet(r);
  },
  async find(projectId, filter, page) {
    let base = this.db.selectFrom('subnets').where('project_id', '=', projectId);
    if (filter.vpcId !== undefined) base = base.where('vpc_id', '=', filter.vpcId);
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toSubnet), total: num(total.n) };
  },
  async listByVpc(vpcId) {
    const rows = await this.db.selectFrom('subnets').selectAll().where('vpc_id', '=', vpcId).orderBy('created_at').execute();
    return rows.map(toSubnet);
  },
  async delete(id) {
    await guarded(this.db.deleteFrom('subnets').where('id', '=', id).execute());
  },
  async lock(ids) {
    // Sorted, so that two transactions locking the same subnets cannot deadlock.
    if (this.pg && ids.length > 0) await sql`select id from subnets where id in (${sql.join([...ids].sort())}) order by id for update`.execute(this.db);
  },
};

const endpointMethods: EndpointRepo & ThisType<RepoContext> = {
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
    const r = (await hot.endpointGet(this.db, this.dialect, projectId, id)).rows[0];
    return r && toView(r);
  },
  async getWithSubnet(projectId, id, subnetId) {
    const r = (await hot.endpointGetWithSubnet(this.db, this.dialect, projectId, id, subnetId)).rows[0];
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
    const r = (await hot.endpointGetWithAddress(this.db, this.dialect, projectId, id, addressId)).rows[0];
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
    const r = (await hot.endpointGetById(this.db, this.dialect, id)).rows[0];
    return r && toEndpoint(r);
  },
  async lock(id) {
    if (this.pg) await hot.endpointLock(this.db, this.dialect, id);
  },
  async getByIdsForUpdate(ids) {
    if (ids.length === 0) return [];
    // Sorted, so that two transactions locking the same endpoints cannot deadlock.
    return (await (this.pg ? hot.endpointsByIdsForUpdate : hot.endpointsByIds)(this.db, this.dialect, [...ids])).rows.map(toEndpoint);
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
      await guarded(hot.endpointSetStatus(this.db, this.dialect, id, patch.status, patch.updatedAt));
      return;
    }
    const values: { name?: string; status?: Status; updated_at?: number } = {};
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.status !== undefined) values.status = patch.status;
    if (patch.updatedAt !== undefined) values.updated_at = patch.updatedAt;
    await guarded(this.db.updateTable('endpoints').set(values).where('id', '=', id).execute());
  },
  async transition(id, from, to, now) {
    return affected(await hot.endpointTransition(this.db, this.dialect, id, from, to, now)) === 1;
  },
  async transitionMany(ids, from, to, now) {
    if (ids.length === 0) return new Set();
    const { rows } = await hot.endpointsTransition(this.db, this.dialect, [...ids], from, to, now);
    return new Set(rows.map((r) => r.id));
  },
  async transitionEach(moves, now) {
    if (moves.length === 0) return new Set();
    if (this.pg) {
      const params = [now, moves.map((m) => m.id), moves.map((m) => m.from), moves.map((m) => m.to)];
      const { rows } = await this.db.executeQuery<{ id: string }>(CompiledQuery.raw(PG_TRANSITION_EACH, params));
      return new Set(rows.map((r) => r.id));
    }
    const moved = new Set<string>();
    const groups = new Map<string, string[]>();
    for (const m of moves) {
      const key = `${m.from}>${m.to}`;
      const ids = groups.get(key);
      if (ids) ids.push(m.id);
      else groups.set(key, [m.id]);
    }
    for (const [key, ids] of groups) {
      const [from, to] = key.split('>') as [Status, Status];
      for (const r of (await hot.endpointsTransition(this.db, this.dialect, ids, from, to, now)).rows) moved.add(r.id);
    }
    return moved;
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

const addressMethods: AddressRepo & ThisType<RepoContext> = {
  async create(a) {
    const { id, endpointId, projectId, subnetId, vpcId, direction, ip, status, errorInfo, createdAt, updatedAt } = a;
    await guarded(hot.addressInsert(this.db, this.dialect, id, endpointId, projectId, subnetId, vpcId, direction, ip, ipToInt(ip), status, errorInfo, createdAt, updatedAt));
  },
  async createIfFree(a) {
    const { id, endpointId, projectId, subnetId, vpcId, direction, ip, status, errorInfo, createdAt, updatedAt } = a;
    const r = await guarded(hot.addressInsertIfFree(this.db, this.dialect, id, endpointId, projectId, subnetId, vpcId, direction, ip, ipToInt(ip), status, errorInfo, createdAt, updatedAt));
    return affected(r) === 1;
  },
  async createIfFreeMarkingEndpoint(a, endpointStatus) {
    const { id, endpointId, projectId, subnetId, vpcId, direction, ip, status, errorInfo, createdAt, updatedAt } = a;
    const row = [id, endpointId, projectId, subnetId, vpcId, direction, ip, ipToInt(ip), status, errorInfo, createdAt, updatedAt] as const;
    if (this.pg) {
      const { rows } = await guarded(this.db.executeQuery(CompiledQuery.raw(PG_INSERT_MARKING, [...row, endpointStatus])));
      return rows.length === 1;
    }
    if (affected(await guarded(hot.addressInsertIfFree(this.db, this.dialect, ...row))) !== 1) return false;
    await hot.endpointSetStatus(this.db, this.dialect, endpointId, endpointStatus, updatedAt);
    return true;
  },
  async get(endpointId, id) {
    const r = (await hot.addressGet(this.db, this.dialect, endpointId, id)).rows[0];
    return r && toAddress(r);
  },
  async listByEndpoint(endpointId) {
    return (await hot.addressesOfEndpoint(this.db, this.dialect, endpointId)).rows.map(toAddress);
  },
  async listByEndpoints(endpointIds) {
    if (endpointIds.length === 0) return [];
    return (await hot.addressesOfEndpoints(this.db, this.dialect, [...endpointIds])).rows.map(toAddress);
  },
  async pendingOfEndpoints(endpointIds) {
    if (endpointIds.length === 0) return [];
    const { rows } = await hot.notActiveOfEndpoints(this.db, this.dialect, [...endpointIds]);
    const pending: AddressRecord[] = [];
    for (const r of rows) if (isPending(r.status)) pending.push(toAddress(r));
    return pending;
  },
  async applyOutcomes(o) {
    const written = new Set<string>();
    const addresses: AddressStatusRow[] = [];
    if (o.deleteIds.length === 0 && o.updates.length === 0 && o.endpointIds.length === 0) return { written, addresses };
    if (this.pg) {
      const params = [
        o.deleteIds,
        o.now,
        o.updates.map((u) => u.id),
        o.updates.map((u) => u.status),
        o.updates.map((u) => u.errorInfo),
        o.expected,
        o.endpointIds,
      ];
      const { rows } = await this.db.executeQuery<{ kind: string; id: string; endpoint_id: string | null; status: Status | null }>(CompiledQuery.raw(PG_APPLY_OUTCOMES, params));
      const deleted = new Set<string>();
      for (const r of rows) {
        if (r.kind === 'deleted') deleted.add(r.id);
        else if (r.kind === 'written') written.add(r.id);
      }
      const newStatus = new Map(o.updates.map((u) => [u.id, u.status]));
      for (const r of rows) {
        if (r.kind !== 'address' || deleted.has(r.id)) continue;
        addresses.push({ id: r.id, endpointId: r.endpoint_id!, status: written.has(r.id) ? newStatus.get(r.id)! : r.status! });
      }
      return { written, addresses };
    }
    if (o.deleteIds.length > 0) await hot.addressesDelete(this.db, this.dialect, [...o.deleteIds]);
    const groups = new Map<string, { status: Status; errorInfo: string | null; ids: string[] }>();
    for (const u of o.updates) {
      const key = JSON.stringify([u.status, u.errorInfo]);
      const g = groups.get(key);
      if (g) g.ids.push(u.id);
      else groups.set(key, { status: u.status, errorInfo: u.errorInfo, ids: [u.id] });
    }
    for (const g of groups.values()) {
      const { rows } = await hot.addressesSetStatusFrom(this.db, this.dialect, g.ids, g.status, g.errorInfo, o.now, o.expected);
      for (const r of rows) written.add(r.id);
    }
    if (o.endpointIds.length > 0) {
      for (const r of (await hot.statusesOfEndpoints(this.db, this.dialect, [...o.endpointIds])).rows) addresses.push({ id: r.id, endpointId: r.endpoint_id, status: r.status });
    }
    return { written, addresses };
  },
  async listViewsByEndpoint(projectId, endpointId) {
    const { rows } = await hot.addressViewsOfEndpoint(this.db, this.dialect, projectId, endpointId);
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
    const r = (await hot.addressHighest(this.db, this.dialect, subnetId)).rows[0];
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
        ? await hot.addressSetStatus(this.db, this.dialect, id, patch.status, patch.errorInfo, patch.updatedAt)
        : await hot.addressSetStatusFrom(this.db, this.dialect, id, patch.status, patch.errorInfo, patch.updatedAt, expected);
    return affected(r) === 1;
  },
  async setStatusMarkingEndpoint(id, endpointId, patch, endpointStatus) {
    if (this.pg) {
      await this.db.executeQuery(CompiledQuery.raw(PG_SET_STATUS_MARKING, [id, patch.status, patch.errorInfo, patch.updatedAt, endpointId, endpointStatus]));
      return;
    }
    await hot.addressSetStatus(this.db, this.dialect, id, patch.status, patch.errorInfo, patch.updatedAt);
    await hot.endpointSetStatus(this.db, this.dialect, endpointId, endpointStatus, patch.updatedAt);
  },
  async setStatusMany(ids, patch, expected) {
    if (ids.length === 0) return new Set();
    const { rows } = await hot.addressesSetStatusFrom(this.db, this.dialect, [...ids], patch.status, patch.errorInfo, patch.updatedAt, expected);
    return new Set(rows.map((r) => r.id));
  },
  async markEndpointDeleting(endpointId, now) {
    await this.db.updateTable('endpoint_addresses').set({ status: 'PENDING_DELETE', updated_at: now }).where('endpoint_id', '=', endpointId).execute();
  },
  async delete(id) {
    await hot.addressDelete(this.db, this.dialect, id);
  },
  async deleteMany(ids) {
    if (ids.length > 0) await hot.addressesDelete(this.db, this.dialect, [...ids]);
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

/**
 * Every transaction gets its own repositories, bound to its connection. The six the API and the reconciler use are
 * made at once (an object each, whose prototype holds the methods); the rule and identity repositories, which a
 * transaction rarely uses and which cost more to build, on first use.
 */
function makeRepos(db: Db, dialect: Dialect): Repos {
  const ctx: RepoContext = { db, dialect, pg: dialect === 'postgres' };
  let rules: ReturnType<typeof makeRuleRepos> | undefined;
  let identity: ReturnType<typeof makeIdentityRepos> | undefined;
  return {
    projects: repo(projectMethods, ctx),
    tokens: repo(tokenMethods, ctx),
    vpcs: repo(vpcMethods, ctx),
    subnets: repo(subnetMethods, ctx),
    endpoints: repo(endpointMethods, ctx),
    addresses: repo(addressMethods, ctx),
    get rules() {
      return (rules ??= makeRuleRepos(db, dialect)).rules;
    },
    get associations() {
      return (rules ??= makeRuleRepos(db, dialect)).associations;
    },
    get queryLogs() {
      return (rules ??= makeRuleRepos(db, dialect)).queryLogs;
    },
    get users() {
      return (identity ??= makeIdentityRepos(db, guarded)).users;
    },
    get accessKeys() {
      return (identity ??= makeIdentityRepos(db, guarded)).accessKeys;
    },
    get settings() {
      return (identity ??= makeIdentityRepos(db, guarded)).settings;
    },
    get projectAdmin() {
      return (identity ??= makeIdentityRepos(db, guarded)).projectAdmin;
    },
  };
}

/**
 * Wraps a migrated Kysely instance as a Store. On SQLite, given the connection's statements, precompiled queries run
 * on them directly instead of through Kysely's executor: in a transaction, which holds the one connection; outside,
 * only while no transaction is open (else a read could see, or a write join, another request's uncommitted work),
 * which a synchronous statement cannot change while it runs; otherwise they wait their turn through Kysely.
 */
export function createSqlStore(db: Kysely<Database>, dialect: Dialect, sqlite?: SqliteStatements): Store {
  const repos = makeRepos(db, dialect);
  /** Transactions asked for and not yet settled (from before BEGIN until after COMMIT or ROLLBACK). */
  let open = 0;
  if (sqlite) {
    runDirectly(db, (text, parameters) => (open === 0 ? sqlite.run(text, parameters) : undefined));
    // The token of every request (token-cache.ts); inside a transaction tokens are read as they are.
    const tokens: TokenRepo = Object.create(repos.tokens) as TokenRepo;
    tokens.find = cachedTokenFind(repos.tokens.find.bind(repos.tokens), () => ({ local: sqlite.tokenWrites, others: sqlite.otherConnectionsVersion() }));
    repos.tokens = tokens;
  }
  return {
    ...repos,
    dialect,
    async transaction(fn) {
      open++;
      try {
        return await db.transaction().execute((trx) => {
          if (sqlite) runDirectly(trx, (text, parameters) => sqlite.run(text, parameters));
          return fn(makeRepos(trx, dialect));
        });
      } finally {
        open--;
      }
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
