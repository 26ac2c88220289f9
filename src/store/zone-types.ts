// Records, tables and repositories of private zones, their VPC associations and record sets (issue 18).
import type { Status } from '../domain/status.ts';

/** A zone's or record set's status: the lifecycle's, plus DISABLE (Z10, S7) which only the API sets. */
export type ZoneStatus = Status | 'DISABLE';
export type ProxyPattern = 'AUTHORITY' | 'RECURSIVE';

export interface Tag {
  key: string;
  value?: string;
}

export interface ZoneRecord {
  id: string;
  projectId: string;
  /** Lower case with the trailing dot. */
  name: string;
  description: string | null;
  email: string;
  ttl: number;
  serial: number;
  status: ZoneStatus;
  disabled: boolean;
  proxyPattern: ProxyPattern;
  tags: Tag[];
  enterpriseProjectId: string;
  createdAt: number;
  updatedAt: number | null;
}

export interface ZoneVpcRecord {
  zoneId: string;
  vpcId: string;
  projectId: string;
  zoneName: string;
  region: string;
  status: Status;
  createdAt: number;
  updatedAt: number;
}

export interface ZoneView extends ZoneRecord {
  routers: ZoneVpcRecord[];
  /** Record sets past PENDING_CREATE (a fresh zone: 0, then 2 with its SOA and NS). */
  recordNum: number;
}

export interface RecordSetRecord {
  id: string;
  zoneId: string;
  projectId: string;
  /** Lower case with the trailing dot. */
  name: string;
  type: string;
  ttl: number;
  records: string[];
  description: string | null;
  status: ZoneStatus;
  disabled: boolean;
  isDefault: boolean;
  tags: Tag[];
  createdAt: number;
  updatedAt: number | null;
}

export interface RecordSetView extends RecordSetRecord {
  zoneName: string;
}

export interface ZoneFilter {
  name?: string;
  id?: string;
  status?: string;
  routerId?: string;
}

export interface RecordSetFilter {
  zoneId?: string;
  name?: string;
  id?: string;
  type?: string;
  status?: string;
  records?: string;
}

/** Keyset paging after a marker's sort key, or offset paging. */
export interface KeyedPage {
  limit: number;
  offset: number;
  after?: { createdAt: number; id: string };
}

export interface ZoneRepo {
  create(z: ZoneRecord): Promise<void>;
  get(projectId: string, id: string): Promise<ZoneView | undefined>;
  /** Newest first (Z2's default sort). */
  find(projectId: string, filter: ZoneFilter, page: KeyedPage): Promise<{ items: ZoneView[]; total: number; more: boolean }>;
  update(id: string, patch: Partial<Pick<ZoneRecord, 'description' | 'email' | 'ttl' | 'serial' | 'status' | 'disabled' | 'proxyPattern' | 'tags'>> & { updatedAt: number }): Promise<void>;
  transition(id: string, from: ZoneStatus, to: ZoneStatus, now: number): Promise<boolean>;
  /** The zone, its associations and record sets. */
  delete(id: string): Promise<void>;
  countByProject(projectId: string): Promise<number>;
  findPending(limit: number): Promise<ZoneRecord[]>;
  lock(id: string): Promise<void>;
  addVpc(a: ZoneVpcRecord): Promise<void>;
  setVpcStatus(zoneId: string, vpcId: string, from: Status, to: Status, now: number): Promise<boolean>;
  removeVpc(zoneId: string, vpcId: string): Promise<void>;
  findPendingVpcs(limit: number): Promise<ZoneVpcRecord[]>;
  countByVpc(vpcId: string): Promise<number>;
  /** ACTIVE inbound endpoint addresses in the given VPCs: the private name servers of a zone (Z8). */
  nameServerIps(vpcIds: readonly string[]): Promise<string[]>;
}

export interface RecordSetRepo {
  create(r: RecordSetRecord): Promise<void>;
  get(zoneId: string, id: string): Promise<RecordSetRecord | undefined>;
  getById(projectId: string, id: string): Promise<RecordSetView | undefined>;
  /** Oldest first (the SOA and NS sets lead). */
  find(projectId: string, filter: RecordSetFilter, page: KeyedPage): Promise<{ items: RecordSetView[]; total: number; more: boolean }>;
  /** The sets of one name in a zone (CNAME exclusivity). */
  listByName(zoneId: string, name: string): Promise<RecordSetRecord[]>;
  update(id: string, patch: Partial<Pick<RecordSetRecord, 'name' | 'type' | 'ttl' | 'records' | 'description' | 'status' | 'disabled' | 'tags'>> & { updatedAt: number }): Promise<void>;
  transition(id: string, from: ZoneStatus, to: ZoneStatus, now: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  countByZone(zoneId: string): Promise<number>;
  findPending(limit: number): Promise<RecordSetRecord[]>;
}

export interface PrivateZonesTable {
  id: string;
  project_id: string;
  name: string;
  description: string | null;
  email: string;
  ttl: number;
  serial: number;
  status: ZoneStatus;
  disabled: number;
  proxy_pattern: ProxyPattern;
  tags: string;
  enterprise_project_id: string;
  created_at: number;
  updated_at: number | null;
}

export interface PrivateZoneVpcsTable {
  zone_id: string;
  vpc_id: string;
  project_id: string;
  zone_name: string;
  region: string;
  status: Status;
  created_at: number;
  updated_at: number;
}

export interface RecordSetsTable {
  id: string;
  zone_id: string;
  project_id: string;
  name: string;
  type: string;
  ttl: number;
  records: string;
  description: string | null;
  status: ZoneStatus;
  disabled: number;
  is_default: number;
  tags: string;
  created_at: number;
  updated_at: number | null;
}

/** The zones section of the Database interface (schema.ts). */
export interface ZoneTables {
  private_zones: PrivateZonesTable;
  private_zone_vpcs: PrivateZoneVpcsTable;
  record_sets: RecordSetsTable;
}
