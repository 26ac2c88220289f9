// Resolver rules and their VPC associations (operations R1-R7): validation, uniqueness, quotas, pending statuses.
import {
  AppError,
  dnsVpcNotFound,
  emptyRequest,
  endpointNotActive,
  endpointNotFound,
  invalidMarker,
  invalidRegion,
  invalidRuleTargets,
  resourceInUse,
  routerAlreadyAssociated,
  routerNotAssociated,
  ruleDomainExists,
  ruleNotFound,
  ruleQuotaExceeded,
  vpcDomainTaken,
} from '../domain/errors.ts';
import { domainKey } from '../domain/domain-name.ts';
import { isResourceId, newResourceId } from '../domain/ids.ts';
import type { Status } from '../domain/status.ts';
import type { AssociationRecord, RuleFilter, RuleTarget, RuleView } from '../store/rule-types.ts';
import { ConstraintViolation, type Page } from '../store/types.ts';
import type { Principal, ServiceDeps } from './context.ts';

export const MAX_RULE_TARGETS = 6;

/** A target as a client sends it (the route's schema checked each field): a unicast IPv4, port 1-65535 or 53. */
export interface TargetRequest {
  ip: string;
  port?: number | null;
}

export interface RuleInput {
  name: string;
  domain_name: string;
  endpoint_id: string;
  /** 1 to MAX_RULE_TARGETS of them. */
  ipaddresses: readonly TargetRequest[];
}

/** A router (VPC) to associate or disassociate; the region, when given, must be this one. */
export interface RouterInput {
  router: { router_id: string; router_region?: string };
}

/** The targets with their ports (default 53); a target listed twice is refused. */
function checkTargets(requests: readonly TargetRequest[]): RuleTarget[] {
  const seen = new Set<string>();
  return requests.map((t, i) => {
    const field = `ipaddresses[${i}]`;
    const port = t.port ?? 53;
    const key = `${t.ip}:${port}`;
    if (seen.has(key)) throw invalidRuleTargets(`${field}: ${key} appears more than once.`, `${field}.ip`);
    seen.add(key);
    return { ip: t.ip, port };
  });
}

export class RuleService {
  constructor(private readonly deps: ServiceDeps) {}

  /** R1: the rule and its targets are written PENDING_CREATE; the reconciler makes them ACTIVE in the data plane. */
  async createResolverRule(p: Principal, input: RuleInput): Promise<RuleView> {
    const targets = checkTargets(input.ipaddresses);
    const { name, domain_name: domainName, endpoint_id: endpointId } = input;
    const key = domainKey(domainName);
    const id = newResourceId();
    const view = await this.deps.store.transaction(async (tx) => {
      await tx.projects.lock(p.projectId);
      const quota = this.deps.settings.quotas.resolverRules;
      if ((await tx.rules.countByProject(p.projectId)) >= quota) throw ruleQuotaExceeded(quota);
      await tx.endpoints.lock(endpointId);
      const ep = await tx.endpoints.get(p.projectId, endpointId);
      if (!ep) throw endpointNotFound(endpointId);
      if (ep.status !== 'ACTIVE') throw endpointNotActive(endpointId, ep.status);
      const now = this.deps.clock.now();
      await tx.rules
        .create({ id, projectId: p.projectId, name, domainName, domainKey: key, endpointId, status: 'PENDING_CREATE', createdAt: now, updatedAt: now }, targets)
        .catch((e: unknown) => {
          if (e instanceof ConstraintViolation && e.kind === 'unique') throw ruleDomainExists(key, endpointId);
          throw e;
        });
      return (await tx.rules.get(p.projectId, id))!;
    });
    this.deps.notify();
    return view;
  }

  async showResolverRule(p: Principal, id: string): Promise<RuleView> {
    const rule = await this.deps.store.rules.get(p.projectId, id);
    if (!rule) throw ruleNotFound(id);
    return rule;
  }

  /** R2: exact filters; `marker` (the id of the last rule of the previous page) wins over `offset`. */
  async listResolverRules(p: Principal, filter: { domain_name?: string; name?: string; endpoint_id?: string; id?: string }, page: Page & { marker?: string }) {
    const f: RuleFilter = {
      domainKey: filter.domain_name === undefined ? undefined : domainKey(filter.domain_name),
      name: filter.name,
      endpointId: filter.endpoint_id,
      id: filter.id,
    };
    let after: { createdAt: number; id: string } | undefined;
    if (page.marker) {
      const m = isResourceId(page.marker) ? await this.deps.store.rules.get(p.projectId, page.marker) : undefined;
      if (!m) throw invalidMarker(page.marker);
      after = { createdAt: m.createdAt, id: m.id };
    }
    return this.deps.store.rules.find(p.projectId, f, { limit: page.limit, offset: page.offset, after });
  }

