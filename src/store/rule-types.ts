// Records and repositories of resolver rules, their VPC associations and query-logging configurations.
import type { Status } from '../domain/status.ts';
import type { Page } from './page.ts';

export interface RuleTarget {
  ip: string;
  port: number;
}

export interface RuleRecord {
  id: string;
  projectId: string;
  name: string;
  /** As the client sent it (a trailing dot is echoed back). */
  domainName: string;
  /** Lower case without trailing dot: what rules are matched and compared by. */
  domainKey: string;
  endpointId: string;
  status: Status;
  createdAt: number;
  updatedAt: number;
}

export interface AssociationRecord {
  ruleId: string;
  vpcId: string;
  projectId: string;
  domainKey: string;
  region: string;
  status: Status;
  createdAt: number;
  updatedAt: number;
}

export interface RuleView extends RuleRecord {
  targets: RuleTarget[];
  routers: AssociationRecord[];
}

export interface RuleFilter {
  domainKey?: string;
  name?: string;
  endpointId?: string;
  id?: string;
}

export interface QueryLogConfigRecord {
  id: string;
  projectId: string;
  ltsGroupId: string;
  ltsTopicId: string;
  vpcIds: string[];
  createdAt: number;
}

/** One ACTIVE association of an ACTIVE rule, with what the data plane needs to route by it. */
export interface ActiveRoute {
  vpcId: string;
  ruleId: string;
  domainKey: string;
  endpointId: string;
  targets: RuleTarget[];
}

export interface RuleRepo {
  create(r: RuleRecord, targets: readonly RuleTarget[]): Promise<void>;
  get(projectId: string, id: string): Promise<RuleView | undefined>;
  getById(id: string): Promise<RuleRecord | undefined>;
  /** Keyset paging after `after` (the marker's sort key) or offset paging; filters are exact. */
  find(projectId: string, filter: RuleFilter, page: Page & { after?: { createdAt: number; id: string } }): Promise<{ items: RuleView[]; total: number; more: boolean }>;
  update(id: string, patch: { name?: string; status?: Status; updatedAt: number }, targets?: readonly RuleTarget[]): Promise<void>;
  transition(id: string, from: Status, to: Status, now: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  countByProject(projectId: string): Promise<number>;
  /** Rules of an endpoint (all statuses but PENDING_DELETE), for "in use" checks. */
  listByEndpoint(endpointId: string): Promise<RuleRecord[]>;
  /** Which of these endpoints have rules (in any status). */
  endpointsWithRules(endpointIds: readonly string[]): Promise<Set<string>>;
  findPending(limit: number): Promise<RuleRecord[]>;
  lock(id: string): Promise<void>;
}

export interface AssociationRepo {
  create(a: AssociationRecord): Promise<void>;
  get(ruleId: string, vpcId: string): Promise<AssociationRecord | undefined>;
  listByRule(ruleId: string): Promise<AssociationRecord[]>;
  setStatus(ruleId: string, vpcId: string, from: Status, to: Status, now: number): Promise<boolean>;
  delete(ruleId: string, vpcId: string): Promise<void>;
  findPending(limit: number): Promise<AssociationRecord[]>;
  countByVpc(vpcId: string): Promise<number>;
  /** Every ACTIVE association of an ACTIVE rule: the routing the data plane serves. */
  activeRoutes(): Promise<ActiveRoute[]>;
}

export interface QueryLogRepo {
  create(c: QueryLogConfigRecord): Promise<void>;
  get(projectId: string, id: string): Promise<QueryLogConfigRecord | undefined>;
  find(projectId: string, filter: { vpcId?: string }, page: { limit: number; after?: { createdAt: number; id: string } }): Promise<{ items: QueryLogConfigRecord[]; more: boolean }>;
  addVpc(id: string, vpcId: string): Promise<void>;
  removeVpc(id: string, vpcId: string): Promise<void>;
  delete(id: string): Promise<void>;
  /** VPC id -> [group, topic] of the config that logs it. */
  destinations(): Promise<Map<string, { configId: string; group: string; topic: string }>>;
  countByVpc(vpcId: string): Promise<number>;
}
