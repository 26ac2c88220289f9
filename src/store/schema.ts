// Table shapes as Kysely sees them (snake_case, as stored).
import { sql } from 'kysely';
import type { Status } from '../domain/status.ts';
import type { NodeTables } from './node-migration.ts';
import type { Direction } from './types.ts';
import type { ZoneTables } from './zone-types.ts';

export interface ProjectsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiTokensTable {
  digest: string;
  project_id: string;
  expires_at: number | null;
  created_at: number;
  /** Set for tokens from a password login (migration 0002_identity). */
  user_id: string | null;
}

export interface UsersTable {
  id: string;
  project_id: string;
  name: string;
  password_hash: string;
  created_at: number;
}

export interface AccessKeysTable {
  access: string;
  project_id: string;
  sealed_secret: string;
  status: 'active' | 'disabled';
  description: string;
  created_at: number;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface VpcsTable {
  id: string;
  project_id: string;
  name: string;
  cidr: string;
  description: string;
  created_at: number;
}

export interface SubnetsTable {
  id: string;
  project_id: string;
  vpc_id: string;
  name: string;
  cidr: string;
  gateway_ip: string;
  neutron_subnet_id: string;
  created_at: number;
}

export interface EndpointsTable {
  id: string;
  project_id: string;
  name: string;
  direction: Direction;
  region: string;
  vpc_id: string;
  status: Status;
  created_at: number;
  updated_at: number;
}

export interface EndpointAddressesTable {
  id: string;
  endpoint_id: string;
  project_id: string;
  subnet_id: string;
  vpc_id: string;
  direction: Direction;
  ip: string;
  ip_int: number;
  status: Status;
  error_info: string | null;
  created_at: number;
  updated_at: number;
}

export interface ResolverRulesTable {
  id: string;
  project_id: string;
  name: string;
  domain_name: string;
  domain_key: string;
  endpoint_id: string;
  status: Status;
  created_at: number;
  updated_at: number;
}

export interface ResolverRuleTargetsTable {
  rule_id: string;
  position: number;
  ip: string;
  port: number;
}

export interface ResolverRuleVpcsTable {
  rule_id: string;
  vpc_id: string;
  project_id: string;
  domain_key: string;
  region: string;
  status: Status;
  created_at: number;
  updated_at: number;
}

export interface QueryLogConfigsTable {
  id: string;
  project_id: string;
  lts_group_id: string;
  lts_topic_id: string;
  created_at: number;
}

export interface QueryLogConfigVpcsTable {
  config_id: string;
  vpc_id: string;
}

/** Every table; the nodes (nodes, node_addresses, leases) and zones sections are declared with their migrations. */
export interface Database extends NodeTables, ZoneTables {
  resolver_rules: ResolverRulesTable;
  resolver_rule_targets: ResolverRuleTargetsTable;
  resolver_rule_vpcs: ResolverRuleVpcsTable;
  query_log_configs: QueryLogConfigsTable;
  query_log_config_vpcs: QueryLogConfigVpcsTable;
  projects: ProjectsTable;
  api_tokens: ApiTokensTable;
  users: UsersTable;
  access_keys: AccessKeysTable;
  settings: SettingsTable;
  vpcs: VpcsTable;
  subnets: SubnetsTable;
  endpoints: EndpointsTable;
  endpoint_addresses: EndpointAddressesTable;
}

/**
 * The pending filter, written literally (not as bound parameters) so that SQLite can prove the partial
 * indexes on it apply; the migrations create those indexes with this same expression.
 */
export const isPendingSql = sql<boolean>`status in ('PENDING_CREATE', 'PENDING_UPDATE', 'PENDING_DELETE')`;
