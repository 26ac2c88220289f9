// Table shapes as Kysely sees them (snake_case, as stored).
import { sql } from 'kysely';
import type { Status } from '../domain/status.ts';
import type { Direction } from './types.ts';

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

export interface Database {
  projects: ProjectsTable;
  api_tokens: ApiTokensTable;
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
