// JSON body parsing: SDKs send Content-Type: application/json on bodiless GET/DELETE, so empty is "no body".
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { invalidRequest } from '../../domain/errors.ts';

export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  // Only JSON is spoken: text/plain bodies get 415 rather than a confusing schema error.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      // Refuses __proto__ and constructor.prototype keys (prototype poisoning).
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (e) {
      done(invalidRequest(`The body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
}
