// Routes of the VPC v1 subset: /v1/{project_id}/vpcs and /v1/{project_id}/subnets.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../domain/errors.ts';
import type { Principal } from '../../services/context.ts';
import type { NetworkService } from '../../services/network-service.ts';
import { principalOf } from '../plugins/auth.ts';
import { errorResponses } from '../schemas/common.ts';
import {
  CreateSubnetBodySchema,
  CreateVpcBodySchema,
  ListNetworksQuerySchema,
  ProjectParamsSchema,
  SubnetParamsSchema,
  SubnetSchema,
  VpcParamsSchema,
  VpcSchema,
} from '../schemas/network.ts';
import { parsePage } from '../paging.ts';
import { subnetView, vpcView } from '../views.ts';

const MAX_NETWORK_LIMIT = 2000;
const VPC_FIELDS = { config: { fieldCodes: { name: 'VPC.0101', cidr: 'VPC.0101', description: 'VPC.0101', enterprise_project_id: 'VPC.0101' } as const } };
const SUBNET_FIELDS = {
  config: { fieldCodes: { name: 'VPC.0201', cidr: 'VPC.0201', gateway_ip: 'VPC.0201', vpc_id: 'VPC.0201', dhcp_enable: 'VPC.0201', primary_dns: 'VPC.0201', secondary_dns: 'VPC.0201', availability_zone: 'VPC.0201' } as const },
};

/** The project in the path must be the caller's own: any other project is invisible (404). */
function projectPrincipal(req: FastifyRequest, projectId: string): Principal {
  const p = principalOf(req);
  if (p.projectId !== projectId) throw new AppError('DNS.0404', `No project ${projectId}.`, 'project_id');
  return p;
}

export const networkRoutes =
  (networks: NetworkService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/v1/:project_id/vpcs',
      { ...VPC_FIELDS, schema: { operationId: 'CreateVpc', tags: ['vpc'], params: ProjectParamsSchema, body: CreateVpcBodySchema, response: { 200: Type.Object({ vpc: VpcSchema }), ...errorResponses } } },
      async (req) => {
        const v = req.body.vpc;
        return { vpc: vpcView(await networks.createVpc(projectPrincipal(req, req.params.project_id), { name: v.name, cidr: v.cidr, description: v.description })) };
      },
    );

    app.get(
      '/v1/:project_id/vpcs',
      {
        schema: {
          operationId: 'ListVpcs',
          tags: ['vpc'],
          params: ProjectParamsSchema,
          querystring: ListNetworksQuerySchema,
          response: { 200: Type.Object({ vpcs: Type.Array(VpcSchema) }), ...errorResponses },
        },
      },
      async (req) => {
        const page = parsePage({ limit: req.query.limit }, MAX_NETWORK_LIMIT);
        const result = await networks.listVpcs(projectPrincipal(req, req.params.project_id), page);
        return { vpcs: result.items.map(vpcView) };
      },
    );

    app.get(
      '/v1/:project_id/vpcs/:vpc_id',
      { schema: { operationId: 'ShowVpc', tags: ['vpc'], params: VpcParamsSchema, response: { 200: Type.Object({ vpc: VpcSchema }), ...errorResponses } } },
      async (req) => ({ vpc: vpcView(await networks.getVpc(projectPrincipal(req, req.params.project_id), req.params.vpc_id)) }),
    );

    app.delete('/v1/:project_id/vpcs/:vpc_id', { schema: { operationId: 'DeleteVpc', tags: ['vpc'], params: VpcParamsSchema, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
      await networks.deleteVpc(projectPrincipal(req, req.params.project_id), req.params.vpc_id);
      return reply.code(204).send(null);
    });

    app.post(
      '/v1/:project_id/subnets',
      {
        ...SUBNET_FIELDS,
        schema: {
          operationId: 'CreateSubnet',
          tags: ['vpc'],
          params: ProjectParamsSchema,
          body: CreateSubnetBodySchema,
          response: { 200: Type.Object({ subnet: SubnetSchema }), ...errorResponses },
        },
      },
      async (req) => {
        const s = req.body.subnet;
        const subnet = await networks.createSubnet(projectPrincipal(req, req.params.project_id), { name: s.name, cidr: s.cidr, gatewayIp: s.gateway_ip, vpcId: s.vpc_id });
        return { subnet: subnetView(subnet) };
      },
    );

    app.get(
      '/v1/:project_id/subnets',
      {
        schema: {
          operationId: 'ListSubnets',
          tags: ['vpc'],
          params: ProjectParamsSchema,
          querystring: ListNetworksQuerySchema,
          response: { 200: Type.Object({ subnets: Type.Array(SubnetSchema) }), ...errorResponses },
        },
      },
      async (req) => {
        const page = parsePage({ limit: req.query.limit }, MAX_NETWORK_LIMIT);
        // Terraform sends ?vpc_id= or ?vpcId= depending on its version (spec section 10).
        const vpcId = req.query.vpc_id ?? req.query.vpcId;
        const result = await networks.listSubnets(projectPrincipal(req, req.params.project_id), { vpcId }, page);
        return { subnets: result.items.map(subnetView) };
      },
    );

    app.get(
      '/v1/:project_id/subnets/:subnet_id',
      { schema: { operationId: 'ShowSubnet', tags: ['vpc'], params: SubnetParamsSchema, response: { 200: Type.Object({ subnet: SubnetSchema }), ...errorResponses } } },
      async (req) => ({ subnet: subnetView(await networks.getSubnet(projectPrincipal(req, req.params.project_id), req.params.subnet_id)) }),
    );

    app.delete(
      '/v1/:project_id/subnets/:subnet_id',
      { schema: { operationId: 'DeleteSubnet', tags: ['vpc'], params: SubnetParamsSchema, response: { 204: Type.Null(), ...errorResponses } } },
      async (req, reply) => {
        await networks.deleteSubnet(projectPrincipal(req, req.params.project_id), req.params.subnet_id);
        return reply.code(204).send(null);
      },
    );
  };
