// Routes of the endpoint API (E1-E9): validate, call the endpoint service, translate to the wire.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EndpointService } from '../../services/endpoint-service.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses } from '../schemas/common.ts';
import {
  BindIpBodySchema,
  CreateEndpointBodySchema,
  EndpointEnvelopeSchema,
  EndpointIdParamsSchema,
  IpaddressIdParamsSchema,
  ListEndpointVpcsQuerySchema,
  ListEndpointVpcsResponseSchema,
  ListEndpointsQuerySchema,
  ListEndpointsResponseSchema,
  ListIpaddressesQuerySchema,
  ListIpaddressesResponseSchema,
  UpdateEndpointBodySchema,
} from '../schemas/endpoint.ts';
import { parsePage } from '../paging.ts';
import { endpointView, endpointVpcView, ipaddressView } from '../views.ts';

/** The documented code of each field's schema failure (docs/errors.md). */
const ENDPOINT_FIELDS = {
  config: {
    fieldCodes: { name: 'DNS.1501', direction: 'DNS.1503', region: 'DNS.0601', ipaddresses: 'DNS.1514', 'ipaddresses[]': 'DNS.1502', subnet_id: 'DNS.1502', ip: 'DNS.1515', endpoint_id: 'DNS.1509' },
  } as const,
};

export const endpointRoutes =
  (endpoints: EndpointService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const accepted = { 202: EndpointEnvelopeSchema, ...errorResponses };

    app.post('/v2.1/endpoints', { ...ENDPOINT_FIELDS, schema: { operationId: 'CreateEndpoint', tags: ['endpoints'], body: CreateEndpointBodySchema, response: accepted } }, async (req, reply) => {
      const ep = await endpoints.createEndpoint(principalOf(req), req.body);
      return reply.code(202).send({ endpoint: endpointView(ep) });
    });

    app.get(
      '/v2.1/endpoints',
      { ...ENDPOINT_FIELDS, schema: { operationId: 'ListEndpoints', tags: ['endpoints'], querystring: ListEndpointsQuerySchema, response: { 200: ListEndpointsResponseSchema, ...errorResponses } } },
      async (req) => {
        const { direction, vpc_id, name } = req.query;
        const page = parsePage(req.query);
        const result = await endpoints.listEndpoints(principalOf(req), { direction, vpcId: vpc_id, name }, page);
        return { endpoints: result.items.map(endpointView), metadata: { total_count: result.total } };
      },
    );

    app.get(
      '/v2.1/endpoints/:endpoint_id',
      { ...ENDPOINT_FIELDS, schema: { operationId: 'ShowEndpoint', tags: ['endpoints'], params: EndpointIdParamsSchema, response: { 200: EndpointEnvelopeSchema, ...errorResponses } } },
      async (req) => ({ endpoint: endpointView(await endpoints.showEndpoint(principalOf(req), req.params.endpoint_id)) }),
    );

    app.put(
      '/v2.1/endpoints/:endpoint_id',
      { ...ENDPOINT_FIELDS, schema: { operationId: 'UpdateEndpoint', tags: ['endpoints'], params: EndpointIdParamsSchema, body: UpdateEndpointBodySchema, response: accepted } },
      async (req, reply) => {
        const ep = await endpoints.updateEndpoint(principalOf(req), req.params.endpoint_id, req.body);
        return reply.code(202).send({ endpoint: endpointView(ep) });
      },
    );

    app.delete(
      '/v2.1/endpoints/:endpoint_id',
      { ...ENDPOINT_FIELDS, schema: { operationId: 'DeleteEndpoint', tags: ['endpoints'], params: EndpointIdParamsSchema, response: accepted } },
      async (req, reply) => {
        const ep = await endpoints.deleteEndpoint(principalOf(req), req.params.endpoint_id);
        return reply.code(202).send({ endpoint: endpointView(ep) });
      },
    );

    app.post(
      '/v2.1/endpoints/:endpoint_id/ipaddresses',
      { ...ENDPOINT_FIELDS, schema: { operationId: 'AssociateEndpointIpaddress', tags: ['endpoints'], params: EndpointIdParamsSchema, body: BindIpBodySchema, response: accepted } },
      async (req, reply) => {
        const ep = await endpoints.bindIpAddress(principalOf(req), req.params.endpoint_id, req.body);
        return reply.code(202).send({ endpoint: endpointView(ep) });
      },
    );

    app.get(
      '/v2.1/endpoints/:endpoint_id/ipaddresses',
      {
        ...ENDPOINT_FIELDS,
        schema: {
          operationId: 'ListEndpointIpaddresses',
          tags: ['endpoints'],
          params: EndpointIdParamsSchema,
          querystring: ListIpaddressesQuerySchema,
          response: { 200: ListIpaddressesResponseSchema, ...errorResponses },
        },
      },
      async (req) => {
        // Huawei documents no parameters here; OTC documents status/limit/offset, so they are honoured.
        const page = parsePage(req.query);
        const all = await endpoints.listIpAddresses(principalOf(req), req.params.endpoint_id);
        const matching = req.query.status ? all.filter((a) => a.status === req.query.status) : all;
        return { ipaddresses: matching.slice(page.offset, page.offset + page.limit).map(ipaddressView) };
      },
    );

    app.delete(
      '/v2.1/endpoints/:endpoint_id/ipaddresses/:ipaddress_id',
      { ...ENDPOINT_FIELDS, schema: { operationId: 'DisassociateEndpointIpaddress', tags: ['endpoints'], params: IpaddressIdParamsSchema, response: accepted } },
      async (req, reply) => {
        const ep = await endpoints.unbindIpAddress(principalOf(req), req.params.endpoint_id, req.params.ipaddress_id);
        return reply.code(202).send({ endpoint: endpointView(ep) });
      },
    );

    app.get(
      '/v2.1/vpcs',
      { ...ENDPOINT_FIELDS, schema: { operationId: 'ListEndpointVpcs', tags: ['endpoints'], querystring: ListEndpointVpcsQuerySchema, response: { 200: ListEndpointVpcsResponseSchema, ...errorResponses } } },
      async (req) => {
        const page = parsePage(req.query);
        const result = await endpoints.listEndpointVpcs(principalOf(req), req.query.vpc_id, page);
        return { vpcs: result.items.map(endpointVpcView), metadata: { total_count: result.total } };
      },
    );
  };
