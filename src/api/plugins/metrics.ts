// GET /metrics (Prometheus text format, no credentials) and the hook that counts every API request by route and status.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { MetricsRegistry } from '../metrics-registry.ts';

export const METRICS_PATH = '/metrics';

/** Requests that matched no route share one label, so scanners cannot grow the label set. */
const UNMATCHED = 'unmatched';

/** Register before the routes, so that the hook sees all of them. */
export function registerMetrics(app: FastifyInstance, metrics: MetricsRegistry): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime);
    done();
  });
  app.get(
    METRICS_PATH,
    {
      schema: {
        operationId: 'Metrics',
        tags: ['operations'],
        summary: 'Prometheus metrics: API requests, reconciler, data plane (docs/operations.md lists them)',
        response: { 200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  );
}
