// TypeBox schemas of the endpoint API (E1-E9): requests and responses, as on the wire.
import { Type } from '@sinclair/typebox';
import { MetadataSchema, NullableString, PageQuerySchema } from './common.ts';

export const EndpointSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    direction: Type.String(),
    status: Type.String(),
    vpc_id: NullableString,
    ipaddress_count: Type.Integer(),
    resolver_rule_count: Type.Integer(),
    create_time: Type.String(),
    update_time: Type.String(),
  },
  { $id: 'EndpointResp' },
);

export const EndpointEnvelopeSchema = Type.Object({ endpoint: EndpointSchema });

export const IpaddressInfoSchema = Type.Object(
  {
    subnet_id: Type.String(),
    ip: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);

export const CreateEndpointBodySchema = Type.Object(
  {
    name: Type.String(),
    direction: Type.String(),
    region: Type.String(),
    ipaddresses: Type.Array(IpaddressInfoSchema),
  },
  { additionalProperties: false },
);

export const UpdateEndpointBodySchema = Type.Object({ name: Type.String() }, { additionalProperties: false });

export const BindIpBodySchema = Type.Object({ ipaddress: IpaddressInfoSchema }, { additionalProperties: false });

export const EndpointIdParamsSchema = Type.Object({ endpoint_id: Type.String() });
export const IpaddressIdParamsSchema = Type.Object({ endpoint_id: Type.String(), ipaddress_id: Type.String() });

export const ListEndpointsQuerySchema = Type.Object({
  direction: Type.Optional(Type.String()),
  vpc_id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  ...PageQuerySchema,
});

export const ListEndpointsResponseSchema = Type.Object({ endpoints: Type.Array(EndpointSchema), metadata: MetadataSchema });

export const IpaddressSchema = Type.Object(
  {
    id: Type.String(),
    ip: Type.String(),
    subnet_id: Type.String(),
    status: Type.String(),
    error_info: NullableString,
    create_time: Type.String(),
    update_time: Type.String(),
  },
  { $id: 'IpaddressesData' },
);

export const ListIpaddressesQuerySchema = Type.Object({ status: Type.Optional(Type.String()), ...PageQuerySchema });
export const ListIpaddressesResponseSchema = Type.Object({ ipaddresses: Type.Array(IpaddressSchema) });

export const ListEndpointVpcsQuerySchema = Type.Object({ vpc_id: Type.Optional(Type.String()), ...PageQuerySchema });
export const VpcsDataSchema = Type.Object({ id: Type.String(), inbound_endpoint_count: Type.Integer(), outbound_endpoint_count: Type.Integer() });
export const ListEndpointVpcsResponseSchema = Type.Object({ vpcs: Type.Array(VpcsDataSchema), metadata: MetadataSchema });
