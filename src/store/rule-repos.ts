// Kysely repositories for resolver rules, rule-VPC associations and query-logging configurations.
import type { Selectable } from 'kysely';
import type { Status } from '../domain/status.ts';
import { guarded, num, type RepoContext } from './context.ts';
import { precompiled } from './precompiled.ts';
import { isPendingSql, type ResolverRuleVpcsTable, type ResolverRulesTable } from './schema.ts';
import type { AssociationRecord, AssociationRepo, QueryLogRepo, RuleRecord, RuleRepo, RuleTarget, RuleView } from './rule-types.ts';

const toRule = (r: Selectable<ResolverRulesTable>): RuleRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  domainName: r.domain_name,
  domainKey: r.domain_key,
  endpointId: r.endpoint_id,
  status: r.status,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

const toAssociation = (r: Selectable<ResolverRuleVpcsTable>): AssociationRecord => ({
  ruleId: r.rule_id,
  vpcId: r.vpc_id,
  projectId: r.project_id,
  domainKey: r.domain_key,
  region: r.region,
  status: r.status,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

/** Run by the reconciler after each change of an endpoint's addresses (precompiled.ts). */
const rulesOfEndpoint = precompiled((db, endpointId: string) => db.selectFrom('resolver_rules').selectAll().where('endpoint_id', '=', endpointId).orderBy('created_at'));
const endpointsWithRules = precompiled((db, endpointIds: string[]) => db.selectFrom('resolver_rules').select('endpoint_id').distinct().where('endpoint_id', 'in', endpointIds));

/** The rule repositories of a database or transaction, made on first use by a transaction (most use none). */
export function makeRuleRepos({ db, dialect, statements }: RepoContext): { rules: RuleRepo; associations: AssociationRepo; queryLogs: QueryLogRepo } {
  /** Targets and associations of many rules in two queries, not two per rule. */
  async function withDetails(rows: RuleRecord[]): Promise<RuleView[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [targets, routers] = await Promise.all([
      db.selectFrom('resolver_rule_targets').selectAll().where('rule_id', 'in', ids).orderBy('rule_id').orderBy('position').execute(),
      db.selectFrom('resolver_rule_vpcs').selectAll().where('rule_id', 'in', ids).orderBy('created_at').orderBy('vpc_id').execute(),
    ]);
    const t = new Map<string, RuleTarget[]>();
    for (const x of targets) (t.get(x.rule_id) ?? t.set(x.rule_id, []).get(x.rule_id)!).push({ ip: x.ip, port: num(x.port) });
    const a = new Map<string, AssociationRecord[]>();
    for (const x of routers) (a.get(x.rule_id) ?? a.set(x.rule_id, []).get(x.rule_id)!).push(toAssociation(x));
    return rows.map((r) => ({ ...r, targets: t.get(r.id) ?? [], routers: a.get(r.id) ?? [] }));
  }

  async function insertTargets(ruleId: string, targets: readonly RuleTarget[]): Promise<void> {
    if (targets.length === 0) return;
    await db
      .insertInto('resolver_rule_targets')
      .values(targets.map((x, position) => ({ rule_id: ruleId, position, ip: x.ip, port: x.port })))
      .execute();
  }

  const rules: RuleRepo = {
    async create(r, targets) {
      await guarded(
        db
          .insertInto('resolver_rules')
          .values({
            id: r.id,
            project_id: r.projectId,
            name: r.name,
            domain_name: r.domainName,
            domain_key: r.domainKey,
            endpoint_id: r.endpointId,
            status: r.status,
            created_at: r.createdAt,
            updated_at: r.updatedAt,
          })
          .execute(),
      );
      await insertTargets(r.id, targets);
    },
    async get(projectId, id) {
      const r = await db.selectFrom('resolver_rules').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return r ? (await withDetails([toRule(r)]))[0] : undefined;
    },
    async getById(id) {
      const r = await db.selectFrom('resolver_rules').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRule(r);
    },
    async find(projectId, filter, page) {
      let base = db.selectFrom('resolver_rules').where('project_id', '=', projectId);
      if (filter.domainKey !== undefined) base = base.where('domain_key', '=', filter.domainKey);
      if (filter.name !== undefined) base = base.where('name', '=', filter.name);
      if (filter.endpointId !== undefined) base = base.where('endpoint_id', '=', filter.endpointId);
      if (filter.id !== undefined) base = base.where('id', '=', filter.id);
      let rows = base.selectAll().orderBy('created_at').orderBy('id');
      const after = page.after;
      if (after) {
        rows = rows.where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]));
      } else {
        rows = rows.offset(page.offset);
      }
      const [found, total] = await Promise.all([
        rows.limit(page.limit + 1).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      const more = found.length > page.limit;
      return { items: await withDetails(found.slice(0, page.limit).map(toRule)), total: num(total.n), more };
    },
    async update(id, patch, targets) {
      const values: { name?: string; status?: Status; updated_at: number } = { updated_at: patch.updatedAt };
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.status !== undefined) values.status = patch.status;
      await db.updateTable('resolver_rules').set(values).where('id', '=', id).execute();
      if (targets) {
        await db.deleteFrom('resolver_rule_targets').where('rule_id', '=', id).execute();
        await insertTargets(id, targets);
      }
    },
    async transition(id, from, to, now) {
      const r = await db.updateTable('resolver_rules').set({ status: to, updated_at: now }).where('id', '=', id).where('status', '=', from).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async delete(id) {
      await db.deleteFrom('resolver_rule_targets').where('rule_id', '=', id).execute();
      await guarded(db.deleteFrom('resolver_rules').where('id', '=', id).execute());
    },
    async countByProject(projectId) {
      const r = await db.selectFrom('resolver_rules').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
      return num(r.n);
    },
    async listByEndpoint(endpointId) {
      return (await rulesOfEndpoint(db, dialect, endpointId)).rows.map(toRule);
    },
    async endpointsWithRules(endpointIds) {
      if (endpointIds.length === 0) return new Set();
      const { rows } = await endpointsWithRules(db, dialect, [...endpointIds]);
      return new Set(rows.map((r) => r.endpoint_id));
    },
    async findPending(limit) {
      const rows = await db.selectFrom('resolver_rules').selectAll().where(isPendingSql).orderBy('updated_at').limit(limit).execute();
      return rows.map(toRule);
    },
    async lock(id) {
      await statements.lockRule(db, id);
    },
  };

  const associations: AssociationRepo = {
    async create(a) {
      await guarded(
        db
          .insertInto('resolver_rule_vpcs')
          .values({
            rule_id: a.ruleId,
            vpc_id: a.vpcId,
            project_id: a.projectId,
            domain_key: a.domainKey,
            region: a.region,
            status: a.status,
            created_at: a.createdAt,
            updated_at: a.updatedAt,
          })
          .execute(),
      );
    },
    async get(ruleId, vpcId) {
      const r = await db.selectFrom('resolver_rule_vpcs').selectAll().where('rule_id', '=', ruleId).where('vpc_id', '=', vpcId).executeTakeFirst();
      return r && toAssociation(r);
    },
    async listByRule(ruleId) {
      const rows = await db.selectFrom('resolver_rule_vpcs').selectAll().where('rule_id', '=', ruleId).orderBy('created_at').execute();
      return rows.map(toAssociation);
    },
    async setStatus(ruleId, vpcId, from, to, now) {
      const r = await db
        .updateTable('resolver_rule_vpcs')
        .set({ status: to, updated_at: now })
        .where('rule_id', '=', ruleId)
        .where('vpc_id', '=', vpcId)
        .where('status', '=', from)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async delete(ruleId, vpcId) {
      await db.deleteFrom('resolver_rule_vpcs').where('rule_id', '=', ruleId).where('vpc_id', '=', vpcId).execute();
    },
    async findPending(limit) {
      const rows = await db.selectFrom('resolver_rule_vpcs').selectAll().where(isPendingSql).orderBy('updated_at').limit(limit).execute();
      return rows.map(toAssociation);
    },
    async countByVpc(vpcId) {
      const r = await db.selectFrom('resolver_rule_vpcs').select((eb) => eb.fn.countAll<number>().as('n')).where('vpc_id', '=', vpcId).executeTakeFirstOrThrow();
      return num(r.n);
    },
    async activeRoutes() {
      const rows = await db
        .selectFrom('resolver_rule_vpcs as v')
        .innerJoin('resolver_rules as r', 'r.id', 'v.rule_id')
        .select(['v.vpc_id', 'r.id', 'r.domain_key', 'r.endpoint_id'])
        .where('v.status', '=', 'ACTIVE')
        .where('r.status', '=', 'ACTIVE')
        .execute();
      if (rows.length === 0) return [];
      const targets = await db
        .selectFrom('resolver_rule_targets')
        .selectAll()
        .where('rule_id', 'in', [...new Set(rows.map((r) => r.id))])
        .orderBy('rule_id')
        .orderBy('position')
        .execute();
      const byRule = new Map<string, RuleTarget[]>();
      for (const t of targets) (byRule.get(t.rule_id) ?? byRule.set(t.rule_id, []).get(t.rule_id)!).push({ ip: t.ip, port: num(t.port) });
      return rows.map((r) => ({ vpcId: r.vpc_id, ruleId: r.id, domainKey: r.domain_key, endpointId: r.endpoint_id, targets: byRule.get(r.id) ?? [] }));
    },
  };

  const queryLogs: QueryLogRepo = {
    async create(c) {
      await db.insertInto('query_log_configs').values({ id: c.id, project_id: c.projectId, lts_group_id: c.ltsGroupId, lts_topic_id: c.ltsTopicId, created_at: c.createdAt }).execute();
      for (const vpcId of c.vpcIds) await guarded(db.insertInto('query_log_config_vpcs').values({ config_id: c.id, vpc_id: vpcId }).execute());
    },
    async get(projectId, id) {
      const r = await db.selectFrom('query_log_configs').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      if (!r) return undefined;
      const vpcs = await db.selectFrom('query_log_config_vpcs').select('vpc_id').where('config_id', '=', id).orderBy('vpc_id').execute();
      return { id: r.id, projectId: r.project_id, ltsGroupId: r.lts_group_id, ltsTopicId: r.lts_topic_id, vpcIds: vpcs.map((v) => v.vpc_id), createdAt: num(r.created_at) };
    },
    async find(projectId, filter, page) {
      let q = db.selectFrom('query_log_configs as c').selectAll('c').where('c.project_id', '=', projectId);
      if (filter.vpcId !== undefined) {
        const vpcId = filter.vpcId;
        q = q.where((eb) => eb.exists(eb.selectFrom('query_log_config_vpcs as v').select('v.vpc_id').whereRef('v.config_id', '=', 'c.id').where('v.vpc_id', '=', vpcId)));
      }
      const after = page.after;
      if (after) q = q.where((eb) => eb.or([eb('c.created_at', '>', after.createdAt), eb.and([eb('c.created_at', '=', after.createdAt), eb('c.id', '>', after.id)])]));
      const rows = await q.orderBy('c.created_at').orderBy('c.id').limit(page.limit + 1).execute();
      const items = rows.slice(0, page.limit);
      const vpcs = items.length
        ? await db.selectFrom('query_log_config_vpcs').selectAll().where('config_id', 'in', items.map((r) => r.id)).orderBy('vpc_id').execute()
        : [];
      return {
        items: items.map((r) => ({
          id: r.id,
          projectId: r.project_id,
          ltsGroupId: r.lts_group_id,
          ltsTopicId: r.lts_topic_id,
          vpcIds: vpcs.filter((v) => v.config_id === r.id).map((v) => v.vpc_id),
          createdAt: num(r.created_at),
        })),
        more: rows.length > page.limit,
      };
    },
    async addVpc(id, vpcId) {
      await guarded(db.insertInto('query_log_config_vpcs').values({ config_id: id, vpc_id: vpcId }).execute());
    },
    async removeVpc(id, vpcId) {
      await db.deleteFrom('query_log_config_vpcs').where('config_id', '=', id).where('vpc_id', '=', vpcId).execute();
    },
    async delete(id) {
      await db.deleteFrom('query_log_config_vpcs').where('config_id', '=', id).execute();
      await db.deleteFrom('query_log_configs').where('id', '=', id).execute();
    },
    async destinations() {
      const rows = await db
        .selectFrom('query_log_config_vpcs as v')
        .innerJoin('query_log_configs as c', 'c.id', 'v.config_id')
        .select(['v.vpc_id', 'c.id', 'c.lts_group_id', 'c.lts_topic_id'])
        .execute();
      return new Map(rows.map((r) => [r.vpc_id, { configId: r.id, group: r.lts_group_id, topic: r.lts_topic_id }]));
    },
    async countByVpc(vpcId) {
      const r = await db.selectFrom('query_log_config_vpcs').select((eb) => eb.fn.countAll<number>().as('n')).where('vpc_id', '=', vpcId).executeTakeFirstOrThrow();
      return num(r.n);
    },
  };

  return { rules, associations, queryLogs };
}
