// The settings of a node in a cluster (docs/deployment.md): its roles, its name, the addresses it serves, the timings.
import { hostname, networkInterfaces } from 'node:os';
import { Type } from '@sinclair/typebox';
import { parseCidr, type Cidr } from './domain/ipam.ts';

export const ROLES = ['api', 'reconciler', 'dns'] as const;
export type Role = (typeof ROLES)[number];

/** Heartbeat interval, how long a silent node still counts, how often a node compares its view with the database. */
export interface ClusterTimings {
  heartbeatMs: number;
  deadAfterMs: number;
  repairMs: number;
}

export const CLUSTER_DEFAULTS: ClusterTimings = { heartbeatMs: 2000, deadAfterMs: 10_000, repairMs: 30_000 };

export const ClusterConfigSchema = Type.Object(
  {
    heartbeat_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
    dead_after_ms: Type.Optional(Type.Integer({ minimum: 300, maximum: 600_000 })),
    repair_ms: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);

export interface NodeSettings {
  roles: ReadonlySet<Role>;
  /** Unique per database; default the host name. */
  nodeName: string;
  /** What this node may serve when it has the dns role (canonical CIDR text). */
  serveCidrs: string[];
  cluster: ClusterTimings;
}

export interface NodeSettingSources {
  cliRoles?: string;
  envRoles?: string;
  fileRoles?: string | string[];
  cliName?: string;
  envName?: string;
  fileName?: string;
  cliCidrs?: string;
  envCidrs?: string;
  fileCidrs?: string[];
  /** dns.enabled: false in the file: the legacy API-only node (roles api,reconciler) unless roles are given. */
  dnsDisabled: boolean;
  cluster?: { heartbeat_ms?: number; dead_after_ms?: number; repair_ms?: number };
  isPostgres: boolean;
}

/** "api,dns" (or a list) as a non-empty set of known roles. */
export function parseRoles(value: string | readonly string[]): Set<Role> {
  const items = (typeof value === 'string' ? value.split(',') : value).map((s) => s.trim()).filter((s) => s !== '');
  const roles = new Set<Role>();
  for (const item of items) {
    if (!(ROLES as readonly string[]).includes(item)) throw new Error(`--roles: unknown role ${JSON.stringify(item)} (roles are ${ROLES.join(', ')})`);
    roles.add(item as Role);
  }
  if (roles.size === 0) throw new Error(`--roles must name at least one of ${ROLES.join(', ')}`);
  return roles;
}

/** "10.0.0.0/8,127.16.0.0/16" (or a list) as canonical CIDRs; a bare address is a /32. */
export function parseServeCidrs(value: string | readonly string[]): string[] {
  const items = (typeof value === 'string' ? value.split(',') : value).map((s) => s.trim()).filter((s) => s !== '');
  return items.map((item) => {
    const c = parseCidr(item.includes('/') ? item : `${item}/32`);
    if (!c) throw new Error(`--serve-cidrs: ${JSON.stringify(item)} is not an IPv4 CIDR with no host bits (e.g. 10.0.0.0/8)`);
    return c.text;
  });
}

/**
 * The host's own IPv4 interface addresses, each a /32; a loopback interface (127.0.0.1/8) covers all of 127/8,
 * since Linux answers on every address of that range.
 */
export function hostServeCidrs(interfaces = networkInterfaces()): string[] {
  const out = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4') continue;
      out.add(i.address.startsWith('127.') ? '127.0.0.0/8' : `${i.address}/32`);
    }
  }
  return [...out].sort();
}

/** Node name: letters, digits, dot, dash, underscore (it appears in error_info, metrics labels and logs). */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function timing(value: number | undefined, dflt: number): number {
  return value ?? dflt;
}

/** Settings in order of precedence: command line, environment, config file, defaults. */
export function nodeSettings(s: NodeSettingSources): NodeSettings {
  const rolesValue = s.cliRoles ?? s.envRoles ?? s.fileRoles;
  const roles = rolesValue !== undefined ? parseRoles(rolesValue) : new Set<Role>(s.dnsDisabled ? ['api', 'reconciler'] : ROLES);
  // On SQLite one process is the whole service. The legacy dns.enabled: false (no DNS role, so no address is ever
  // ACTIVE: none is answered) stays allowed there for control-plane work; explicit roles do not.
  if (!s.isPostgres && rolesValue !== undefined && roles.size !== ROLES.length) {
    throw new Error(`--roles ${[...roles].join(',')}: on SQLite a node serves every role (api,reconciler,dns); split roles across nodes on PostgreSQL (docs/deployment.md)`);
  }
  const nodeName = s.cliName ?? s.envName ?? s.fileName ?? hostname();
  if (!NODE_NAME.test(nodeName)) throw new Error(`--node-name must be 1-63 letters, digits, '.', '-' or '_', starting with a letter or digit, got ${JSON.stringify(nodeName)}`);
  const cidrsValue = s.cliCidrs ?? s.envCidrs ?? s.fileCidrs;
  const serveCidrs = cidrsValue !== undefined ? parseServeCidrs(cidrsValue) : hostServeCidrs();
  const cluster: ClusterTimings = {
    heartbeatMs: timing(s.cluster?.heartbeat_ms, CLUSTER_DEFAULTS.heartbeatMs),
    deadAfterMs: timing(s.cluster?.dead_after_ms, CLUSTER_DEFAULTS.deadAfterMs),
    repairMs: timing(s.cluster?.repair_ms, CLUSTER_DEFAULTS.repairMs),
  };
  if (cluster.deadAfterMs < 2 * cluster.heartbeatMs) {
    throw new Error(`cluster.dead_after_ms (${cluster.deadAfterMs}) must be at least twice cluster.heartbeat_ms (${cluster.heartbeatMs})`);
  }
  return { roles, nodeName, serveCidrs, cluster };
}

export const parsedCidrs = (texts: readonly string[]): Cidr[] => texts.map((t) => parseCidr(t)!);
