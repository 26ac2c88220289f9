// The one error renderer: AppError, schema failures and framework errors all leave in the wire shape.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, MAX_ECHOED_CHARS, emptyRequest, invalidRequest, quoted, routeNotFound, storeUnavailable, type ErrorCode } from '../../domain/errors.ts';
import { RETRY_AFTER_SECONDS, storeUnavailableReason } from '../../store/unavailable.ts';
import { errorBody, frameworkError, isClientAbort } from './framework-errors.ts';

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
    // A field name is the client's text too: a 60 KB one is quoted cut short, like any value.
    const name = String(issue.params.additionalProperty);
    const extra = name.length <= MAX_ECHOED_CHARS ? name : quoted(name);
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

export function sendError(reply: FastifyReply, request: FastifyRequest, err: AppError): FastifyReply {
  return reply
    .code(err.status)
    .header('content-type', 'application/json; charset=utf-8')
    .header('x-request-id', request.id)
    .send(errorBody(err, request.id));
}

export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let appError: AppError | null = null;
    if (error instanceof AppError) appError = error;
    else if (error.validation && error.validation.length > 0) appError = schemaError(error.validation[0] as SchemaIssue, error.validationContext ?? 'request', request.routeOptions.config?.fieldCodes);
    else appError = frameworkError(error, bodyLimit, request.url.split('?')[0]);
    if (appError) {
      request.log.info({ code: appError.code, field: appError.field }, appError.message);
      return sendError(reply, request, appError);
    }
    // A client that went away mid-body (the store's own connection errors are not this: its socket is still open).
    if (request.raw.socket?.destroyed && isClientAbort(error)) {
      request.log.info({ code: error.code }, 'client aborted');
      return reply;
    }
    // The database down, its connection lost, or its disk full: the client may retry (a connection lost during
    // COMMIT leaves the outcome unknown, so a client reads before it repeats a create).
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

