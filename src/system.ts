// Assembles a running vpcdns from its parts (store, services, reconciler, data plane, API); main and tests use it.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './api/app.ts';
import type { Authenticator } from './api/plugins/auth.ts';
import { FailureLockout } from './auth/lockout.ts';
import type { ScryptParams } from './auth/password.ts';
import { TokenBucketRateLimiter } from './auth/rate-limit.ts';
import { SecretBox } from './auth/secret-box.ts';
import { DEFAULT_AUTH, type AuthSettings, type Config } from './config.ts';
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
import type { VpcContext } from './dataplane/types.ts';
import { buildVpcContexts, coalesce, type RoutingSettings } from './reconciler/route-sync.ts';
import { QueryLogService } from './services/query-log-service.ts';
import { RuleService } from './services/rule-service.ts';
import { MetricsRegistry } from './api/metrics-registry.ts';
import { PACKAGE_VERSION } from './api/plugins/openapi.ts';
import type { ReadinessChecks } from './api/routes/health.ts';
import type { DataPlaneStats } from './dataplane/stats.ts';
import { queueDepth } from './reconciler/queue-depth.ts';

export interface SystemOptions {
  store: Store;
  /**
   * The reconciler's own connection to the same database (PostgreSQL): with a shared pool, clients
   * polling in a tight loop would queue the reconciler's queries behind theirs. Closed with the system.
   */
  reconcilerStore?: Store;
  config: Pick<Config, 'region' | 'quotas' | 'bodyLimit' | 'sweepIntervalMs' | 'projects' | 'vpcs'> & { auth?: Partial<AuthSettings> };
  log: Logger;
  clock?: Clock;
  provisioner?: Provisioner;
  mode?: ProgressMode;
  /** Log HTTP requests through `log` (off in tests). */
  httpLog?: boolean;
  authenticators?: Authenticator[];
  /** Seals SKs at rest (main loads it from VPCDNS_SECRET_KEY or the key file); default: a key in memory. */
  secrets?: SecretBox;
  /** Cost of password hashes created here (tests use a cheap one). */
  scrypt?: ScryptParams;
  /** Where routing goes when what is ACTIVE changes (the data plane); none: routing is not served. */
  routing?: { target: RoutingTarget; settings: RoutingSettings };
  /** What /metrics adds to the API and reconciler figures: the data plane's counters, process figures (main turns them on). */
  metrics?: { dataPlane?: () => DataPlaneStats | Promise<DataPlaneStats>; process?: boolean };
  /** Readiness checks beyond the database and the reconciler (main: listeners bound). */
  readiness?: ReadinessChecks;
}

export interface RoutingTarget {
  /** May resolve later (worker processes); the refresh waits for it. */
  setVpcs(vpcs: readonly VpcContext[]): void | Promise<void>;
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
  const routing = o.routing;
  const refreshRouting = coalesce(
    async () => {
      if (routing) await routing.target.setVpcs(await buildVpcContexts(o.store, routing.settings));
    },
    (e) => o.log.error({ err: e }, 'routing refresh failed'),
  );
  const metrics: MetricsRegistry = new MetricsRegistry({
    version: PACKAGE_VERSION,
    process: o.metrics?.process,
    dataPlane: o.metrics?.dataPlane,
    reconciler: { stats: () => reconciler.stats, running: () => reconciler.isRunning(), pending: () => queueDepth(o.store) },
  });
  const reconciler = new Reconciler({
    onTransition: (kind, to, waitedMs) => metrics.observeTransition(kind, to, waitedMs),
    store: o.reconcilerStore ?? o.store,
    provisioner: o.provisioner ?? controlPlaneOnlyProvisioner,
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
    authenticators: o.authenticators,
    metrics,
    readiness: {
      database: () => o.store.ping(),
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
