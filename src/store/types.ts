// The Store interface: records as the services see them, and the storage verbs for each resource.
import type { Status } from '../domain/status.ts';
import type { IdentityRepos } from './identity-types.ts';
import type { NodeRepo } from './node-repo.ts';
import type { Page } from './page.ts';
import type { AssociationRepo, QueryLogRepo, RuleRepo } from './rule-types.ts';
import type { RecordSetRepo, ZoneRepo } from './zone-types.ts';

export type { Page } from './page.ts';

export type Direction = 'inbound' | 'outbound';
export const DIRECTIONS: readonly Direction[] = ['inbound', 'outbound'];

export interface ProjectRecord {
  id: string;
  name: string;
  createdAt: number;
}

export interface VpcRecord {
  id: string;
  projectId: string;
  name: string;
  cidr: string;
  description: string;
  createdAt: number;
}

export interface SubnetRecord {
  id: string;
  projectId: string;
  vpcId: string;
  name: string;
  cidr: string;
  gatewayIp: string;
  neutronSubnetId: string;
  createdAt: number;
}

export interface EndpointRecord {
  id: string;
  projectId: string;
  name: string;
  direction: Direction;
  region: string;
  vpcId: string;
  status: Status;
  createdAt: number;
  updatedAt: number;
}

/** An endpoint with the counts the wire shape carries. */
export interface EndpointView extends EndpointRecord {
  ipaddressCount: number;
  resolverRuleCount: number;
}

