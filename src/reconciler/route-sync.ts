// Builds the data plane's per-VPC routing from the store (ACTIVE rows only) and the deployment settings.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ForwardRule, UpstreamTarget, VpcContext } from '../dataplane/types.ts';
import { parseUpstream, type VpcConfig } from '../config.ts';
import type { Store } from '../store/types.ts';

export interface RoutingSettings {
  /** dns.upstreams: where a VPC's unmatched queries go unless the VPC names its own. */
  upstreams: readonly string[];
  vpcs: readonly Pick<VpcConfig, 'id' | 'upstreams'>[];
  /** query_log.dir: <dir>/<group>/<topic>.jsonl */
  queryLogDir: string;
}

/**
 * One context per VPC: its ACTIVE rule associations (each rule with its targets and the ACTIVE
 * addresses of its endpoint as sources), its upstreams, and its query-log file.
 */
export async function buildVpcContexts(store: Store, settings: RoutingSettings): Promise<VpcContext[]> {
  const defaults: UpstreamTarget[] = settings.upstreams.map(parseUpstream);
  const overrides = new Map(settings.vpcs.filter((v) => v.upstreams !== undefined).map((v) => [v.id, v.upstreams!.map(parseUpstream)]));
  const [vpcs, routes, logs] = await Promise.all([store.vpcs.listAll(), store.associations.activeRoutes(), store.queryLogs.destinations()]);
  const sources = await store.addresses.activeIpsByEndpoint([...new Set(routes.map((r) => r.endpointId))]);
  const rulesByVpc = new Map<string, ForwardRule[]>();
  for (const r of routes) {
    const rule: ForwardRule = { id: r.ruleId, domain: r.domainKey, targets: r.targets, sourceIps: sources.get(r.endpointId) ?? [], endpointId: r.endpointId };
    (rulesByVpc.get(r.vpcId) ?? rulesByVpc.set(r.vpcId, []).get(r.vpcId)!).push(rule);
  }
  return vpcs.map((v) => {
    const log = logs.get(v.id);
    const context: VpcContext = { vpcId: v.id, rules: rulesByVpc.get(v.id) ?? [], upstreams: overrides.get(v.id) ?? defaults };
    if (!log) return context;
    const dir = resolve(settings.queryLogDir, log.group);
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    return { ...context, queryLog: { configId: log.configId, file: join(dir, `${log.topic}.jsonl`) } };
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
