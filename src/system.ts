// Assembles a running vpcdns from its parts (store, services, reconciler, data plane, API); main and tests use it.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './api/app.ts';
import type { Authenticator } from './api/plugins/auth.ts';
import { FailureLockout } from './auth/lockout.ts';
import type { ScryptParams } from './auth/password.ts';
import { TokenBucketRateLimiter } from './auth/rate-limit.ts';
import { SecretBox } from './auth/secret-box.ts';
import { DEFAULT_AUTH, parseUpstream, type AuthSettings, type Config, type VpcConfig } from './config.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import { controlPlaneOnlyProvisioner, type Provisioner } from './reconciler/provisioner.ts';
import { Reconciler, type ProgressMode } from './reconciler/reconciler.ts';
import { bootstrap, type BootstrapResult } from './services/bootstrap.ts';
import type { ServiceDeps } from './services/context.ts';
import { EndpointService } from './services/endpoint-service.ts';
import { AuthService } from './services/auth-service.ts';
import { CredentialService } from './services/credential-service.ts';
import { IdentityService } from './services/identity-service.ts';
import { NetworkService } from './services/network-service.ts';
import type { Store } from './store/types.ts';
import type { DnsDataPlane } from './dataplane/contract.ts';
import { dataPlaneProvisioner } from './reconciler/dataplane-provisioner.ts';
import { buildVpcContexts, coalesce, type RoutingSettings } from './reconciler/route-sync.ts';
import { QueryLogService } from './services/query-log-service.ts';
import { RuleService } from './services/rule-service.ts';
import { MetricsRegistry } from './api/metrics-registry.ts';
import { PACKAGE_VERSION } from './api/plugins/openapi.ts';
import type { ReadinessChecks } from './api/routes/health.ts';
import { queueDepth } from './reconciler/queue-depth.ts';

export interface SystemOptions {
  store: Store;
  /**
   * The reconciler's own connection to the same database (PostgreSQL): with a shared pool, clients
   * polling in a tight loop would queue the reconciler's queries behind theirs. Closed with the system.
   */
  reconcilerStore?: Store;
  config: Pick<Config, 'region' | 'quotas' | 'bodyLimit' | 'sweepIntervalMs' | 'projects' | 'vpcs'> & { auth?: Partial<AuthSettings>; apiTimeouts?: Config['apiTimeouts'] };
  log: Logger;
  clock?: Clock;
  /** How the reconciler makes addresses real; default: the data plane's listeners, else accepted as recorded. */
  provisioner?: Provisioner;
  mode?: ProgressMode;
  /** Log HTTP requests through `log` (off in tests). */
  httpLog?: boolean;
  authenticators?: Authenticator[];
  /** Seals SKs at rest (main loads it from VPCDNS_SECRET_KEY or the key file); default: a key in memory. */
  secrets?: SecretBox;
  /** Cost of password hashes created here (tests use a cheap one). */
  scrypt?: ScryptParams;
  /**
   * The DNS data plane this node serves (none: API only): the reconciler binds addresses in it, routing
   * built from ACTIVE rows goes to it (with `routing`), and /metrics reads its counters.
   */
  dataPlane?: DnsDataPlane;
  /** The deployment's routing settings; without them (or a data plane) routing is not pushed. */
  routing?: RoutingConfig;
  /** Process figures in /metrics (main turns them on, tests leave them off). */
  metrics?: { process?: boolean };
  /** Readiness checks beyond the database and the reconciler (main: listeners bound). */
  readiness?: ReadinessChecks;
}

/** Routing as configured: dns.upstreams, vpcs[].upstreams and query_log.dir (<dir>/<group>/<topic>.jsonl). */
export interface RoutingConfig {
  upstreams: readonly string[];
  vpcs: readonly Pick<VpcConfig, 'id' | 'upstreams'>[];
  queryLogDir: string;
}

/** What route-sync is handed: parsed upstreams, and query-log files whose folder is made when routing names it. */
function routingSettings(c: RoutingConfig): RoutingSettings {
  return {
    upstreams: c.upstreams.map(parseUpstream),
    vpcUpstreams: new Map(c.vpcs.flatMap((v) => (v.upstreams === undefined ? [] : [[v.id, v.upstreams.map(parseUpstream)] as const]))),
    queryLogFile(group, topic) {
      const dir = resolve(c.queryLogDir, group);
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      return join(dir, `${topic}.jsonl`);
    },
  };
}

