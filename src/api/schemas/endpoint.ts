// TypeBox schemas of the endpoint API (E1-E9): requests and responses, as on the wire.
import { Type } from '@sinclair/typebox';
import { IPV4_PATTERN } from '../../domain/ipam.ts';
import { MAX_ADDRESSES, MIN_ADDRESSES } from '../../services/endpoint-service.ts';
import { DIRECTIONS, type Direction } from '../../store/types.ts';
import { MetadataSchema, NameSchema, NullableString, PageQuerySchema, ResourceIdSchema } from './common.ts';

export const DirectionSchema = Type.Unsafe<Direction>(Type.String({ enum: [...DIRECTIONS], description: '"inbound" or "outbound"' }));

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
    subnet_id: Type.String({ minLength: 1, description: 'the id of a subnet of the project' }),
    // "" and null ask for an allocated address, as an absent ip does.
    ip: Type.Optional(Type.Union([Type.String({ pattern: `^$|${IPV4_PATTERN}`, description: 'a dotted-quad IPv4 address, or "" to allocate one' }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const CreateEndpointBodySchema = Type.Object(
  {
    name: NameSchema,
    direction: DirectionSchema,
    region: Type.String(),
    ipaddresses: Type.Array(IpaddressInfoSchema, {
      minItems: MIN_ADDRESSES,
      maxItems: MAX_ADDRESSES,
      description: `a list of ${MIN_ADDRESSES} to ${MAX_ADDRESSES} addresses`,
    }),
  },
  { additionalProperties: false },
);

export const UpdateEndpointBodySchema = Type.Object({ name: NameSchema }, { additionalProperties: false });

export const BindIpBodySchema = Type.Object({ ipaddress: IpaddressInfoSchema }, { additionalProperties: false });

export const EndpointIdParamsSchema = Type.Object({ endpoint_id: ResourceIdSchema });
export const IpaddressIdParamsSchema = Type.Object({ endpoint_id: ResourceIdSchema, ipaddress_id: Type.String() });

export const ListEndpointsQuerySchema = Type.Object({
  // Required: the SDKs send it.
  direction: DirectionSchema,
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
