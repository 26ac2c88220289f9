// The OpenAPI 3.1 document generated from the route schemas (GET /openapi.json) and a browsable reference (/docs).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';

export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

/** Public paths of this plugin (no credentials needed): the document and the reference with its assets. */
export const OPENAPI_PUBLIC_PATHS = [OPENAPI_PATH, DOCS_PREFIX] as const;

/** A route as registered (HEAD routes Fastify adds for GETs included), for the test that every route is documented. */
export interface RegisteredRoute {
  method: string;
  url: string;
  operationId?: string;
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route added after registerOpenApi, in order. */
    registeredRoutes: RegisteredRoute[];
  }
}

const DESCRIPTION = [
  'vpcdns: a self-hosted VPC DNS resolver service. The /v2.1 and /v2 routes are wire-compatible with Huawei Cloud DNS',
  '(resolver endpoints, resolver rules, query logging); /v1/{project_id} is the subset of the Huawei VPC v1 API that',
  'clients use to create and read networks; /v3/auth/tokens issues and revokes IAM-style tokens.',
  'Authenticate with X-Auth-Token, or sign requests with an access key (SDK-HMAC-SHA256, as the Huawei Cloud SDKs do).',
].join(' ');

/**
 * Registers @fastify/swagger (it collects every route added after it, so call this before the routes) and the
 * reference UI, whose assets are served from the npm package (no CDN).
 */
export async function registerOpenApi(app: FastifyInstance, o: { version: string; publicPaths: readonly string[] }): Promise<void> {
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    const schema = r.schema as { operationId?: string; hide?: boolean } | undefined;
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, operationId: schema?.operationId, hidden: schema?.hide === true });
  });
  const isPublic = (url: string) => o.publicPaths.some((p) => url === p || url.startsWith(`${p}/`));
  await app.register(swagger, {
    // Public routes need no credentials: say so per operation (an empty requirement overrides the global one).
    // Shared schemas keep their TypeBox $id as their component name (EndpointResp, Error, ...).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url }) => ({ schema: isPublic(url) && schema ? ({ ...schema, security: [] } as typeof schema) : schema, url }),
    openapi: {
      openapi: '3.1.0',
      info: { title: 'vpcdns API', version: o.version, description: DESCRIPTION },
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'A project token (config file, first start, or POST /v3/auth/tokens).' },
          aksk: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=... with X-Sdk-Date (and X-Project-Id), as the Huawei Cloud SDKs sign.',
          },
        },
      },
      security: [{ token: [] }, { aksk: [] }],
      tags: [
        { name: 'endpoints', description: 'Resolver endpoints and their IP addresses (Huawei DNS v2.1)' },
        { name: 'rules', description: 'Resolver rules and their VPC associations (Huawei DNS v2.1)' },
        { name: 'query-logging', description: 'Resolver query-logging configurations (Huawei DNS v2)' },
        { name: 'vpc', description: 'VPCs and subnets (Huawei VPC v1 subset)' },
        { name: 'iam', description: 'Tokens (Huawei IAM v3 subset)' },
        { name: 'operations', description: 'Health, readiness and metrics (no credentials)' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true }, staticCSP: true });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
