// Resolver rules and their VPC associations (operations R1-R7): validation, uniqueness, quotas, pending statuses.
import {
  AppError,
  dnsVpcNotFound,
  emptyRequest,
  endpointNotActive,
  endpointNotFound,
  invalidDomainName,
  invalidEndpointId,
  invalidMarker,
  invalidRegion,
  invalidRuleId,
  invalidRuleName,
  invalidRuleTargets,
  invalidVpcId,
  resourceInUse,
  routerAlreadyAssociated,
  routerNotAssociated,
  ruleDomainExists,
  ruleNotFound,
  ruleQuotaExceeded,
  vpcDomainTaken,
} from '../domain/errors.ts';
import { domainKey, isValidDomainName } from '../domain/domain-name.ts';
import { isResourceId, isUuid, newResourceId } from '../domain/ids.ts';
import { ipToInt, isIpv4 } from '../domain/ipam.ts';
import { isValidName } from '../domain/names.ts';
import type { Status } from '../domain/status.ts';
import type { AssociationRecord, RuleFilter, RuleTarget, RuleView } from '../store/rule-types.ts';
import { ConstraintViolation, type Page } from '../store/types.ts';
import type { Principal, ServiceDeps } from './context.ts';

export const MAX_RULE_TARGETS = 6;

export interface RuleInput {
  name?: unknown;
  domain_name?: unknown;
  endpoint_id?: unknown;
  ipaddresses?: unknown;
}

/** Unicast IPv4 a DNS server can have: not 0.0.0.0/8, multicast (224/4) or reserved/broadcast (240/4). */
function isUnicast(ip: string): boolean {
  const first = ipToInt(ip) >>> 24;
  return first !== 0 && first < 224;
}

/** 1 to 6 targets {ip, port?}, unicast IPv4, port 1-65535 (default 53), no repeats. */
export function checkTargets(value: unknown): RuleTarget[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_RULE_TARGETS) {
    throw invalidRuleTargets(`ipaddresses must list 1 to ${MAX_RULE_TARGETS} target DNS servers; got ${Array.isArray(value) ? value.length : JSON.stringify(value)}.`);
  }
  const seen = new Set<string>();
  return value.map((t: { ip?: unknown; port?: unknown } | null, i) => {
    const field = `ipaddresses[${i}]`;
    if (t === null || typeof t !== 'object' || !isIpv4(t.ip) || !isUnicast(t.ip)) {
      throw invalidRuleTargets(`${field}.ip must be a unicast IPv4 address; got ${JSON.stringify(t?.ip)}.`, `${field}.ip`);
    }
    const port = t.port ?? 53;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw invalidRuleTargets(`${field}.port must be an integer from 1 to 65535; got ${JSON.stringify(t.port)}.`, `${field}.port`);
    }
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
    if (!isValidName(input.name)) throw invalidRuleName(input.name);
    if (!isValidDomainName(input.domain_name)) throw invalidDomainName(input.domain_name);
    if (typeof input.endpoint_id !== 'string' || !isResourceId(input.endpoint_id)) throw invalidEndpointId(String(input.endpoint_id));
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
    if (!isResourceId(id)) throw invalidRuleId(id);
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
  async updateResolverRule(p: Principal, id: string, input: { name?: unknown; ipaddresses?: unknown }): Promise<RuleView> {
    if (!isResourceId(id)) throw invalidRuleId(id);
    if (input.name === undefined && input.ipaddresses === undefined) throw emptyRequest('Send name, ipaddresses, or both.');
    if (input.name !== undefined && !isValidName(input.name)) throw invalidRuleName(input.name);
    const targets = input.ipaddresses === undefined ? undefined : checkTargets(input.ipaddresses);
    const view = await this.deps.store.transaction(async (tx) => {
      await tx.rules.lock(id);
      const rule = await tx.rules.get(p.projectId, id);
      if (!rule) throw ruleNotFound(id);
      assertRuleNotDeleting(rule.id, rule.status);
      const now = this.deps.clock.now();
      const status: Status = rule.status === 'PENDING_CREATE' ? 'PENDING_CREATE' : 'PENDING_UPDATE';
      await tx.rules.update(id, { name: input.name as string | undefined, status, updatedAt: now }, targets);
      return (await tx.rules.get(p.projectId, id))!;
    });
    this.deps.notify();
    return view;
  }

  /** R5: refused while VPCs are associated (DNS.0608 names them). */
  async deleteResolverRule(p: Principal, id: string): Promise<RuleView> {
    if (!isResourceId(id)) throw invalidRuleId(id);
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
  async associateRouter(p: Principal, id: string, input: { router?: { router_id?: unknown; router_region?: unknown } }): Promise<AssociationRecord> {
    const vpcId = await this.checkRouter(p, id, input);
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
  async disassociateRouter(p: Principal, id: string, input: { router?: { router_id?: unknown; router_region?: unknown } }): Promise<AssociationRecord> {
    const vpcId = await this.checkRouter(p, id, input);
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

  private async checkRouter(p: Principal, id: string, input: { router?: { router_id?: unknown; router_region?: unknown } }): Promise<string> {
    if (!isResourceId(id)) throw invalidRuleId(id);
    const vpcId = input.router?.router_id;
    if (typeof vpcId !== 'string' || !isUuid(vpcId)) throw invalidVpcId(vpcId, 'router.router_id');
    const region = input.router?.router_region;
    if (region !== undefined && region !== null && region !== this.deps.settings.region) throw invalidRegion(region);
    if (!(await this.deps.store.vpcs.get(p.projectId, vpcId))) throw dnsVpcNotFound(vpcId, 'router.router_id');
    return vpcId;
  }
}

function assertRuleNotDeleting(id: string, status: Status): void {
  if (status === 'PENDING_DELETE') throw new AppError('DNS.0030', `Resolver rule ${id} is being deleted.`, 'resolverrule_id');
}
