// Authentication hook: resolves the request's principal (X-Auth-Token today; AK/SK slots in beside it).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.ts';
import type { Principal } from '../../services/context.ts';

/** Each way of authenticating resolves a request to a principal, or returns null when it does not apply. */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | null>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const authFailed = () => new AppError('APIGW.0301', 'Send a valid X-Auth-Token header or an SDK-HMAC-SHA256 signature.');

/** Every route under the given prefixes requires a principal; the first authenticator that answers wins. */
export function registerAuth(app: FastifyInstance, authenticators: readonly Authenticator[], publicPaths: readonly string[]): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    if (publicPaths.some((p) => path === p || path.startsWith(`${p}/`))) return;
    for (const authenticate of authenticators) {
      const principal = await authenticate(request);
      if (principal) {
        request.principal = principal;
        return;
      }
    }
    throw authFailed();
  });
}

/** The principal of an authenticated request (routes run only after the hook set it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw authFailed();
  return request.principal;
}
