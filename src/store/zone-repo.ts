// Kysely repository of private zones and their VPC associations.
import type { Selectable } from 'kysely';
import { guarded, num, type RepoContext } from './context.ts';
import { isPendingSql } from './schema.ts';
import type { PrivateZoneVpcsTable, PrivateZonesTable, ZoneRecord, ZoneRepo, ZoneView, ZoneVpcRecord } from './zone-types.ts';

export const toZone = (r: Selectable<PrivateZonesTable>): ZoneRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  description: r.description,
  email: r.email,
  ttl: num(r.ttl),
  serial: num(r.serial),
  status: r.status,
  disabled: num(r.disabled) === 1,
  proxyPattern: r.proxy_pattern,
  tags: JSON.parse(r.tags) as ZoneRecord['tags'],
  enterpriseProjectId: r.enterprise_project_id,
  createdAt: num(r.created_at),
  updatedAt: r.updated_at === null ? null : num(r.updated_at),
});

const toZoneVpc = (r: Selectable<PrivateZoneVpcsTable>): ZoneVpcRecord => ({
  zoneId: r.zone_id,
  vpcId: r.vpc_id,
  projectId: r.project_id,
  zoneName: r.zone_name,
  region: r.region,
  status: r.status,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

/** The zone repository of a database or transaction. */
export function makeZoneRepo({ db, statements }: RepoContext): ZoneRepo {
  /** Associations and record counts of many zones in two queries. */
  async function withDetails(rows: ZoneRecord[]): Promise<ZoneView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [vpcs, counts] = await Promise.all([
      db.selectFrom('private_zone_vpcs').selectAll().where('zone_id', 'in', ids).orderBy('created_at').orderBy('vpc_id').execute(),
      db
        .selectFrom('record_sets')
        .select(['zone_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('zone_id', 'in', ids)
        .where('status', '!=', 'PENDING_CREATE')
        .groupBy('zone_id')
        .execute(),
    ]);
    const byZone = new Map<string, ZoneVpcRecord[]>();
    for (const v of vpcs) (byZone.get(v.zone_id) ?? byZone.set(v.zone_id, []).get(v.zone_id)!).push(toZoneVpc(v));
    const n = new Map(counts.map((c) => [c.zone_id, num(c.n)]));
    return rows.map((r) => ({ ...r, routers: byZone.get(r.id) ?? [], recordNum: n.get(r.id) ?? 0 }));
  }

  return {
    async create(z) {
      await guarded(
        db
          .insertInto('private_zones')
          .values({
            id: z.id,
            project_id: z.projectId,
            name: z.name,
            description: z.description,
            email: z.email,
            ttl: z.ttl,
            serial: z.serial,
            status: z.status,
            disabled: z.disabled ? 1 : 0,
            proxy_pattern: z.proxyPattern,
            tags: JSON.stringify(z.tags),
            enterprise_project_id: z.enterpriseProjectId,
            created_at: z.createdAt,
            updated_at: z.updatedAt,
          })
          .execute(),
      );
    },
    async get(projectId, id) {
      const r = await db.selectFrom('private_zones').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return r ? (await withDetails([toZone(r)]))[0] : undefined;
    },
    async find(projectId, filter, page) {
      let base = db.selectFrom('private_zones').where('project_id', '=', projectId);
      if (filter.name !== undefined) base = base.where('name', 'like', `%${filter.name.toLowerCase().replace(/[%_\\]/g, '')}%`);
      if (filter.id !== undefined) base = base.where('id', '=', filter.id);
      if (filter.status !== undefined) base = base.where('status', '=', filter.status as ZoneRecord['status']);
      const routerId = filter.routerId;
      if (routerId !== undefined) {
        base = base.where((eb) => eb.exists(eb.selectFrom('private_zone_vpcs as v').select('v.vpc_id').whereRef('v.zone_id', '=', 'private_zones.id').where('v.vpc_id', '=', routerId)));
      }
      let rows = base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
      const after = page.after;
      if (after) rows = rows.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
      else rows = rows.offset(page.offset);
      const [found, total] = await Promise.all([rows.limit(page.limit + 1).execute(), base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()]);
      return { items: await withDetails(found.slice(0, page.limit).map(toZone)), total: num(total.n), more: found.length > page.limit };
    },
    async update(id, patch) {
      const values: Partial<PrivateZonesTable> = { updated_at: patch.updatedAt };
      if (patch.description !== undefined) values.description = patch.description;
      if (patch.email !== undefined) values.email = patch.email;
      if (patch.ttl !== undefined) values.ttl = patch.ttl;
      if (patch.serial !== undefined) values.serial = patch.serial;
      if (patch.status !== undefined) values.status = patch.status;
      if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0;
      if (patch.proxyPattern !== undefined) values.proxy_pattern = patch.proxyPattern;
      if (patch.tags !== undefined) values.tags = JSON.stringify(patch.tags);
      await db.updateTable('private_zones').set(values).where('id', '=', id).execute();
    },
    async transition(id, from, to, now) {
      const r = await db.updateTable('private_zones').set({ status: to, updated_at: now }).where('id', '=', id).where('status', '=', from).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async delete(id) {
      await db.deleteFrom('record_sets').where('zone_id', '=', id).execute();
      await db.deleteFrom('private_zone_vpcs').where('zone_id', '=', id).execute();
      await db.deleteFrom('private_zones').where('id', '=', id).execute();
    },
    async countByProject(projectId) {
      const r = await db.selectFrom('private_zones').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
      return num(r.n);
    },
    async findPending(limit) {
      return (await db.selectFrom('private_zones').selectAll().where(isPendingSql).orderBy('created_at').limit(limit).execute()).map(toZone);
    },
    async lock(id) {
      await statements.lockZone(db, id);
    },
    async addVpc(a) {
      await guarded(
        db
          .insertInto('private_zone_vpcs')
          .values({ zone_id: a.zoneId, vpc_id: a.vpcId, project_id: a.projectId, zone_name: a.zoneName, region: a.region, status: a.status, created_at: a.createdAt, updated_at: a.updatedAt })
          .execute(),
      );
    },
    async setVpcStatus(zoneId, vpcId, from, to, now) {
      const r = await db.updateTable('private_zone_vpcs').set({ status: to, updated_at: now }).where('zone_id', '=', zoneId).where('vpc_id', '=', vpcId).where('status', '=', from).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async removeVpc(zoneId, vpcId) {
      await db.deleteFrom('private_zone_vpcs').where('zone_id', '=', zoneId).where('vpc_id', '=', vpcId).execute();
    },
    async findPendingVpcs(limit) {
      return (await db.selectFrom('private_zone_vpcs').selectAll().where(isPendingSql).orderBy('updated_at').limit(limit).execute()).map(toZoneVpc);
    },
    async countByVpc(vpcId) {
      const r = await db.selectFrom('private_zone_vpcs').select((eb) => eb.fn.countAll<number>().as('n')).where('vpc_id', '=', vpcId).executeTakeFirstOrThrow();
      return num(r.n);
    },
    async nameServerIps(vpcIds) {
      if (vpcIds.length === 0) return [];
      const rows = await db
        .selectFrom('endpoint_addresses')
        .select('ip')
        .where('vpc_id', 'in', [...vpcIds])
        .where('direction', '=', 'inbound')
        .where('status', '=', 'ACTIVE')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((r) => r.ip);
    },
  };
}
