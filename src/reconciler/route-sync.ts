// Builds the data plane's per-VPC routing from the store and the deployment settings.
import type { UpstreamTarget, VpcContext } from '../dataplane/types.ts';
import { parseUpstream, type VpcConfig } from '../config.ts';
import type { Store } from '../store/types.ts';

export interface RoutingSettings {
  /** dns.upstreams: where a VPC's unmatched queries go unless the VPC names its own. */
  upstreams: readonly string[];
  vpcs: readonly Pick<VpcConfig, 'id' | 'upstreams'>[];
}

/** One context per VPC. Rules arrive with the resolver-rule API; until then every query goes to upstreams. */
export async function buildVpcContexts(store: Store, settings: RoutingSettings): Promise<VpcContext[]> {
  const defaults: UpstreamTarget[] = settings.upstreams.map(parseUpstream);
  const overrides = new Map(settings.vpcs.filter((v) => v.upstreams !== undefined).map((v) => [v.id, v.upstreams!.map(parseUpstream)]));
  const vpcs = await store.vpcs.listAll();
  return vpcs.map((v) => ({ vpcId: v.id, rules: [], upstreams: overrides.get(v.id) ?? defaults }));
}
