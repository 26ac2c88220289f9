// Schemas shared by several routes: error body, paging metadata, id params.
import { Type } from '@sinclair/typebox';
import { RESOURCE_ID_PATTERN, UUID_PATTERN } from '../../domain/ids.ts';
import { IPV4_PATTERN } from '../../domain/ipam.ts';
import { NAME_PATTERN, NAME_RULE } from '../../domain/names.ts';

export const ErrorSchema = Type.Object(
  {
    code: Type.String({ description: 'Error code, e.g. DNS.1510' }),
    message: Type.String(),
    error_code: Type.String({ description: 'Same as code (read by the Go and Node SDKs)' }),
    error_msg: Type.String({ description: 'Same as message' }),
    request_id: Type.String(),
  },
  { $id: 'Error' },
);

export const MetadataSchema = Type.Object({ total_count: Type.Integer() });

/** limit/offset arrive as strings and are parsed by parsePage, which reports DNS.0006/DNS.0017. */
export const PageQuerySchema = {
  limit: Type.Optional(Type.String()),
  offset: Type.Optional(Type.String()),
};

export const NullableString = Type.Union([Type.String(), Type.Null()]);

export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  413: ErrorSchema,
  500: ErrorSchema,
};

// Field rules, declared once: each schema's `description` is the rule in words, which a failure message quotes
// ("name must be <description>; got ..."), so a field's pattern and its explanation stay side by side.

/** A user-chosen name (endpoints, rules). */
export const NameSchema = Type.String({ pattern: NAME_PATTERN, description: NAME_RULE });
/** A DNS resource id (endpoint, rule, query-logging configuration). */
export const ResourceIdSchema = Type.String({ pattern: RESOURCE_ID_PATTERN, description: 'a 32-character lowercase hex id' });
/** A VPC id (the VPC v1 API hands out UUIDs). */
export const VpcIdSchema = Type.String({ pattern: UUID_PATTERN, description: 'a VPC id (a UUID)' });
export const Ipv4Schema = Type.String({ pattern: IPV4_PATTERN, description: 'a dotted-quad IPv4 address' });
