// Liveness (/healthz) and readiness (/readyz) for load balancers and orchestrators; no credentials.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

/** A named readiness check: resolves when ready, throws with the reason otherwise. */
export type ReadinessChecks = Readonly<Record<string, () => Promise<void> | void>>;

const HealthSchema = Type.Object({ status: Type.Literal('ok') });
const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  /** Each check's result: "ok" or why it failed. */
  checks: Type.Record(Type.String(), Type.String()),
  reason: Type.Optional(Type.String({ description: 'The first failed check and why' })),
});

export async function runChecks(checks: ReadinessChecks): Promise<{ ok: boolean; results: Record<string, string>; reason?: string }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, string]> => {
      try {
        await check();
        return [name, 'ok'];
      } catch (e) {
        return [name, (e as Error).message || 'failed'];
      }
    }),
  );
  const failed = entries.find(([, result]) => result !== 'ok');
  return { ok: !failed, results: Object.fromEntries(entries), ...(failed ? { reason: `${failed[0]}: ${failed[1]}` } : {}) };
}

export const healthRoutes =
  (checks: ReadinessChecks): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/healthz',
      { schema: { operationId: 'Healthz', tags: ['operations'], summary: 'The process is alive', response: { 200: HealthSchema } } },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        schema: {
          operationId: 'Readyz',
          tags: ['operations'],
          summary: 'Ready for traffic: database reachable, reconciler running, listeners bound',
          response: { 200: ReadySchema, 503: ReadySchema },
        },
      },
      async (_req, reply) => {
        const r = await runChecks(checks);
        if (r.ok) return { status: 'ready' as const, checks: r.results };
        return reply.code(503).send({ status: 'unavailable' as const, checks: r.results, reason: r.reason });
      },
    );
  };
