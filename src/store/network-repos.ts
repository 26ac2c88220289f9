// The repositories of VPCs and their subnets.
import { guarded, num, type RepoContext } from './context.ts';
import { precompiled } from './precompiled.ts';
import { toSubnet, toVpc } from './rows.ts';
import type { SubnetRepo, VpcRepo } from './types.ts';

const subnetGet = precompiled((db, projectId: string, id: string) =>
  // Clients may name a subnet by its VPC-subnet id or by its Neutron id (Terraform reads the latter back).
  db
    .selectFrom('subnets')
    .selectAll()
    .where('project_id', '=', projectId)
    .where((eb) => eb.or([eb('id', '=', id), eb('neutron_subnet_id', '=', id)])),
);

export const vpcMethods: VpcRepo & ThisType<RepoContext> = {
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

export const subnetMethods: SubnetRepo & ThisType<RepoContext> = {
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
    const r = (await subnetGet(this.db, this.dialect, projectId, id)).rows[0];
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
    await this.statements.lockSubnets(this.db, ids);
  },
};
