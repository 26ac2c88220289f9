// Builds the data plane's per-VPC routing from the store (ACTIVE rows only) and the settings it is handed.
import type { ForwardRule, UpstreamTarget, VpcContext } from '../dataplane/contract.ts';
import type { Store } from '../store/types.ts';

/** What routing takes besides the store; system.ts derives it from the deployment's config. */
export interface RoutingSettings {
  /** Where a VPC's unmatched queries go unless the VPC names its own (dns.upstreams). */
  readonly upstreams: readonly UpstreamTarget[];
  /** The VPCs that name their own upstreams (vpcs[].upstreams), by VPC id. */
  readonly vpcUpstreams: ReadonlyMap<string, readonly UpstreamTarget[]>;
  /** The absolute path of a query-log topic's JSON-lines file, its folder made. */
  queryLogFile(group: string, topic: string): string;
}

/**
 * One context per VPC: its ACTIVE rule associations (each rule with its targets and the ACTIVE
 * addresses of its endpoint as sources), its upstreams, and its query-log file.
 */
export async function buildVpcContexts(store: Store, settings: RoutingSettings): Promise<VpcContext[]> {
  const [vpcs, routes, logs] = await Promise.all([store.vpcs.listAll(), store.associations.activeRoutes(), store.queryLogs.destinations()]);
  const sources = await store.addresses.activeIpsByEndpoint([...new Set(routes.map((r) => r.endpointId))]);
  const rulesByVpc = new Map<string, ForwardRule[]>();
  for (const r of routes) {
    const rule: ForwardRule = { id: r.ruleId, domain: r.domainKey, targets: r.targets, sourceIps: sources.get(r.endpointId) ?? [], endpointId: r.endpointId };
    (rulesByVpc.get(r.vpcId) ?? rulesByVpc.set(r.vpcId, []).get(r.vpcId)!).push(rule);
  }
  return vpcs.map((v) => {
    const log = logs.get(v.id);
    const context: VpcContext = { vpcId: v.id, rules: rulesByVpc.get(v.id) ?? [], upstreams: settings.vpcUpstreams.get(v.id) ?? settings.upstreams };
    if (!log) return context;
    return { ...context, queryLog: { configId: log.configId, file: settings.queryLogFile(log.group, log.topic) } };
  });
}

/** Runs refresh() so that calls never overlap and a burst of calls costs at most one more run. */
export function coalesce(refresh: () => Promise<void>, onError: (e: unknown) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const run = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await refresh();
        } catch (e) {
          onError(e);
        }
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  };
  return run;
}
