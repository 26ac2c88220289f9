// The one error renderer: AppError, schema failures and framework errors all leave in the wire shape.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, bodyTooLarge, emptyRequest, invalidRequest, quoted, routeNotFound, storeUnavailable, unsupportedMediaType, type ErrorCode } from '../../domain/errors.ts';
import { RETRY_AFTER_SECONDS, storeUnavailableReason } from '../../store/unavailable.ts';

interface SchemaIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** With Ajv's `verbose` (app.ts): the value at fault and the schema it failed. */
  data?: unknown;
  parentSchema?: { description?: string };
}

/**
 * Which documented code a schema failure on a given field becomes, by the field's own name (`ip` for
 * "ipaddresses[1].ip"), or `name[]` for an item of a list; a field without one gives DNS.0002.
 */
export type FieldCodes = Readonly<Record<string, ErrorCode>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Codes for schema failures of this route's fields, e.g. { name: 'VPC.0101' }. */
    fieldCodes?: FieldCodes;
  }
}

const NO_FIELD_CODES: FieldCodes = {};

/**
 * Turns the first schema failure into an AppError naming the field, e.g. "ipaddresses[1].ip". A field whose schema
 * describes its rule is reported as "<field> must be <description>; got <value>".
 */
export function schemaError(issue: SchemaIssue, context: string, codes: FieldCodes = NO_FIELD_CODES): AppError {
  const path = issue.instancePath
    .split('/')
    .filter(Boolean)
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
    .join('')
    .replace(/^\./, '');
  if (issue.keyword === 'additionalProperties') {
    const extra = String(issue.params.additionalProperty);
    return invalidRequest(`Unknown field ${path ? `${path}.` : ''}${extra} in the ${context}.`, path ? `${path}.${extra}` : extra);
  }
  if (issue.keyword === 'required') {
    const missing = String(issue.params.missingProperty);
    const field = path ? `${path}.${missing}` : missing;
    const code = codes[missing];
    return code ? new AppError(code, `${field} is required.`, field) : invalidRequest(`${field} is required in the ${context}.`, field);
  }
  if (path === '') {
    return context === 'body' ? emptyRequest(`The body must be a JSON object (${issue.message ?? 'invalid'}).`) : invalidRequest(`Invalid ${context}.`);
  }
  // An item of a list ("ipaddresses[1]") may have its own code, declared as "ipaddresses[]".
  const leaf = path.replace(/\[\d+\]$/, '').split('.').pop()!.replace(/\[\d+\]/g, '');
  const code = (/\]$/.test(path) ? codes[`${leaf}[]`] : undefined) ?? codes[leaf];
  const rule = issue.parentSchema?.description;
  const detail = rule ? `${path} must be ${rule}; got ${quoted(issue.data)}.` : `${path} ${issue.message ?? 'is invalid'}.`;
  return code ? new AppError(code, detail, path) : invalidRequest(detail, path);
}

/** Fastify's own errors (parser, size, media type) mapped to catalog codes. */
function frameworkError(e: FastifyError, bodyLimit: number): AppError | null {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(String(e.message.split(': ').pop() ?? ''));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return emptyRequest('The body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest('Content-Length does not match the body.');
  }
  if (e instanceof SyntaxError || (e.statusCode === 400 && /JSON/i.test(e.message))) {
    return invalidRequest(`The body is not valid JSON: ${e.message}`);
  }
  if (e.statusCode === 400 && e.code?.startsWith('FST_ERR')) return invalidRequest(e.message);
  return null;
}

export function sendError(reply: FastifyReply, request: FastifyRequest, err: AppError): FastifyReply {
  return reply
    .code(err.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ code: err.code, message: err.message, error_code: err.code, error_msg: err.message, request_id: request.id });
}

export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let appError: AppError | null = null;
    if (error instanceof AppError) appError = error;
    else if (error.validation && error.validation.length > 0) appError = schemaError(error.validation[0] as SchemaIssue, error.validationContext ?? 'request', request.routeOptions.config?.fieldCodes);
    else appError = frameworkError(error, bodyLimit);
    if (appError) {
      request.log.info({ code: appError.code, field: appError.field }, appError.message);
      return sendError(reply, request, appError);
    }
    // The database down, its connection lost, or its disk full: nothing was committed; the client may retry.
    const unavailable = storeUnavailableReason(error);
    if (unavailable !== null) {
      request.log.warn({ err: error, reason: unavailable }, 'store unavailable');
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendError(reply, request, storeUnavailable(`The database cannot take the request now (${unavailable}). Retry after ${RETRY_AFTER_SECONDS} s.`));
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, request, new AppError('DNS.0001', `Quote request id ${request.id} when reporting this.`));
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, request, routeNotFound(request.method, request.url.split('?')[0]!)));
}