export interface System {
  app: FastifyInstance;
  store: Store;
  reconciler: Reconciler;
  endpoints: EndpointService;
  networks: NetworkService;
  identity: IdentityService;
  credentials: CredentialService;
  auth: AuthService;
  rules: RuleService;
  queryLogs: QueryLogService;
  bootstrapped: BootstrapResult;
  metrics: MetricsRegistry;
  /** Rebuilds the data plane's routing from the store now (coalesced; resolves when applied). */
  refreshRouting(): Promise<void>;
  /** Stops the reconciler, then closes the API (in-flight requests finish) and the database. */
  close(): Promise<void>;
}

export async function createSystem(o: SystemOptions): Promise<System> {
  const clock = o.clock ?? systemClock;
  const { dataPlane, routing } = o;
  const refreshRouting = coalesce(
    async () => {
      // Settings are derived on each refresh, so that a bad upstream fails the refresh (logged), not the start.
      if (dataPlane && routing) await dataPlane.setVpcs(await buildVpcContexts(o.store, routingSettings(routing)));
    },
    (e) => o.log.error({ err: e }, 'routing refresh failed'),
  );
  const metrics: MetricsRegistry = new MetricsRegistry({
    version: PACKAGE_VERSION,
    process: o.metrics?.process,
    dataPlane,
    reconciler: { stats: () => reconciler.stats, running: () => reconciler.isRunning(), pending: () => queueDepth(o.store) },
  });
  const reconciler = new Reconciler({
    onTransition: (kind, to, waitedMs) => metrics.observeTransition(kind, to, waitedMs),
    store: o.reconcilerStore ?? o.store,
    provisioner: o.provisioner ?? (dataPlane ? dataPlaneProvisioner(dataPlane) : controlPlaneOnlyProvisioner),
    clock,
    log: o.log.child({ component: 'reconciler' }),
    mode: o.mode ?? 'auto',
    sweepIntervalMs: o.config.sweepIntervalMs,
    onChange: () => void refreshRouting(),
  });
  const deps: ServiceDeps = {
    store: o.store,
    clock,
    settings: { region: o.config.region, quotas: o.config.quotas },
    notify: (endpointId) => reconciler.notify(endpointId),
    routingChanged: () => void refreshRouting(),
  };
  const identity = new IdentityService(deps);
  const authSettings: AuthSettings = { ...DEFAULT_AUTH, ...o.config.auth };
  const credentials = new CredentialService({ store: o.store, clock, secrets: o.secrets ?? SecretBox.ephemeral(), scrypt: o.scrypt });
  const auth = new AuthService({
    store: o.store,
    clock,
    credentials,
    region: o.config.region,
    tokenTtlMs: authSettings.tokenTtlMs,
    lockout: new FailureLockout(clock),
    loginLimiter: authSettings.loginRateLimit && new TokenBucketRateLimiter(clock, { ratePerSecond: authSettings.loginRateLimit.perSecond, burst: authSettings.loginRateLimit.burst }),
  });
  const networks = new NetworkService(deps);
  const endpoints = new EndpointService(deps);
  const rules = new RuleService(deps);
  const queryLogs = new QueryLogService(deps);
  const bootstrapped = await bootstrap(deps, identity, networks, o.config, credentials);
  const app = await buildApp({
    endpoints,
    networks,
    identity,
    rules,
    queryLogs,
    region: o.config.region,
    auth,
    rateLimiter: authSettings.rateLimit && new TokenBucketRateLimiter(clock, { ratePerSecond: authSettings.rateLimit.perSecond, burst: authSettings.rateLimit.burst }),
    log: o.httpLog ? o.log : false,
    bodyLimit: o.config.bodyLimit,
    timeouts: o.config.apiTimeouts,
    authenticators: o.authenticators,
    metrics,
    readiness: {
      database: () => o.store.probe(),
      reconciler: () => {
        if (!reconciler.isRunning()) throw new Error('not running');
      },
      ...o.readiness,
    },
  });
  await reconciler.start();
  return {
    app,
    store: o.store,
    reconciler,
    endpoints,
    networks,
    identity,
    rules,
    queryLogs,
    credentials,
    auth,
    bootstrapped,
    metrics,
    refreshRouting,
    async close() {
      await app.close();
      await reconciler.stop();
      await o.reconcilerStore?.close();
      await o.store.close();
    },
  };
}
