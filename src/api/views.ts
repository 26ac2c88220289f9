// Entities to wire JSON: the one place field names and timestamp formats are decided.
import { formatTimestamp } from '../domain/clock.ts';
import type { AssociationRecord, QueryLogConfigRecord, RuleView } from '../store/rule-types.ts';
import type { AddressView, EndpointView, SubnetRecord, VpcEndpointCounts, VpcRecord } from '../store/types.ts';

export const endpointView = (e: EndpointView) => ({
  id: e.id,
  name: e.name,
  direction: e.direction,
  status: e.status,
  vpc_id: e.vpcId,
  ipaddress_count: e.ipaddressCount,
  resolver_rule_count: e.resolverRuleCount,
  create_time: formatTimestamp(e.createdAt),
  update_time: formatTimestamp(e.updatedAt),
});

export const ipaddressView = (a: AddressView) => ({
  id: a.id,
  ip: a.ip,
  subnet_id: a.neutronSubnetId,
  status: a.status,
  error_info: a.errorInfo,
  create_time: formatTimestamp(a.createdAt),
  update_time: formatTimestamp(a.updatedAt),
});

export const endpointVpcView = (v: VpcEndpointCounts) => ({
  id: v.vpcId,
  inbound_endpoint_count: v.inbound,
  outbound_endpoint_count: v.outbound,
});

const isoTime = (ms: number) => new Date(ms).toISOString().slice(0, 19);

export const vpcView = (v: VpcRecord) => ({
  id: v.id,
  name: v.name,
  description: v.description,
  cidr: v.cidr,
  status: 'OK',
  routes: [],
  enterprise_project_id: '0',
  tenant_id: v.projectId,
  created_at: isoTime(v.createdAt),
  updated_at: isoTime(v.createdAt),
});

export const subnetView = (s: SubnetRecord) => ({
  id: s.id,
  name: s.name,
  description: '',
  cidr: s.cidr,
  gateway_ip: s.gatewayIp,
  vpc_id: s.vpcId,
  neutron_subnet_id: s.neutronSubnetId,
  neutron_network_id: s.id,
  status: 'ACTIVE',
  dhcp_enable: true,
  tenant_id: s.projectId,
  created_at: isoTime(s.createdAt),
  updated_at: isoTime(s.createdAt),
});

export const routerView = (a: AssociationRecord) => ({ router_id: a.vpcId, router_region: a.region, status: a.status });

/** ResolverRuleParam (R1, R4, R5). */
export const ruleView = (r: RuleView) => ({
  id: r.id,
  name: r.name,
  domain_name: r.domainName,
  endpoint_id: r.endpointId,
  status: r.status,
  rule_type: 'FORWARD',
  ipaddress_count: r.targets.length,
  create_time: formatTimestamp(r.createdAt),
  update_time: formatTimestamp(r.updatedAt),
});

/** ListResolverRuleParam (R2 items): with routers. */
export const ruleListView = (r: RuleView) => ({ ...ruleView(r), routers: r.routers.map(routerView) });

/** ShowResolverRuleRespParam (R3): with targets and routers; `port` only when it is not 53. */
export const ruleShowView = (r: RuleView) => ({
  ...ruleListView(r),
  ipaddresses: r.targets.map((t) => (t.port === 53 ? { ip: t.ip } : { ip: t.ip, port: t.port })),
});

export const queryLogView = (c: QueryLogConfigRecord) => ({ id: c.id, lts_group_id: c.ltsGroupId, lts_topic_id: c.ltsTopicId, vpc_ids: c.vpcIds });
