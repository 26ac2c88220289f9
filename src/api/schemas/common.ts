// Schemas shared by several routes: error body, paging metadata, id params.
import { Type } from '@sinclair/typebox';

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
