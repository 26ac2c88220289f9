// Routes of the resolver-rule API (R1-R7) and the query-logging API (Q1-Q6).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { QueryLogService } from '../../services/query-log-service.ts';
import type { RuleService } from '../../services/rule-service.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses } from '../schemas/common.ts';
import {
  CreateQueryLogBodySchema,
  CreateRuleBodySchema,
  ListQueryLogsQuerySchema,
  ListQueryLogsResponseSchema,
  ListRulesQuerySchema,
  ListRulesResponseSchema,
  QueryLogEnvelopeSchema,
  QueryLogIdParamsSchema,
  QueryLogVpcBodySchema,
  ResolverRuleSchema,
  RouterBodySchema,
  RouterSchema,
  RuleIdParamsSchema,
  ShowResolverRuleSchema,
  UpdateRuleBodySchema,
} from '../schemas/rule.ts';
import { parsePage } from '../paging.ts';
import { queryLogView, routerView, ruleListView, ruleShowView, ruleView } from '../views.ts';

/** The documented code of each field's schema failure (docs/errors.md). */
const RULE_FIELDS = {
  config: {
    fieldCodes: { resolverrule_id: 'DNS.1601', name: 'DNS.1605', domain_name: 'DNS.1603', endpoint_id: 'DNS.1509', ipaddresses: 'DNS.1604', ip: 'DNS.1604', port: 'DNS.1604', router_id: 'DNS.0701', router_region: 'DNS.0601' },
  } as const,
};
const QUERY_LOG_FIELDS = {
  config: { fieldCodes: { resolver_query_log_config_id: 'DNS.1701', lts_group_id: 'DNS.1703', lts_topic_id: 'DNS.1703', vpc_id: 'DNS.0701', vpc_region: 'DNS.0601' } } as const,
};

/** The URL the client used, and the same URL pointing at the page after `marker` (no offset). */
function pageLinks(req: FastifyRequest, nextMarker: string | undefined) {
  const self = new URL(req.url, `${req.protocol}://${req.host}`);
  if (nextMarker === undefined) return { self: self.toString() };
  const next = new URL(self);
  next.searchParams.delete('offset');
  next.searchParams.set('marker', nextMarker);
  return { self: self.toString(), next: next.toString() };
}

