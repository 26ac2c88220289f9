// TypeBox schemas of the resolver-rule API (R1-R7) and the query-logging API (Q1-Q6), as on the wire.
import { Type } from '@sinclair/typebox';
import { MetadataSchema, PageQuerySchema } from './common.ts';

export const RouterSchema = Type.Object({ router_id: Type.String(), router_region: Type.String(), status: Type.String() }, { $id: 'Router' });

const ruleFields = {
  id: Type.String(),
  name: Type.String(),
  domain_name: Type.String(),
  endpoint_id: Type.String(),
  status: Type.String(),
  rule_type: Type.String(),
  ipaddress_count: Type.Integer(),
  create_time: Type.String(),
  update_time: Type.String(),
};

/** A target: `ip`, and `port` only when it is not 53 (a vpcdns extension, as AWS has). */
export const IpValueSchema = Type.Object({ ip: Type.String(), port: Type.Optional(Type.Integer()) });

export const ResolverRuleSchema = Type.Object(ruleFields, { $id: 'ResolverRuleParam' });
export const ListResolverRuleSchema = Type.Object({ ...ruleFields, routers: Type.Array(RouterSchema) });
export const ShowResolverRuleSchema = Type.Object({ ...ruleFields, ipaddresses: Type.Array(IpValueSchema), routers: Type.Array(RouterSchema) });

const IpInfoSchema = Type.Object(
  { ip: Type.Optional(Type.String()), port: Type.Optional(Type.Integer()) },
  { additionalProperties: false },
);

export const CreateRuleBodySchema = Type.Object(
  { name: Type.String(), domain_name: Type.String(), endpoint_id: Type.String(), ipaddresses: Type.Array(IpInfoSchema) },
  { additionalProperties: false },
);
export const UpdateRuleBodySchema = Type.Object(
  { name: Type.Optional(Type.String()), ipaddresses: Type.Optional(Type.Array(IpInfoSchema)) },
  { additionalProperties: false },
);
export const RouterBodySchema = Type.Object(
  { router: Type.Object({ router_id: Type.String(), router_region: Type.Optional(Type.String()) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export const RuleIdParamsSchema = Type.Object({ resolverrule_id: Type.String() });

export const ListRulesQuerySchema = Type.Object({
  domain_name: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  endpoint_id: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  marker: Type.Optional(Type.String()),
  ...PageQuerySchema,
});

export const PageInfoSchema = Type.Object({ next_marker: Type.Optional(Type.String()), current_count: Type.Integer() });
export const LinksSchema = Type.Object({ self: Type.String(), next: Type.Optional(Type.String()) });

export const ListRulesResponseSchema = Type.Object({
  resolver_rules: Type.Array(ListResolverRuleSchema),
  links: LinksSchema,
  metadata: MetadataSchema,
  page_info: PageInfoSchema,
});

export const QueryLogConfigSchema = Type.Object(
  { id: Type.String(), lts_group_id: Type.String(), lts_topic_id: Type.String(), vpc_ids: Type.Array(Type.String()) },
  { $id: 'ResolverQueryLogConfig' },
);
export const QueryLogEnvelopeSchema = Type.Object({ resolver_query_log_config: QueryLogConfigSchema });
const VpcRefSchema = Type.Object({ vpc_id: Type.String(), vpc_region: Type.Optional(Type.String()) }, { additionalProperties: false });
export const CreateQueryLogBodySchema = Type.Object(
  { lts_group_id: Type.String(), lts_topic_id: Type.String(), vpc: VpcRefSchema },
  { additionalProperties: false },
);
export const QueryLogVpcBodySchema = Type.Object({ vpc: VpcRefSchema }, { additionalProperties: false });
export const QueryLogIdParamsSchema = Type.Object({ resolver_query_log_config_id: Type.String() });
export const ListQueryLogsQuerySchema = Type.Object({ limit: Type.Optional(Type.String()), marker: Type.Optional(Type.String()), vpc_id: Type.Optional(Type.String()) });
export const ListQueryLogsResponseSchema = Type.Object({ resolver_query_log_configs: Type.Array(QueryLogConfigSchema), page_info: PageInfoSchema });
