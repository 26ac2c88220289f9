// Query-logging configurations (operations Q1-Q6): where the data plane writes a VPC's query log lines.
import {
  dnsVpcNotFound,
  invalidMarker,
  invalidRegion,
  queryLogNotFound,
  resourceInUse,
  vpcAlreadyLogged,
  vpcNotLogged,
} from '../domain/errors.ts';
import { isResourceId, newResourceId } from '../domain/ids.ts';
import type { QueryLogConfigRecord } from '../store/rule-types.ts';
import { ConstraintViolation, type Repos } from '../store/types.ts';
import type { Principal, ServiceDeps } from './context.ts';

/** A VPC to log; the region, when given, must be this one. */
export interface VpcInput {
  vpc: { vpc_id: string; vpc_region?: string };
}

/** Where the lines go: a log group (a folder under query_log.dir) and a topic (a JSON-lines file in it). */
export interface CreateQueryLogInput extends VpcInput {
  lts_group_id: string;
  lts_topic_id: string;
}

export class QueryLogService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Q1: one VPC at creation; more with Q5. */
  async createQueryLogConfig(p: Principal, input: CreateQueryLogInput): Promise<QueryLogConfigRecord> {
    const vpcId = await this.checkVpc(p, input);
    const record: QueryLogConfigRecord = {
      id: newResourceId(),
      projectId: p.projectId,
      ltsGroupId: input.lts_group_id,
      ltsTopicId: input.lts_topic_id,
      vpcIds: [vpcId],
      createdAt: this.deps.clock.now(),
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.queryLogs.create(record).catch(translateVpcTaken(vpcId));
    });
    this.deps.routingChanged?.();
    return record;
  }

  async showQueryLogConfig(p: Principal, id: string): Promise<QueryLogConfigRecord> {
    const c = await this.deps.store.queryLogs.get(p.projectId, id);
    if (!c) throw queryLogNotFound(id);
    return c;
  }

  /** Q2: marker paging only (no offset), as the SDKs and Terraform use it. */
  async listQueryLogConfigs(p: Principal, filter: { vpcId?: string }, page: { limit: number; marker?: string }) {
    let after: { createdAt: number; id: string } | undefined;
    if (page.marker) {
      const m = isResourceId(page.marker) ? await this.deps.store.queryLogs.get(p.projectId, page.marker) : undefined;
      if (!m) throw invalidMarker(page.marker);
      after = { createdAt: m.createdAt, id: m.id };
    }
    return this.deps.store.queryLogs.find(p.projectId, filter, { limit: page.limit, after });
  }

  /** Q4: only with at most one VPC left (Terraform disassociates the others first). */
  async deleteQueryLogConfig(p: Principal, id: string): Promise<void> {
    await this.write(p, id, async (tx, c) => {
      if (c.vpcIds.length > 1) throw resourceInUse(`Query logging configuration ${id} still logs ${c.vpcIds.length} VPCs; disassociate all but one first.`);
      await tx.queryLogs.delete(id);
    });
  }

  /** Q5 */
  async associateVpc(p: Principal, id: string, input: VpcInput): Promise<QueryLogConfigRecord> {
    const vpcId = await this.checkVpc(p, input);
    return this.write(p, id, async (tx, c) => {
      if (c.vpcIds.includes(vpcId)) throw vpcAlreadyLogged(vpcId);
      await tx.queryLogs.addVpc(id, vpcId).catch(translateVpcTaken(vpcId));
    });
  }

  /** Q6: the last VPC cannot be removed; delete the configuration instead. */
  async disassociateVpc(p: Principal, id: string, input: VpcInput): Promise<QueryLogConfigRecord> {
    const vpcId = await this.checkVpc(p, input);
    return this.write(p, id, async (tx, c) => {
      if (!c.vpcIds.includes(vpcId)) throw vpcNotLogged(vpcId);
      if (c.vpcIds.length === 1) throw resourceInUse(`VPC ${vpcId} is the last VPC of configuration ${id}; delete the configuration instead.`);
      await tx.queryLogs.removeVpc(id, vpcId);
    });
  }

  private async write(p: Principal, id: string, change: (tx: Repos, c: QueryLogConfigRecord) => Promise<void>): Promise<QueryLogConfigRecord> {
    const after = await this.deps.store.transaction(async (tx) => {
      const c = await tx.queryLogs.get(p.projectId, id);
      if (!c) throw queryLogNotFound(id);
      await change(tx, c);
      return (await tx.queryLogs.get(p.projectId, id)) ?? { ...c, vpcIds: [] };
    });
    this.deps.routingChanged?.();
    return after;
  }

  private async checkVpc(p: Principal, input: VpcInput): Promise<string> {
    const { vpc_id: vpcId, vpc_region: region } = input.vpc;
    if (region !== undefined && region !== this.deps.settings.region) throw invalidRegion(region);
    if (!(await this.deps.store.vpcs.get(p.projectId, vpcId))) throw dnsVpcNotFound(vpcId, 'vpc.vpc_id');
    return vpcId;
  }
}

const translateVpcTaken = (vpcId: string) => (e: unknown) => {
  if (e instanceof ConstraintViolation && e.kind === 'unique') throw vpcAlreadyLogged(vpcId);
  throw e;
};