  /** R4: a new name and/or a whole new target list; the rule shows PENDING_UPDATE until the data plane has it. */
  async updateResolverRule(p: Principal, id: string, input: { name?: string; ipaddresses?: readonly TargetRequest[] }): Promise<RuleView> {
    if (input.name === undefined && input.ipaddresses === undefined) throw emptyRequest('Send name, ipaddresses, or both.');
    const targets = input.ipaddresses === undefined ? undefined : checkTargets(input.ipaddresses);
    const view = await this.deps.store.transaction(async (tx) => {
      await tx.rules.lock(id);
      const rule = await tx.rules.get(p.projectId, id);
      if (!rule) throw ruleNotFound(id);
      assertRuleNotDeleting(rule.id, rule.status);
      const now = this.deps.clock.now();
      const status: Status = rule.status === 'PENDING_CREATE' ? 'PENDING_CREATE' : 'PENDING_UPDATE';
      await tx.rules.update(id, { name: input.name, status, updatedAt: now }, targets);
      return (await tx.rules.get(p.projectId, id))!;
    });
    this.deps.notify();
    return view;
  }

  /** R5: refused while VPCs are associated (DNS.0608 names them). */
  async deleteResolverRule(p: Principal, id: string): Promise<RuleView> {
    const view = await this.deps.store.transaction(async (tx) => {
      await tx.rules.lock(id);
      const rule = await tx.rules.get(p.projectId, id);
      if (!rule) throw ruleNotFound(id);
      if (rule.status === 'PENDING_DELETE') return rule;
      if (rule.routers.length > 0) {
        throw resourceInUse(`Resolver rule ${id} is associated with VPC(s) ${rule.routers.map((r) => r.vpcId).join(', ')}; disassociate them first.`);
      }
      const now = this.deps.clock.now();
      await tx.rules.update(id, { status: 'PENDING_DELETE', updatedAt: now });
      return { ...rule, status: 'PENDING_DELETE' as Status, updatedAt: now };
    });
    this.deps.notify();
    return view;
  }

  /** R6: associates a VPC of the project; one rule per (VPC, domain), enforced by a unique constraint. */
  async associateRouter(p: Principal, id: string, input: RouterInput): Promise<AssociationRecord> {
    const vpcId = await this.checkRouter(p, input);
    const assoc = await this.deps.store.transaction(async (tx) => {
      await tx.rules.lock(id);
      const rule = await tx.rules.get(p.projectId, id);
      if (!rule) throw ruleNotFound(id);
      assertRuleNotDeleting(rule.id, rule.status);
      if (rule.routers.some((r) => r.vpcId === vpcId)) throw routerAlreadyAssociated(vpcId);
      const now = this.deps.clock.now();
      const record: AssociationRecord = {
        ruleId: id,
        vpcId,
        projectId: p.projectId,
        domainKey: rule.domainKey,
        region: this.deps.settings.region,
        status: 'PENDING_CREATE',
        createdAt: now,
        updatedAt: now,
      };
      await tx.associations.create(record).catch((e: unknown) => {
        if (e instanceof ConstraintViolation && e.kind === 'unique') {
          throw e.constraint === 'resolver_rule_vpcs_pkey' ? routerAlreadyAssociated(vpcId) : vpcDomainTaken(vpcId, rule.domainKey);
        }
        throw e;
      });
      return record;
    });
    this.deps.notify();
    return assoc;
  }

  /** R7: the association goes PENDING_DELETE and disappears from `routers` once the data plane dropped it. */
  async disassociateRouter(p: Principal, id: string, input: RouterInput): Promise<AssociationRecord> {
    const vpcId = await this.checkRouter(p, input);
    const assoc = await this.deps.store.transaction(async (tx) => {
      await tx.rules.lock(id);
      const rule = await tx.rules.get(p.projectId, id);
      if (!rule) throw ruleNotFound(id);
      const current = rule.routers.find((r) => r.vpcId === vpcId);
      if (!current) throw routerNotAssociated(vpcId);
      if (current.status === 'PENDING_DELETE') return current;
      const now = this.deps.clock.now();
      await tx.associations.setStatus(id, vpcId, current.status, 'PENDING_DELETE', now);
      return { ...current, status: 'PENDING_DELETE' as Status, updatedAt: now };
    });
    this.deps.notify();
    return assoc;
  }

  private async checkRouter(p: Principal, input: RouterInput): Promise<string> {
    const { router_id: vpcId, router_region: region } = input.router;
    if (region !== undefined && region !== this.deps.settings.region) throw invalidRegion(region);
    if (!(await this.deps.store.vpcs.get(p.projectId, vpcId))) throw dnsVpcNotFound(vpcId, 'router.router_id');
    return vpcId;
  }
}

function assertRuleNotDeleting(id: string, status: Status): void {
  if (status === 'PENDING_DELETE') throw new AppError('DNS.0030', `Resolver rule ${id} is being deleted.`, 'resolverrule_id');
}
