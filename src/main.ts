// Process entry: the `vpcdns` command. `serve` wires config, store, data plane, reconciler and API, and shuts down cleanly.
import { Command } from 'commander';
import type { Logger } from 'pino';
import { adminCommand } from './cli/admin.ts';
import { clientCommands, usageExitCodes } from './cli/client-commands.ts';
import { loadConfig, type CliSettings, type Config } from './config.ts';
import { ClusterDataPlane } from './dataplane/cluster.ts';
import type { DnsDataPlane } from './dataplane/contract.ts';
import { DataPlane } from './dataplane/data-plane.ts';
import { makeLogger } from './logging.ts';
import { DEMO } from './services/bootstrap.ts';
import { loadSecretKey } from './services/secret-key.ts';
import { checkListeners } from './readiness.ts';
import { openStore } from './store/open.ts';
import { createSystem, type System } from './system.ts';
import { ROLES } from './cluster-config.ts';


export async function serve(cli: CliSettings): Promise<System> {
  const config = loadConfig(cli);
  // Nodes, reports and placement are stored (cluster-config.ts, store.nodes), but a process still runs every role;
  // refuse a split it would not honour. The legacy dns.enabled: false (api and reconciler, no listeners) stays.
  const legacyNoDns = !config.dns.enabled && config.node.roles.size === 2 && !config.node.roles.has('dns');
  if (config.node.roles.size !== ROLES.length && !legacyNoDns) {
    throw new Error(`--roles ${[...config.node.roles].join(',')}: this version runs every role (api,reconciler,dns) in each process; separate roles are not served yet`);
  }
  const log = makeLogger({ level: config.logLevel, pretty: config.logPretty, buffered: true });
  const pgOptions = {
    pgStatementTimeoutMs: config.postgres.statementTimeoutMs,
    pgConnectTimeoutMs: config.postgres.connectTimeoutMs,
    onPoolError: (err: Error) => log.warn({ err: err.message }, 'PostgreSQL idle connection failed; the pool replaces it'),
  };
  const store = await openStore(config.db, { ...pgOptions, pgPoolSize: config.postgres.poolSize });
  const reconcilerStore = store.dialect === 'postgres' ? await openStore(config.db, { ...pgOptions, pgPoolSize: 2, pgAsyncCommit: true }) : undefined;
  const secretKey = await loadSecretKey(config.auth, store);
  if (secretKey.created) log.info({ file: secretKey.created }, 'created the key that seals access-key secrets: keep it with the database');
  if (secretKey.warning) log.warn(secretKey.warning);
  const dataPlane = config.dns.enabled ? await startDataPlane(config, log) : null;
  // Ready for traffic once the API and the DNS listeners the database asks for are bound; not while shutting down.
  let serving: 'starting' | 'serving' | 'shutting down' = 'starting';
  const sys = await createSystem({
    store,
    reconcilerStore,
    config,
    log,
    httpLog: true,
    metrics: { process: true },
    readiness: {
      listeners: async () => {
        if (serving !== 'serving') throw new Error(serving);
        if (dataPlane) await checkListeners(dataPlane, store);
      },
    },
    secrets: secretKey.box,
    ...(dataPlane ? { dataPlane, routing: { upstreams: config.dns.upstreams, vpcs: config.vpcs, queryLogDir: config.queryLogDir } } : {}),
  });
  await sys.refreshRouting();
  if (dataPlane) await bindVpcResolvers(dataPlane, config, log);
  const address = await sys.app.listen({ host: config.listen.host, port: config.listen.port });
  serving = 'serving';
  log.info({ address, db: store.dialect, dnsPort: dataPlane ? config.dns.port : null }, 'vpcdns is serving');
  const demo = sys.bootstrapped.demo;
  if (demo) {
    // Printed once, on the start that created the demo project; only the token's digest and the sealed SK are stored.
    // To stderr: stdout carries the JSON log, which log shippers keep; credentials must not land there.
    process.stderr.write(
      [
        '',
        'First start: created project "default" with a demo VPC and subnet.',
        `  project id : ${demo.projectId}`,
        `  token      : ${demo.token}   (shown only now; save it)`,
        `  access key : ${demo.accessKey}`,
        `  secret key : ${demo.secretKey}   (shown only now; save it)`,
        `  subnet     : ${demo.subnetId} (${DEMO.subnetCidr} on loopback)`,
        '',
        'Try it:',
        `  export TOKEN=${demo.token}`,
        `  curl -s -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' ${address}/v2.1/endpoints \\`,
        `    -d '{"name":"ib-01","direction":"inbound","region":"${config.region}","ipaddresses":[{"subnet_id":"${demo.subnetId}"},{"subnet_id":"${demo.subnetId}"}]}'`,
        '',
        'Or with the CLI, in another terminal (docs/operations.md):',
        `  export VPCDNS_URL=${address} VPCDNS_TOKEN=${demo.token}`,
        `  npx vpcdns endpoint create ib-01 --direction inbound --address ${demo.subnetId} --address ${demo.subnetId} --wait`,
        '',
        'Or sign requests with the access key, as the Huawei Cloud SDKs do (docs/auth.md):',
        `  new BasicCredentials().withAk('${demo.accessKey}').withSk(process.env.SK).withProjectId('${demo.projectId}')  // endpoint ${address}`,
        '',
      ].join('\n'),
    );
  }
  // With --listen HOST:0 the system picks the port: say which whatever the log level (after the banner, so that a
  // reader of this line has the banner too).
  if (config.listen.port === 0) process.stdout.write(`vpcdns API on ${address}\n`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    serving = 'shutting down';
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    void (async () => {
      try {
        await sys.close();
        await dataPlane?.close();
        log.info('stopped');
        process.exit(0);
      } catch (e) {
        log.error({ err: e }, 'unclean shutdown');
        process.exit(1);
      }
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return sys;
}

/**
 * A VPC may name a resolver address (what hosts inside the VPC use, like a cloud's built-in DNS); it is
 * served on the same port and resolves in the VPC's context. A failure is logged, not fatal: the API and
 * the endpoints' listeners keep working.
 */
async function bindVpcResolvers(dataPlane: DnsDataPlane, config: Config, log: Logger): Promise<void> {
  for (const vpc of config.vpcs) {
    if (!vpc.resolver_ip) continue;
    try {
      await dataPlane.bindListener(vpc.resolver_ip, vpc.id);
      log.info({ vpc: vpc.id, resolver: `${vpc.resolver_ip}:${config.dns.port}` }, 'VPC resolver listening');
    } catch (e) {
      log.error({ vpc: vpc.id, resolver: vpc.resolver_ip, err: (e as Error).message }, 'VPC resolver cannot listen');
    }
  }
}

/** The DNS data plane: in this process, or spread over worker processes (dns.workers > 1). */
async function startDataPlane(config: Config, log: Logger): Promise<DnsDataPlane> {
  const d = config.dns;
  const options = {
    port: d.port,
    cacheSize: d.cacheSize,
    queryTimeoutMs: d.queryTimeoutMs,
    maxAttempts: d.maxAttempts,
    maxInFlight: d.maxInFlight,
    maxHops: d.maxHops,
    forwardTcpOverTcp: d.forwardTcpOverTcp,
    tcpIdleTimeoutMs: d.tcpIdleTimeoutMs,
    tcpFrameTimeoutMs: d.tcpFrameTimeoutMs,
    tcpMaxConnections: d.tcpMaxConnections,
    tcpMaxPipelined: d.tcpMaxPipelined,
    tcpWriteHighWaterBytes: d.tcpWriteHighWaterBytes,
    tcpMaxQueuedBytes: d.tcpMaxQueuedBytes,
    udpIo: d.udpIo,
    identity: d.identity,
    version: d.version,
    passClientSubnet: d.passClientSubnet,
    cacheBytes: d.cacheBytes,
    cacheMaxEntryBytes: d.cacheMaxEntryBytes,
    udpMaxQueryBytes: d.udpMaxQueryBytes,
  };
  const dlog = log.child({ component: 'dataplane' });
  if (d.workers <= 1) return new DataPlane({ ...options, log: dlog });
  const plane = await ClusterDataPlane.start({ workers: d.workers, init: { options, logLevel: config.logLevel }, log: dlog });
  dlog.info({ workers: d.workers }, 'DNS workers started');
  return plane;
}

export function buildCli(): Command {
  const program = new Command('vpcdns').description('Self-hosted VPC DNS resolver service (Huawei Cloud DNS compatible API)');
  program
    .command('serve')
    .description('serve the API, the reconciler and the DNS data plane')
    .option('--listen <host:port>', 'API address (default 127.0.0.1:8053)')
    .option('--db <path-or-url>', 'SQLite file, :memory:, or postgres:// URL (default ./data/vpcdns.sqlite; DATABASE_URL also works)')
    .option('--config <file>', 'YAML or JSON configuration file (VPCDNS_CONFIG also works)')
    .option('--dns-port <port>', 'port of every DNS listener (default 53)')
    .option('--dns-workers <n>', 'DNS worker processes; 1 serves DNS in the main process (default: cores - 1, at least 1)')
    .option('--log-level <level>', 'trace, debug, info, warn, error (default info)')
    .option('--log-pretty', 'human-readable logs for a terminal')
    .action(async (opts: CliSettings) => {
      await serve(opts);
    });
  program.addCommand(adminCommand());
  for (const command of clientCommands()) program.addCommand(command);
  usageExitCodes(program);
  return program;
}

const isEntry = process.argv[1] !== undefined && /(main\.ts|vpcdns(\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  buildCli()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`vpcdns: ${(e as Error).message}\n`);
      process.exit(2);
    });
}
