// AK/SK authentication (SDK-HMAC-SHA256): claims requests with an Authorization header, verifies them over the raw URL and body.
import type { FastifyRequest } from 'fastify';
import { bodyTooLarge } from '../../domain/errors.ts';
import type { AuthService } from '../../services/auth-service.ts';
import type { BodyAuthenticator } from './auth.ts';

/**
 * Fastify never reads the body of a GET, but a signature covers it: the Node SDK sends `{}` with some GETs (its IAM
 * calls). Such a body is read here, up to the body limit; a parsed body was kept by the JSON parser.
 */
async function bodyOf(request: FastifyRequest, bodyLimit: number): Promise<Buffer | undefined> {
  if (request.rawBody) return request.rawBody;
  const raw = request.raw;
  const length = Number(raw.headers['content-length'] ?? 0);
  if ((length === 0 && raw.headers['transfer-encoding'] === undefined) || raw.readableEnded || raw.readableDidRead) return undefined;
  if (length > bodyLimit) throw bodyTooLarge(bodyLimit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw) {
    size += (chunk as Buffer).length;
    if (size > bodyLimit) throw bodyTooLarge(bodyLimit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function akskAuthenticator(auth: AuthService, bodyLimit: number): BodyAuthenticator {
  return {
    claims: (request) => request.headers.authorization !== undefined,
    async authenticate(request) {
      const result = await auth.verifySignature({
        method: request.method,
        // The URL as sent (not re-serialised), the headers as received, the body bytes as received.
        rawUrl: request.raw.url ?? request.url,
        headers: request.headers,
        body: await bodyOf(request, bodyLimit),
      });
      if (result.ok) return result.principal;
      // Which AK and why go to the log (operators need them); the caller gets only the public message.
      request.log.info(result.log, 'AK/SK signature refused');
      throw result.error;
    },
  };
}
