// Per-project request rate limit: a token bucket per project, checked once the caller is known (403 DNS.0014 beyond it).
import type { FastifyInstance } from 'fastify';
import type { TokenBucketRateLimiter } from '../../auth/rate-limit.ts';
import { rateLimited } from '../../domain/errors.ts';

/** Register after registerAuth: hooks of one kind run in order, so the principal is known by then, whichever way it authenticated. */
export function registerRateLimit(app: FastifyInstance, limiter: TokenBucketRateLimiter): void {
  app.addHook('preValidation', (request, reply, done) => {
    const projectId = request.principal?.projectId;
    if (projectId === undefined || limiter.take(projectId)) return done();
    reply.header('Retry-After', '1');
    done(rateLimited());
  });
}
