// TypeBox schemas of the VPC v1 subset (VPCs and subnets) that clients use to create and read networks.
import { Type } from '@sinclair/typebox';

export const VpcSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  cidr: Type.String(),
  status: Type.String(),
  routes: Type.Array(Type.Object({})),
  enterprise_project_id: Type.String(),
  tenant_id: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const CreateVpcBodySchema = Type.Object(
  {
    vpc: Type.Object(
      {
        name: Type.String(),
        cidr: Type.Optional(Type.String()),
        description: Type.Optional(Type.String({ maxLength: 255 })),
        enterprise_project_id: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const SubnetSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  cidr: Type.String(),
  gateway_ip: Type.String(),
  vpc_id: Type.String(),
  neutron_subnet_id: Type.String(),
  neutron_network_id: Type.String(),
  status: Type.String(),
  dhcp_enable: Type.Boolean(),
  tenant_id: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const CreateSubnetBodySchema = Type.Object(
  {
    subnet: Type.Object(
      {
        name: Type.String(),
        cidr: Type.String(),
        gateway_ip: Type.Optional(Type.String()),
        vpc_id: Type.String(),
        dhcp_enable: Type.Optional(Type.Boolean()),
        primary_dns: Type.Optional(Type.String()),
        secondary_dns: Type.Optional(Type.String()),
        availability_zone: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const ProjectParamsSchema = Type.Object({ project_id: Type.String() });
export const VpcParamsSchema = Type.Object({ project_id: Type.String(), vpc_id: Type.String() });
export const SubnetParamsSchema = Type.Object({ project_id: Type.String(), subnet_id: Type.String() });
export const ListNetworksQuerySchema = Type.Object({ limit: Type.Optional(Type.String()), vpc_id: Type.Optional(Type.String()), vpcId: Type.Optional(Type.String()) });
