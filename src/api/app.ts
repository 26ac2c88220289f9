// buildApp(deps): the Fastify application with its plugins and routes. It never listens by itself.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { randomHex32 } from '../domain/ids.ts';
import type { EndpointService } from '../services/endpoint-service.ts';
import type { TokenBucketRateLimiter } from '../auth/rate-limit.ts';
import type { AuthService } from '../services/auth-service.ts';
import type { IdentityService } from '../services/identity-service.ts';
import type { NetworkService } from '../services/network-service.ts';
import { akskAuthenticator } from './plugins/aksk-auth.ts';
import { registerAuth, type Authenticator } from './plugins/auth.ts';
import { registerErrorHandling, sendError } from './plugins/errors.ts';
import { clientErrorHandler, frameworkError } from './plugins/framework-errors.ts';
import { invalidRequest } from '../domain/errors.ts';
import { DEFAULTS } from '../config.ts';
import { registerJsonParser } from './plugins/json-body.ts';
import { OPENAPI_PUBLIC_PATHS, PACKAGE_VERSION, registerOpenApi } from './plugins/openapi.ts';
import { healthRoutes, type ReadinessChecks } from './routes/health.ts';
import { MetricsRegistry } from './metrics-registry.ts';
import { registerMetrics } from './plugins/metrics.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { iamRoutes } from './routes/iam.ts';
import { networkRoutes } from './routes/networks.ts';
import { registerRateLimit } from './plugins/rate-limit.ts';
import { ruleRoutes } from './routes/rules.ts';
import { consoleRoutes } from './routes/console.ts';
import type { QueryLogService } from '../services/query-log-service.ts';
import type { RuleService } from '../services/rule-service.ts';

export interface AppDeps {
  endpoints: EndpointService;
  networks: NetworkService;
  identity: IdentityService;
  /** Password logins, revocation, AK/SK signatures. */
  auth: AuthService;
  /** Per-project request limit (403 DNS.0014 beyond it); none: unlimited. */
  rateLimiter?: TokenBucketRateLimiter | null;
  rules: RuleService;
  queryLogs: QueryLogService;
  /** The region the console offers when it creates endpoints. */
  region?: string;
  log?: Logger | false;
  bodyLimit?: number;
  /** Extra authenticators tried after X-Auth-Token (AK/SK signatures). */
  authenticators?: Authenticator[];
  /** Readiness checks behind /readyz (database, reconciler, listeners): each resolves when ready. */
  readiness?: ReadinessChecks;
  /** Behind /metrics; default: API request figures only. */
  metrics?: MetricsRegistry;
  /** Connection and request timeouts (config `api_timeouts`); default API_TIMEOUTS. */
  timeouts?: ApiTimeouts;
}

export interface ApiTimeouts {
  /** The whole request, headers and body, must arrive within this (408 DNS.0408, connection closed). */
  requestMs: number;
  /** A connection on which no byte moves for this long is closed. */
  idleMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
}

export const API_TIMEOUTS: ApiTimeouts = DEFAULTS.apiTimeouts;

// POST /v3/auth/tokens is the login; DELETE takes the token to revoke in X-Subject-Token, which is its own proof.
export const PUBLIC_PATHS = ['/healthz', '/readyz', '/metrics', ...OPENAPI_PUBLIC_PATHS, '/v3/auth/tokens', '/console'] as const;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  return buildTypedApp(deps) as unknown as Promise<FastifyInstance>;
}

async function buildTypedApp(deps: AppDeps) {
  const bodyLimit = deps.bodyLimit ?? 1024 * 1024;
  const timeouts = deps.timeouts ?? API_TIMEOUTS;
  const app = Fastify({
    ...(deps.log ? { loggerInstance: deps.log as unknown as FastifyBaseLogger } : { logger: false }),
    bodyLimit,
    genReqId: () => randomHex32(),
    requestIdHeader: false,
    // vpcdns logs one line per request itself (onResponse below), with project and route.
    logController: new LogController({ disableRequestLogging: true }),
    // Strict bodies: no coercion ("5" stays a string), unknown fields are refused rather than dropped. `verbose` hands
    // the error renderer the value at fault and its schema's description (plugins/errors.ts).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, verbose: true } },
    return503OnClosing: true,
    // Fastify's defaults are 0 (none): a body at 1 byte per 2 s stayed open. Node checks requestTimeout on this
    // interval, so a slow request is cut within requestMs plus at most a tenth of it.
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: timeouts.requestMs, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(timeouts.requestMs / 10))) },
    // Errors before any route runs, and the HTTP parser's, leave in the wire shape with a request id (framework-errors.ts).
    frameworkErrors: (error, request, reply) => sendError(reply, request, frameworkError(error, bodyLimit, request.url) ?? invalidRequest('The request is malformed.')),
    clientErrorHandler: clientErrorHandler(deps.log || null),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Hooks that do not wait for anything take `done` rather than return a promise: one fewer promise and turn of the
  // microtask queue each, on every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  // The request line holds only these scalar fields, never a header or a body, so it skips the redaction every other
  // line goes through (src/logging.ts), which cost more than the rest of the line; reqId is what request.log binds.
  const requestLog = deps.log ? deps.log.child({}, { redact: { paths: [], censor: '' } }) : null;
  app.addHook('onResponse', (request, reply, done) => {
    requestLog?.info(
      {
        reqId: request.id,
        method: request.method,
        route: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        project: request.principal?.projectId,
      },
      'request',
    );
    done();
  });
  registerErrorHandling(app, bodyLimit);
  registerJsonParser(app);

  const tokenAuth: Authenticator = async (request) => {
    const token = request.headers['x-auth-token'];
    return typeof token === 'string' ? deps.identity.authenticateToken(token) : null;
  };
  registerAuth(app, [tokenAuth, ...(deps.authenticators ?? [])], PUBLIC_PATHS, [akskAuthenticator(deps.auth, bodyLimit)]);
  if (deps.rateLimiter) registerRateLimit(app, deps.rateLimiter);

  // Before every route: the document is collected from the routes as they are added.
  await registerOpenApi(app as unknown as FastifyInstance, { version: PACKAGE_VERSION, publicPaths: PUBLIC_PATHS });
  registerMetrics(app as unknown as FastifyInstance, deps.metrics ?? new MetricsRegistry({ version: PACKAGE_VERSION }));
  await app.register(healthRoutes(deps.readiness ?? {}));

  await app.register(endpointRoutes(deps.endpoints));
  await app.register(networkRoutes(deps.networks));
  await app.register(iamRoutes(deps.auth));
  await app.register(ruleRoutes(deps.rules, deps.queryLogs));
  await app.register(consoleRoutes(deps.region ?? 'ap-southeast-1'));
  return app;
}
