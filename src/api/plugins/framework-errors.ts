// Errors raised by the framework and the HTTP parser (bad URLs, oversized parameters or headers, timeouts, parser
// failures) mapped to catalog codes, and the raw answer for the ones no request object exists for.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError } from 'fastify';
import type { Logger } from 'pino';
import type {
  AppError} from '../../domain/errors.ts';
import {
  bodyTooLarge,
  emptyRequest,
  headersTooLarge,
  invalidRequest,
  paramTooLong,
  quoted,
  requestTimeout,
  routeNotFound,
  unsupportedMediaType,
} from '../../domain/errors.ts';
import { randomHex32 } from '../../domain/ids.ts';

/** The wire body of every error (spec section 8.1). */
export function errorBody(err: AppError, requestId: string) {
  return { code: err.code, message: err.message, error_code: err.code, error_msg: err.message, request_id: requestId };
}

/** Fastify's own errors (router, parser, size, media type, static files) mapped to catalog codes; null: unexpected. */
export function frameworkError(e: FastifyError, bodyLimit: number, url = ''): AppError | null {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(String(e.message.split(': ').pop() ?? ''));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return emptyRequest('The body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest('Content-Length does not match the body.');
    case 'FST_ERR_BAD_URL':
      return invalidRequest(`The path ${quoted(url)} has a bad percent-encoding.`);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return paramTooLong(100);
  }
  if (e instanceof SyntaxError || (e.statusCode === 400 && /JSON/i.test(e.message))) {
    return invalidRequest(`The body is not valid JSON: ${quoted(e.message)}`);
  }
  // @fastify/static refuses a path that escapes its root with 403 and a missing file with 404: neither exists.
  if (e.statusCode === 403 || e.statusCode === 404) return routeNotFound('GET', url);
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return invalidRequest('The request is malformed.');
  return null;
}

/** Errors of a client that went away: nothing can be answered, and they are not the server's fault. */
export function isClientAbort(e: { code?: string; message?: string }): boolean {
  return e.code === 'ECONNRESET' || e.code === 'ECONNABORTED' || e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.message === 'aborted';
}

/**
 * The HTTP server's `clientError`: the parser refused the bytes, the headers are too large, or the request did not
 * arrive within requestTimeout. There is no request yet, so the answer is written to the socket, in the wire shape
 * with a fresh request id, and the connection closed.
 */
export function clientErrorHandler(log: Logger | null) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (isClientAbort(err) || socket.destroyed) return;
    const appError =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? requestTimeout()
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? headersTooLarge()
          : invalidRequest('The HTTP request is malformed.');
    const id = randomHex32();
    log?.info({ reqId: id, code: appError.code, parserError: err.code }, 'client error');
    // Never after a response has started on this socket: that would corrupt it for the client.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const body = JSON.stringify(errorBody(appError, id));
      socket.write(
        `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
