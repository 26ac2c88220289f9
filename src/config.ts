// The only place the configuration file, command-line settings and environment variables are read.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { AuthConfigSchema, authSettings, type AuthSettings } from './auth-config.ts';
import { ClusterConfigSchema, nodeSettings, type NodeSettings } from './cluster-config.ts';

export { DEFAULT_AUTH, type AuthSettings, type RateSetting } from './auth-config.ts';

const SubnetConfigSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    cidr: Type.String(),
    gateway_ip: Type.String(),
    neutron_subnet_id: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const VpcConfigSchema = Type.Object(
  {
    id: Type.String(),
    project_id: Type.String(),
    name: Type.String(),
    cidr: Type.String(),
    description: Type.Optional(Type.String()),
    subnets: Type.Optional(Type.Array(SubnetConfigSchema)),
    resolver_ip: Type.Optional(Type.String()),
    upstreams: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

const UserConfigSchema = Type.Object({ name: Type.String({ minLength: 1 }), password: Type.String({ minLength: 8 }) }, { additionalProperties: false });

const AccessKeyConfigSchema = Type.Object(
  { access: Type.String({ minLength: 8 }), secret: Type.String({ minLength: 16 }), description: Type.Optional(Type.String()) },
  { additionalProperties: false },
);

const ProjectConfigSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    tokens: Type.Optional(Type.Array(Type.String({ minLength: 16 }))),
    users: Type.Optional(Type.Array(UserConfigSchema)),
    access_keys: Type.Optional(Type.Array(AccessKeyConfigSchema)),
  },
  { additionalProperties: false },
);