export interface AddressRecord {
  id: string;
  endpointId: string;
  projectId: string;
  subnetId: string;
  vpcId: string;
  direction: Direction;
  ip: string;
  status: Status;
  errorInfo: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * An address as the API shows it: the fields of the wire shape, with the Neutron id of its subnet, which is what the
 * wire shape reports as subnet_id (the address list, polled by clients, reads these columns only).
 */
export interface AddressView extends Pick<AddressRecord, 'id' | 'ip' | 'status' | 'errorInfo' | 'createdAt' | 'updatedAt'> {
  neutronSubnetId: string;
}


export interface EndpointFilter {
  direction?: Direction;
  vpcId?: string;
  name?: string;
}

export interface VpcEndpointCounts {
  vpcId: string;
  inbound: number;
  outbound: number;
}

/** Thrown by the store when a database constraint refuses a write; services translate it. */
export class ConstraintViolation extends Error {
  constructor(
    readonly kind: 'unique' | 'foreign_key',
    readonly constraint: string,
    cause?: unknown,
  ) {
    super(`${kind} constraint ${constraint} violated`, { cause });
    this.name = 'ConstraintViolation';
  }
}

export interface ProjectRepo {
  create(p: ProjectRecord): Promise<void>;
  get(id: string): Promise<ProjectRecord | undefined>;
  findByName(name: string): Promise<ProjectRecord | undefined>;
  list(): Promise<ProjectRecord[]>;
  /** Serialises writes that must see a consistent per-project count (quotas). No-op on SQLite. */
  lock(id: string): Promise<void>;
}

export interface TokenRecord {
  digest: string;
  projectId: string;
  /** The user a password login issued it to; null for tokens from the config or the first start. */
  userId?: string | null;
  expiresAt: number | null;
  createdAt: number;
}

export interface TokenRepo {
  create(t: TokenRecord): Promise<void>;
  /** The project of a token digest that has not expired at `now`. */
  findProject(digest: string, now: number): Promise<string | undefined>;
  /** The token of a digest that has not expired at `now`. */
  find(digest: string, now: number): Promise<TokenRecord | undefined>;
  /** Revokes a token; false when there was none. */
  delete(digest: string): Promise<boolean>;
  /** Forgets a user's tokens that expired before `now` (run at each login, so they never pile up). */
  deleteExpired(userId: string, now: number): Promise<number>;
  countForProject(projectId: string): Promise<number>;
}

export interface VpcRepo {
  create(v: VpcRecord): Promise<void>;
  get(projectId: string, id: string): Promise<VpcRecord | undefined>;
  find(projectId: string, page: Page): Promise<{ items: VpcRecord[]; total: number }>;
  /** Every VPC of every project (the data plane's routing is built from it). */
  listAll(): Promise<VpcRecord[]>;
  delete(id: string): Promise<void>;
}

/** A subnet with the highest address in use in it (an unsigned 32-bit integer, null when none), for allocation. */
export type SubnetWithHighest = SubnetRecord & { highestInUse?: number | null };

export interface SubnetRepo {
  create(s: SubnetRecord): Promise<void>;
  get(projectId: string, id: string): Promise<SubnetRecord | undefined>;
  find(projectId: string, filter: { vpcId?: string }, page: Page): Promise<{ items: SubnetRecord[]; total: number }>;
  listByVpc(vpcId: string): Promise<SubnetRecord[]>;
  delete(id: string): Promise<void>;
  lock(ids: readonly string[]): Promise<void>;
}

export interface EndpointRepo {
  create(e: EndpointRecord): Promise<void>;
  get(projectId: string, id: string): Promise<EndpointView | undefined>;
  /** get() with a subnet of the project, by either id, and its highest address in use (AddressRepo.highestInSubnet), in one statement. */
  getWithSubnet(projectId: string, id: string, subnetId: string): Promise<{ endpoint: EndpointView; subnet: SubnetWithHighest | undefined } | undefined>;
  /** get() with one of the endpoint's addresses (undefined when it has no such address), in one statement. */
  getWithAddress(projectId: string, id: string, addressId: string): Promise<{ endpoint: EndpointView; address: AddressRecord | undefined } | undefined>;
  /** Unscoped read, for the reconciler only. */
  getById(id: string): Promise<EndpointRecord | undefined>;
  /** Row lock for the rest of the transaction (PostgreSQL); SQLite transactions are already serial. */
  lock(id: string): Promise<void>;
  find(projectId: string, filter: EndpointFilter, page: Page): Promise<{ items: EndpointView[]; total: number }>;
  update(id: string, patch: Partial<Pick<EndpointRecord, 'name' | 'status' | 'updatedAt'>>): Promise<void>;
  /** Compare-and-set on status: true when the row had `from` and now has `to`. */
  transition(id: string, from: Status, to: Status, now: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  countByDirection(projectId: string, direction: Direction): Promise<number>;
  countByVpc(vpcId: string): Promise<number>;
  vpcCounts(projectId: string, vpcId: string | undefined, page: Page): Promise<{ items: VpcEndpointCounts[]; total: number }>;
  findPending(limit: number): Promise<EndpointRecord[]>;
}

export interface AddressRepo {
  create(a: AddressRecord): Promise<void>;
  /**
   * Inserts the address unless its subnet already has that ip (false): the unique constraint decides, and
   * a concurrent insert of the same ip is waited for rather than turned into an error, so the caller's
   * transaction can go on and try another address.
   */
  createIfFree(a: AddressRecord): Promise<boolean>;
  get(endpointId: string, id: string): Promise<AddressRecord | undefined>;
  listByEndpoint(endpointId: string): Promise<AddressRecord[]>;
  /** The addresses of a project's endpoint with their subnets' Neutron ids; undefined when the project has no such endpoint. */
  listViewsByEndpoint(projectId: string, endpointId: string): Promise<AddressView[] | undefined>;
  /** Addresses in use in a subnet, as unsigned 32-bit integers. */
  usedInSubnet(subnetId: string): Promise<Set<number>>;
  /** The highest address in use in a subnet (an unsigned 32-bit integer), or null. Indexed. */
  highestInSubnet(subnetId: string): Promise<number | null>;
  countBySubnet(subnetId: string): Promise<number>;
  countByVpc(vpcId: string): Promise<number>;
  setStatus(id: string, patch: { status: Status; errorInfo: string | null; updatedAt: number }, expected?: Status): Promise<boolean>;
  markEndpointDeleting(endpointId: string, now: number): Promise<void>;
  delete(id: string): Promise<void>;
  findPending(limit: number): Promise<AddressRecord[]>;
  listActive(): Promise<AddressRecord[]>;
  listErrored(): Promise<AddressRecord[]>;
  /** ACTIVE addresses of the given endpoints, by endpoint id (the source addresses of rules). */
  activeIpsByEndpoint(endpointIds: readonly string[]): Promise<Map<string, string[]>>;
}

/**
 * The writes that span endpoints and addresses, each in as few statements as its dialect allows: the reconciler's
 * batch pass (lock, read, write back, settle), and the marks of bind and unbind (an address written and its
 * endpoint set PENDING_UPDATE together). Apart from the uniform verbs of each resource, which services use.
 */
export interface ReconcileRepo {
  /** Unscoped read of several endpoints, in id order, their rows locked for the rest of the transaction (PostgreSQL). */
  lockEndpoints(ids: readonly string[]): Promise<EndpointRecord[]>;
  /** The addresses of several endpoints that are in a PENDING_* status, in no particular order. */
  pendingAddresses(endpointIds: readonly string[]): Promise<AddressRecord[]>;
  /**
   * A reconciler pass's writes, then the addresses of `endpointIds` as they stand after them (one statement on
   * PostgreSQL): see AddressOutcomes. Returns which updates were written, and the addresses in no particular order.
   */
  applyOutcomes(o: AddressOutcomes): Promise<{ written: Set<string>; addresses: AddressStatusRow[] }>;
  /** EndpointRepo.transition() of several endpoints, each with its own from and to (one statement on PostgreSQL); returns the ids that moved. */
  transitionEach(moves: ReadonlyArray<{ id: string; from: Status; to: Status }>, now: number): Promise<Set<string>>;
  /** AddressRepo.createIfFree(), and when it inserted, the address's endpoint gets `endpointStatus` (one statement on PostgreSQL). */
  createAddressMarkingEndpoint(a: AddressRecord, endpointStatus: Status): Promise<boolean>;
  /** AddressRepo.setStatus() without a compare-and-set, and the address's endpoint gets `endpointStatus` (one statement on PostgreSQL). */
  setAddressStatusMarkingEndpoint(id: string, endpointId: string, patch: { status: Status; errorInfo: string | null; updatedAt: number }, endpointStatus: Status): Promise<void>;
}

/** What a reconciler pass writes to addresses (ReconcileRepo.applyOutcomes). */
export interface AddressOutcomes {
  /** Released addresses: deleted, whatever their status. */
  deleteIds: readonly string[];
  /** Activated (or failed) addresses: written only where the status is still `expected` (compare-and-set). */
  updates: ReadonlyArray<{ id: string; status: Status; errorInfo: string | null }>;
  expected: Status;
  now: number;
  /** The endpoints whose addresses to read back once the writes are done. */
  endpointIds: readonly string[];
}

/** An address as the settling of its endpoint needs it. */
export interface AddressStatusRow {
  id: string;
  endpointId: string;
  status: Status;
}

export interface Repos extends IdentityRepos {
  zones: ZoneRepo;
  recordSets: RecordSetRepo;
  rules: RuleRepo;
  associations: AssociationRepo;
  queryLogs: QueryLogRepo;
  projects: ProjectRepo;
  tokens: TokenRepo;
  vpcs: VpcRepo;
  subnets: SubnetRepo;
  endpoints: EndpointRepo;
  addresses: AddressRepo;
  reconcile: ReconcileRepo;
  /** Cluster nodes, DNS nodes' reports and leases (node-repo.ts). */
  nodes: NodeRepo;
}

export interface Store extends Repos {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs fn in one transaction; everything fn wrote is rolled back if it throws. */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  /** Cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  /**
   * Readiness of the database (readyz): a read, then a cheap committed write (one row of `settings`), then (SQLite)
   * the free space beside the file. Throws an Error whose message says what fails ("database unreachable: ...",
   * "writes fail: disk full ...", "disk nearly full: ...").
   */
  probe(): Promise<void>;
  close(): Promise<void>;
}
