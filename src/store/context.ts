// What every repository runs on: the database or transaction, its dialect, and the helpers they share.
import type { Kysely, Transaction } from 'kysely';
import type { Status } from '../domain/status.ts';
import type { Database } from './schema.ts';
import { ConstraintViolation, type AddressOutcomes, type AddressRecord, type AddressStatusRow, type EndpointRecord } from './types.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database> | Transaction<Database>;

/**
 * The statements whose text, or whose number, differs by dialect: row locks (PostgreSQL's FOR UPDATE; SQLite's
 * transactions are serial already) and the writes that PostgreSQL combines into one statement where SQLite runs
 * several. One implementation per dialect (dialect/sqlite.ts, dialect/postgres.ts); repositories call these and
 * hold no dialect branch of their own.
 */
export interface DialectStatements {
  readonly name: Dialect;
  lockProject(db: Db, id: string): Promise<void>;
  /** Locks in id order, so that two transactions locking the same rows cannot deadlock. */
  lockSubnets(db: Db, ids: readonly string[]): Promise<void>;
  lockEndpoint(db: Db, id: string): Promise<void>;
  lockRule(db: Db, id: string): Promise<void>;
  lockZone(db: Db, id: string): Promise<void>;
  /** Reads several endpoints (non-empty ids) in id order, their rows locked for the rest of the transaction. */
  endpointsForUpdate(db: Db, ids: string[]): Promise<EndpointRecord[]>;
  /** ReconcileRepo.applyOutcomes with something to do. */
  applyOutcomes(db: Db, o: AddressOutcomes): Promise<{ written: Set<string>; addresses: AddressStatusRow[] }>;
  /** ReconcileRepo.transitionEach with at least one move. */
  transitionEach(db: Db, moves: ReadonlyArray<{ id: string; from: Status; to: Status }>, now: number): Promise<Set<string>>;
  createAddressMarkingEndpoint(db: Db, a: AddressRecord, endpointStatus: Status): Promise<boolean>;
  setAddressStatusMarkingEndpoint(db: Db, id: string, endpointId: string, patch: StatusPatch, endpointStatus: Status): Promise<void>;
}

export interface StatusPatch {
  status: Status;
  errorInfo: string | null;
  updatedAt: number;
}

/** What the repositories' methods run on: one database or transaction. */
export interface RepoContext {
  readonly db: Db;
  readonly dialect: Dialect;
  readonly statements: DialectStatements;
}

/**
 * A repository of `ctx`: an object whose prototype holds the methods, shared by every database and transaction.
 * Every transaction gets its own repositories, and creating their methods anew each time (with the names the
 * TypeScript loader gives each function) cost more than some of its queries.
 */
export function repo<T extends object>(methods: T, ctx: RepoContext): T {
  return Object.assign(Object.create(methods) as T, ctx);
}

/** Maps a driver error to ConstraintViolation when a constraint refused the write; rethrows anything else. */
export function translateError(e: unknown): never {
  const err = e as { code?: string; constraint?: string; message?: string };
  if (err && typeof err === 'object') {
    // PostgreSQL: SQLSTATE 23505 unique, 23503 foreign key; the constraint name is given.
    if (err.code === '23505') throw new ConstraintViolation('unique', err.constraint ?? 'unknown', e);
    if (err.code === '23503') throw new ConstraintViolation('foreign_key', err.constraint ?? 'unknown', e);
    // SQLite: the message names the columns ("UNIQUE constraint failed: endpoints.project_id, endpoints.name").
    if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new ConstraintViolation('unique', sqliteConstraintName(err.message ?? ''), e);
    }
    if (err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new ConstraintViolation('foreign_key', 'foreign_key', e);
  }
  throw e;
}

const SQLITE_UNIQUE_NAMES: Record<string, string> = {
  'endpoints.project_id,endpoints.name': 'endpoints_project_name',
  'endpoint_addresses.subnet_id,endpoint_addresses.ip': 'endpoint_addresses_subnet_ip',
  'projects.name': 'projects_name_key',
  'subnets.neutron_subnet_id': 'subnets_neutron_subnet_id_key',
  'resolver_rules.endpoint_id,resolver_rules.domain_key': 'resolver_rules_endpoint_domain',
  'resolver_rule_vpcs.vpc_id,resolver_rule_vpcs.domain_key': 'resolver_rule_vpcs_vpc_domain',
  'resolver_rule_vpcs.rule_id,resolver_rule_vpcs.vpc_id': 'resolver_rule_vpcs_pkey',
  'query_log_config_vpcs.vpc_id': 'query_log_config_vpcs_vpc',
  'private_zone_vpcs.vpc_id,private_zone_vpcs.zone_name': 'private_zone_vpcs_vpc_name',
  'private_zone_vpcs.zone_id,private_zone_vpcs.vpc_id': 'private_zone_vpcs_pkey',
  'record_sets.zone_id,record_sets.name,record_sets.type': 'record_sets_zone_name_type',
  'query_log_config_vpcs.config_id,query_log_config_vpcs.vpc_id': 'query_log_config_vpcs_pkey',
};

function sqliteConstraintName(message: string): string {
  const cols = message.replace(/^.*constraint failed: /i, '').replace(/\s+/g, '');
  // A primary key gets PostgreSQL's default name, so both databases report the same constraint.
  const pk = /^(\w+)\.id$/.exec(cols);
  return SQLITE_UNIQUE_NAMES[cols] ?? (pk ? `${pk[1]}_pkey` : cols);
}

/** Awaits a write, translating a constraint's refusal to ConstraintViolation. */
export async function guarded<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    return translateError(e);
  }
}

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

export const affected = (r: { numAffectedRows?: bigint }): number => Number(r.numAffectedRows ?? 0n);