export const ConfigFileSchema = Type.Object(
  {
    listen: Type.Optional(Type.String()),
    db: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    body_limit: Type.Optional(Type.Integer({ minimum: 1024 })),
    api_timeouts: Type.Optional(
      Type.Object(
        {
          request_ms: Type.Optional(Type.Integer({ minimum: 100 })),
          idle_ms: Type.Optional(Type.Integer({ minimum: 100 })),
          keep_alive_ms: Type.Optional(Type.Integer({ minimum: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    log_level: Type.Optional(Type.String()),
    roles: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
    node_name: Type.Optional(Type.String()),
    cluster: Type.Optional(ClusterConfigSchema),
    quotas: Type.Optional(
      Type.Object(
        {
          inbound_endpoints: Type.Optional(Type.Integer({ minimum: 0 })),
          outbound_endpoints: Type.Optional(Type.Integer({ minimum: 0 })),
          resolver_rules: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
    query_log: Type.Optional(Type.Object({ dir: Type.Optional(Type.String()) }, { additionalProperties: false })),
    reconciler: Type.Optional(
      Type.Object({ sweep_interval_ms: Type.Optional(Type.Integer({ minimum: 100 })) }, { additionalProperties: false }),
    ),
    dns: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          serve_cidrs: Type.Optional(Type.Array(Type.String())),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
          upstreams: Type.Optional(Type.Array(Type.String())),
          cache_size: Type.Optional(Type.Integer({ minimum: 0 })),
          query_timeout_ms: Type.Optional(Type.Integer({ minimum: 10 })),
          max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
          max_in_flight: Type.Optional(Type.Integer({ minimum: 1 })),
          max_hops: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
          forward_tcp_over_tcp: Type.Optional(Type.Boolean()),
          tcp_idle_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
          tcp_frame_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
          tcp_max_connections: Type.Optional(Type.Integer({ minimum: 1 })),
          tcp_max_pipelined: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
          tcp_write_high_water_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
          tcp_max_queued_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
          workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
          udp_io: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('native'), Type.Literal('node')])),
          identity: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          version: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
          pass_client_subnet: Type.Optional(Type.Boolean()),
          cache_bytes: Type.Optional(Type.Integer({ minimum: 65536 })),
          cache_max_entry_bytes: Type.Optional(Type.Integer({ minimum: 512 })),
          udp_max_query_bytes: Type.Optional(Type.Integer({ minimum: 512, maximum: 65535 })),
        },
        { additionalProperties: false },
      ),
    ),
    auth: Type.Optional(AuthConfigSchema),
    postgres: Type.Optional(
      Type.Object(
        {
          pool_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          statement_timeout_ms: Type.Optional(Type.Integer({ minimum: 0 })),
          connect_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    projects: Type.Optional(Type.Array(ProjectConfigSchema)),
    vpcs: Type.Optional(Type.Array(VpcConfigSchema)),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof ConfigFileSchema>;
export type ProjectConfig = Static<typeof ProjectConfigSchema>;
export type VpcConfig = Static<typeof VpcConfigSchema>;

export interface Config {
  listen: { host: string; port: number };
  db: string;
  region: string;
  bodyLimit: number;
  /** API connection and request timeouts (docs/security.md). */
  apiTimeouts: { requestMs: number; idleMs: number; keepAliveMs: number };
  logLevel: string;
  logPretty: boolean;
  quotas: { inboundEndpoints: number; outboundEndpoints: number; resolverRules: number };
  sweepIntervalMs: number;
  /** Where query logs go: <dir>/<lts_group_id>/<lts_topic_id>.jsonl */
  queryLogDir: string;
  dns: DnsSettings;
  /** Roles, node name, the addresses a DNS node serves, cluster timings (cluster-config.ts). */
  node: NodeSettings;
  auth: AuthSettings;
  /** PostgreSQL connections (docs/storage.md); unset: open.ts's PG_DEFAULTS. */
  postgres: { poolSize?: number; statementTimeoutMs?: number; connectTimeoutMs?: number };
  projects: ProjectConfig[];
  vpcs: VpcConfig[];
}

/** The data plane's settings (docs/dataplane.md); unset tunables keep the data plane's defaults. */
export interface DnsSettings {
  enabled: boolean;
  port: number;
  upstreams: string[];
  cacheSize?: number;
  queryTimeoutMs?: number;
  maxAttempts?: number;
  maxInFlight?: number;
  maxHops?: number;
  forwardTcpOverTcp?: boolean;
  tcpIdleTimeoutMs?: number;
  tcpFrameTimeoutMs?: number;
  tcpMaxConnections?: number;
  tcpMaxPipelined?: number;
  tcpWriteHighWaterBytes?: number;
  tcpMaxQueuedBytes?: number;
  /** DNS worker processes; 1 serves DNS inside the main process (docs/dataplane.md). */
  workers: number;
  /** UDP socket implementation: auto (the native addon when it loaded), native, or node (docs/dataplane.md). */
  udpIo: 'auto' | 'native' | 'node';
  /** This node's name for NSID and CHAOS hostname.bind/id.server; unset: none sent, REFUSED. */
  identity?: string;
  /** The answer to CHAOS version.bind/version.server; unset: REFUSED. */
  version?: string;
  /** Pass EDNS CLIENT-SUBNET between clients and upstreams (replies carrying it are not cached). */
  passClientSubnet?: boolean;
  /** Bytes the DNS cache may hold, and the largest entry it keeps (docs/dataplane.md, "Cache"). */
  cacheBytes?: number;
  cacheMaxEntryBytes?: number;
  /** A UDP query longer than this is answered FORMERR (docs/dataplane.md, limits). */
  udpMaxQueryBytes?: number;
}

export const DEFAULTS = {
  listen: '127.0.0.1:8053',
  db: './data/vpcdns.sqlite',
  region: 'ap-southeast-1',
  bodyLimit: 1024 * 1024,
  apiTimeouts: { requestMs: 30_000, idleMs: 60_000, keepAliveMs: 5_000 },
  quota: 50,
  sweepIntervalMs: 5000,
  dnsPort: 53,
  queryLogDir: './data/query-logs',
} as const;

export interface CliSettings {
  config?: string;
  listen?: string;
  db?: string;
  dnsPort?: string;
  dnsWorkers?: string;
  logLevel?: string;
  logPretty?: boolean;
  roles?: string;
  nodeName?: string;
  serveCidrs?: string;
}

export function parseHostPort(text: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`${what} must be HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: (m[1] ?? m[2])!, port };
}

/** "IP" or "IP:PORT" (port 53 by default), as in dns.upstreams. */
export function parseUpstream(text: string): { ip: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[2] === undefined ? 53 : Number(m[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`upstream must be IPv4[:PORT], got ${JSON.stringify(text)}`);
  return { ip: m[1]!, port };
}

export function readConfigFile(path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (e) {
    throw new Error(`cannot read config file ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (!Value.Check(ConfigFileSchema, raw)) {
    const first = [...Value.Errors(ConfigFileSchema, raw)][0];
    throw new Error(`config file ${path}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
  }
  return raw;
}

/** pino's levels, most severe first; `silent` logs nothing. */
export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * One DNS worker per core, less one for the main process (API, reconciler) and the kernel's packet work;
 * on two cores that is 1: there, two workers measured slower than one (docs/dataplane.md).
 */
export function defaultDnsWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Settings in order of precedence: command line, environment, config file, defaults. */
export function loadConfig(cli: CliSettings, env: NodeJS.ProcessEnv = process.env): Config {
  const configPath = cli.config ?? env.VPCDNS_CONFIG;
  const file: ConfigFile = configPath ? readConfigFile(configPath) : {};
  const dnsPortText = cli.dnsPort ?? env.VPCDNS_DNS_PORT;
  const dnsPort = dnsPortText !== undefined ? Number(dnsPortText) : (file.dns?.port ?? DEFAULTS.dnsPort);
  if (!Number.isInteger(dnsPort) || dnsPort < 1 || dnsPort > 65535) throw new Error(`--dns-port must be 1-65535, got ${dnsPortText}`);
  const workersText = cli.dnsWorkers ?? env.VPCDNS_DNS_WORKERS;
  const workers = workersText !== undefined ? Number(workersText) : (file.dns?.workers ?? defaultDnsWorkers());
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new Error(`--dns-workers must be 1-256, got ${workersText}`);
  const udpIo = env.VPCDNS_DNS_UDP_IO ?? file.dns?.udp_io ?? 'auto';
  // A CHAOS TXT string and an NSID are at most 255 bytes, whatever the characters.
  for (const key of ['identity', 'version'] as const) {
    const text = file.dns?.[key];
    if (text !== undefined && Buffer.byteLength(text, 'utf8') > 255) throw new Error(`dns.${key} must be at most 255 bytes in UTF-8`);
  }
  if (udpIo !== 'auto' && udpIo !== 'native' && udpIo !== 'node') throw new Error(`VPCDNS_DNS_UDP_IO must be auto, native or node, got ${JSON.stringify(udpIo)}`);
  const db = cli.db ?? env.DATABASE_URL ?? file.db ?? DEFAULTS.db;
  const logLevel = cli.logLevel ?? env.VPCDNS_LOG_LEVEL ?? file.log_level ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  return {
    listen: parseHostPort(cli.listen ?? env.VPCDNS_LISTEN ?? file.listen ?? DEFAULTS.listen, '--listen'),
    db,
    region: file.region ?? DEFAULTS.region,
    bodyLimit: file.body_limit ?? DEFAULTS.bodyLimit,
    apiTimeouts: {
      requestMs: file.api_timeouts?.request_ms ?? DEFAULTS.apiTimeouts.requestMs,
      idleMs: file.api_timeouts?.idle_ms ?? DEFAULTS.apiTimeouts.idleMs,
      keepAliveMs: file.api_timeouts?.keep_alive_ms ?? DEFAULTS.apiTimeouts.keepAliveMs,
    },
    logLevel,
    logPretty: cli.logPretty ?? false,
    quotas: {
      inboundEndpoints: file.quotas?.inbound_endpoints ?? DEFAULTS.quota,
      outboundEndpoints: file.quotas?.outbound_endpoints ?? DEFAULTS.quota,
      resolverRules: file.quotas?.resolver_rules ?? DEFAULTS.quota,
    },
    queryLogDir: file.query_log?.dir ?? DEFAULTS.queryLogDir,
    sweepIntervalMs: file.reconciler?.sweep_interval_ms ?? DEFAULTS.sweepIntervalMs,
    dns: {
      enabled: file.dns?.enabled ?? true,
      port: dnsPort,
      upstreams: file.dns?.upstreams ?? [],
      cacheSize: file.dns?.cache_size,
      queryTimeoutMs: file.dns?.query_timeout_ms,
      maxAttempts: file.dns?.max_attempts,
      maxInFlight: file.dns?.max_in_flight,
      maxHops: file.dns?.max_hops,
      forwardTcpOverTcp: file.dns?.forward_tcp_over_tcp,
      tcpIdleTimeoutMs: file.dns?.tcp_idle_timeout_ms,
      identity: file.dns?.identity,
      version: file.dns?.version,
      passClientSubnet: file.dns?.pass_client_subnet,
      tcpFrameTimeoutMs: file.dns?.tcp_frame_timeout_ms,
      tcpMaxConnections: file.dns?.tcp_max_connections,
      tcpMaxPipelined: file.dns?.tcp_max_pipelined,
      tcpWriteHighWaterBytes: file.dns?.tcp_write_high_water_bytes,
      tcpMaxQueuedBytes: file.dns?.tcp_max_queued_bytes,
      workers,
      udpIo,
      cacheBytes: file.dns?.cache_bytes,
      cacheMaxEntryBytes: file.dns?.cache_max_entry_bytes,
      udpMaxQueryBytes: file.dns?.udp_max_query_bytes,
    },
    node: nodeSettings({
      cliRoles: cli.roles,
      envRoles: env.VPCDNS_ROLES,
      fileRoles: file.roles,
      cliName: cli.nodeName,
      envName: env.VPCDNS_NODE_NAME,
      fileName: file.node_name,
      cliCidrs: cli.serveCidrs,
      envCidrs: env.VPCDNS_SERVE_CIDRS,
      fileCidrs: file.dns?.serve_cidrs,
      dnsDisabled: file.dns?.enabled === false,
      cluster: file.cluster,
      isPostgres: /^postgres(ql)?:\/\//.test(db),
    }),
    auth: authSettings(file.auth, db, env),
    postgres: { poolSize: file.postgres?.pool_size, statementTimeoutMs: file.postgres?.statement_timeout_ms, connectTimeoutMs: file.postgres?.connect_timeout_ms },
    projects: file.projects ?? [],
    vpcs: file.vpcs ?? [],
  };
}