export const ruleRoutes =
  (rules: RuleService, queryLogs: QueryLogService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const accepted = { 202: Type.Object({ resolver_rule: ResolverRuleSchema }), ...errorResponses };
    const routerAccepted = { 202: RouterSchema, ...errorResponses };

    app.post('/v2.1/resolverrules', { ...RULE_FIELDS, schema: { operationId: 'CreateResolverRule', tags: ['rules'], body: CreateRuleBodySchema, response: accepted } }, async (req, reply) => {
      const rule = await rules.createResolverRule(principalOf(req), req.body);
      return reply.code(202).send({ resolver_rule: ruleView(rule) });
    });

    app.get(
      '/v2.1/resolverrules',
      { ...RULE_FIELDS, schema: { operationId: 'ListResolverRules', tags: ['rules'], querystring: ListRulesQuerySchema, response: { 200: ListRulesResponseSchema, ...errorResponses } } },
      async (req) => {
        const page = parsePage(req.query);
        const { domain_name, name, endpoint_id, id, marker } = req.query;
        const result = await rules.listResolverRules(principalOf(req), { domain_name, name, endpoint_id, id }, { ...page, marker: marker || undefined });
        const last = result.items.at(-1);
        const nextMarker = result.more && last ? last.id : undefined;
        return {
          resolver_rules: result.items.map(ruleListView),
          links: pageLinks(req, nextMarker),
          metadata: { total_count: result.total },
          page_info: { ...(nextMarker ? { next_marker: nextMarker } : {}), current_count: result.items.length },
        };
      },
    );

    app.get(
      '/v2.1/resolverrules/:resolverrule_id',
      { ...RULE_FIELDS, schema: { operationId: 'ShowResolverRule', tags: ['rules'], params: RuleIdParamsSchema, response: { 200: Type.Object({ resolver_rule: ShowResolverRuleSchema }), ...errorResponses } } },
      async (req) => ({ resolver_rule: ruleShowView(await rules.showResolverRule(principalOf(req), req.params.resolverrule_id)) }),
    );

    app.put(
      '/v2.1/resolverrules/:resolverrule_id',
      { ...RULE_FIELDS, schema: { operationId: 'UpdateResolverRule', tags: ['rules'], params: RuleIdParamsSchema, body: UpdateRuleBodySchema, response: accepted } },
      async (req, reply) => reply.code(202).send({ resolver_rule: ruleView(await rules.updateResolverRule(principalOf(req), req.params.resolverrule_id, req.body)) }),
    );

    app.delete(
      '/v2.1/resolverrules/:resolverrule_id',
      { ...RULE_FIELDS, schema: { operationId: 'DeleteResolverRule', tags: ['rules'], params: RuleIdParamsSchema, response: accepted } },
      async (req, reply) => reply.code(202).send({ resolver_rule: ruleView(await rules.deleteResolverRule(principalOf(req), req.params.resolverrule_id)) }),
    );

    app.post(
      '/v2.1/resolverrules/:resolverrule_id/associaterouter',
      { ...RULE_FIELDS, schema: { operationId: 'AssociateResolverRuleRouter', tags: ['rules'], params: RuleIdParamsSchema, body: RouterBodySchema, response: routerAccepted } },
      async (req, reply) => reply.code(202).send(routerView(await rules.associateRouter(principalOf(req), req.params.resolverrule_id, req.body))),
    );

    app.post(
      '/v2.1/resolverrules/:resolverrule_id/disassociaterouter',
      { ...RULE_FIELDS, schema: { operationId: 'DisassociateResolverRuleRouter', tags: ['rules'], params: RuleIdParamsSchema, body: RouterBodySchema, response: routerAccepted } },
      async (req, reply) => reply.code(202).send(routerView(await rules.disassociateRouter(principalOf(req), req.params.resolverrule_id, req.body))),
    );

    const qlAccepted = { 202: QueryLogEnvelopeSchema, ...errorResponses };

    app.post(
      '/v2/resolver/queryloggingconfig',
      { ...QUERY_LOG_FIELDS, schema: { operationId: 'CreateResolverQueryLogConfig', tags: ['query-logging'], body: CreateQueryLogBodySchema, response: qlAccepted } },
      async (req, reply) => reply.code(202).send({ resolver_query_log_config: queryLogView(await queryLogs.createQueryLogConfig(principalOf(req), req.body)) }),
    );

    app.get(
      '/v2/resolver/queryloggingconfig',
      {
        ...QUERY_LOG_FIELDS,
        schema: { operationId: 'ListResolverQueryLogConfigs', tags: ['query-logging'], querystring: ListQueryLogsQuerySchema, response: { 200: ListQueryLogsResponseSchema, ...errorResponses } },
      },
      async (req) => {
        const { limit } = parsePage({ limit: req.query.limit });
        const result = await queryLogs.listQueryLogConfigs(principalOf(req), { vpcId: req.query.vpc_id }, { limit, marker: req.query.marker || undefined });
        const last = result.items.at(-1);
        return {
          resolver_query_log_configs: result.items.map(queryLogView),
          page_info: { ...(result.more && last ? { next_marker: last.id } : {}), current_count: result.items.length },
        };
      },
    );

    app.get(
      '/v2/resolver/queryloggingconfig/:resolver_query_log_config_id',
      { ...QUERY_LOG_FIELDS, schema: { operationId: 'ShowResolverQueryLogConfig', tags: ['query-logging'], params: QueryLogIdParamsSchema, response: { 200: QueryLogEnvelopeSchema, ...errorResponses } } },
      async (req) => ({ resolver_query_log_config: queryLogView(await queryLogs.showQueryLogConfig(principalOf(req), req.params.resolver_query_log_config_id)) }),
    );

    app.delete(
      '/v2/resolver/queryloggingconfig/:resolver_query_log_config_id',
      { ...QUERY_LOG_FIELDS, schema: { operationId: 'DeleteResolverQueryLogConfig', tags: ['query-logging'], params: QueryLogIdParamsSchema, response: { 204: Type.Null(), ...errorResponses } } },
      async (req, reply) => {
        await queryLogs.deleteQueryLogConfig(principalOf(req), req.params.resolver_query_log_config_id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/v2/resolver/queryloggingconfig/:resolver_query_log_config_id/associatevpc',
      { ...QUERY_LOG_FIELDS, schema: { operationId: 'AssociateResolverQueryLogConfig', tags: ['query-logging'], params: QueryLogIdParamsSchema, body: QueryLogVpcBodySchema, response: qlAccepted } },
      async (req, reply) =>
        reply.code(202).send({ resolver_query_log_config: queryLogView(await queryLogs.associateVpc(principalOf(req), req.params.resolver_query_log_config_id, req.body)) }),
    );

    app.post(
      '/v2/resolver/queryloggingconfig/:resolver_query_log_config_id/disassociatevpc',
      { ...QUERY_LOG_FIELDS, schema: { operationId: 'DisassociateResolverQueryLogConfig', tags: ['query-logging'], params: QueryLogIdParamsSchema, body: QueryLogVpcBodySchema, response: qlAccepted } },
      async (req, reply) =>
        reply.code(202).send({ resolver_query_log_config: queryLogView(await queryLogs.disassociateVpc(principalOf(req), req.params.resolver_query_log_config_id, req.body)) }),
    );
  };
