// JSON body parsing: SDKs send Content-Type: application/json on bodiless GET/DELETE, so empty is "no body".
// The exact bytes are kept on the request (rawBody): an SDK-HMAC-SHA256 signature covers them, not the parsed value.
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { invalidRequest } from '../../domain/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, when one was parsed; null otherwise (the signature then covers the empty body). */
    rawBody: Buffer | null;
  }
}

/** The parser's complaint without the excerpt of the body V8 quotes, which could be a password. */
function describeJsonError(e: unknown): string {
  const position = /position (\d+)/.exec(String((e as Error).message))?.[1];
  return position === undefined ? 'The body is not valid JSON.' : `The body is not valid JSON (error at byte ${position}).`;
}

export function registerJsonParser(app: FastifyInstance): void {
  app.decorateRequest('rawBody', null);
  app.removeContentTypeParser('application/json');
  // Only JSON is spoken: text/plain bodies get 415 rather than a confusing schema error.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    const text = (body as Buffer).toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      // Refuses __proto__ and constructor.prototype keys (prototype poisoning).
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (e) {
      done(invalidRequest(describeJsonError(e)), undefined);
    }
  });
}
