// TypeBox schemas of the resolver-rule API (R1-R7) and the query-logging API (Q1-Q6), as on the wire.
import { Type } from '@sinclair/typebox';
import { DOMAIN_NAME_PATTERN, DOMAIN_NAME_RULE } from '../../domain/domain-name.ts';
import { UNICAST_IPV4_PATTERN } from '../../domain/ipam.ts';
import { MAX_RULE_TARGETS } from '../../services/rule-service.ts';
import { MetadataSchema, NameSchema, PageQuerySchema, ResourceIdSchema, VpcIdSchema } from './common.ts';

export const DomainNameSchema = Type.String({ pattern: DOMAIN_NAME_PATTERN, description: DOMAIN_NAME_RULE });

/**
 * A log group is a folder under query_log.dir and a topic a JSON-lines file in it: each id is a single path segment
 * (no '/', and never '.' or '..' since it starts with a letter or digit).
 */
export const LogIdSchema = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
  description: "1-128 letters, digits, '_', '-', '.', starting with a letter or digit",
});

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
  {
    ip: Type.String({ pattern: UNICAST_IPV4_PATTERN, description: 'a unicast IPv4 address' }),
    // null, like an absent port, means 53.
    port: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 65535, description: 'an integer from 1 to 65535' }), Type.Null()])),
  },
  { additionalProperties: false },
);
const TargetsSchema = Type.Array(IpInfoSchema, { minItems: 1, maxItems: MAX_RULE_TARGETS, description: `a list of 1 to ${MAX_RULE_TARGETS} target DNS servers` });

export const CreateRuleBodySchema = Type.Object(
  { name: NameSchema, domain_name: DomainNameSchema, endpoint_id: ResourceIdSchema, ipaddresses: TargetsSchema },
  { additionalProperties: false },
);
export const UpdateRuleBodySchema = Type.Object({ name: Type.Optional(NameSchema), ipaddresses: Type.Optional(TargetsSchema) }, { additionalProperties: false });
export const RouterBodySchema = Type.Object(
  { router: Type.Object({ router_id: VpcIdSchema, router_region: Type.Optional(Type.String()) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export const RuleIdParamsSchema = Type.Object({ resolverrule_id: ResourceIdSchema });

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
const VpcRefSchema = Type.Object({ vpc_id: VpcIdSchema, vpc_region: Type.Optional(Type.String()) }, { additionalProperties: false });
export const CreateQueryLogBodySchema = Type.Object(
  { lts_group_id: LogIdSchema, lts_topic_id: LogIdSchema, vpc: VpcRefSchema },
  { additionalProperties: false },
);
export const QueryLogVpcBodySchema = Type.Object({ vpc: VpcRefSchema }, { additionalProperties: false });
export const QueryLogIdParamsSchema = Type.Object({ resolver_query_log_config_id: ResourceIdSchema });
export const ListQueryLogsQuerySchema = Type.Object({ limit: Type.Optional(Type.String()), marker: Type.Optional(Type.String()), vpc_id: Type.Optional(Type.String()) });
export const ListQueryLogsResponseSchema = Type.Object({ resolver_query_log_configs: Type.Array(QueryLogConfigSchema), page_info: PageInfoSchema });
