// Authentication hooks: resolve the request's principal from its headers (X-Auth-Token) or, once the body is read, its signature (AK/SK).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.ts';
import type { Principal } from '../../services/context.ts';

/** Each way of authenticating resolves a request to a principal, or returns null when it does not apply. */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | null>;

/**
 * An authenticator that needs the raw body (a signature covers it): it claims a request by its headers before the
 * body is read, and decides after; `authenticate` throws its own 401 (with the reason) instead of returning null.
 */
export interface BodyAuthenticator {
  claims(request: FastifyRequest): boolean;
  authenticate(request: FastifyRequest): Promise<Principal>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Set in onRequest when a body authenticator claimed the request; it runs in preValidation. */
    pendingAuth: BodyAuthenticator | null;
  }
}

export const authFailed = () => new AppError('APIGW.0301', 'Send a valid X-Auth-Token header or an SDK-HMAC-SHA256 signature.');

/**
 * Every route but the public paths (and what is under them) requires a principal: the first header authenticator that
 * answers wins; else a body authenticator that claims the request decides once the body is read (preValidation, before
 * any schema check or handler); else 401 before the body is read.
 */
export function registerAuth(
  app: FastifyInstance,
  authenticators: readonly Authenticator[],
  publicPaths: readonly string[],
  bodyAuthenticators: readonly BodyAuthenticator[] = [],
): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('pendingAuth', null);
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
    const claimant = bodyAuthenticators.find((a) => a.claims(request));
    if (!claimant) throw authFailed();
    request.pendingAuth = claimant;
  });
  // Most requests have nothing pending here: no promise for them.
  app.addHook('preValidation', (request, _reply, done) => {
    const pending = request.pendingAuth;
    if (!pending) return done();
    request.pendingAuth = null;
    pending.authenticate(request).then((principal) => {
      request.principal = principal;
      done();
    }, done);
  });
}

/** The principal of an authenticated request (routes run only after the hook set it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw authFailed();
  return request.principal;
}
