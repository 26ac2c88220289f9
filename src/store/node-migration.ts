// Migration 0004_nodes: the nodes of a cluster, what each DNS node reports per address, and leases.
import type { Kysely, Migration } from 'kysely';

/** A running vpcdns process (docs/deployment.md): one row per node name, replaced by the newest start of that name. */
export interface NodesTable {
  name: string;
  /** Random per process start: a heartbeat is written only by the start that holds the row. */
  instance: string;
  /** Comma-separated roles (api,reconciler,dns). */
  roles: string;
  /** Comma-separated CIDRs the node serves DNS on (empty without the dns role). */
  serve_cidrs: string;
  started_at: number;
  heartbeat_at: number;
}

/** A DNS node's report on one address it covers: bound (listening, or usable as a source), or why not. */
export interface NodeAddressesTable {
  node_name: string;
  address_id: string;
  ip: string;
  /** 1 bound, 0 not (an integer on both databases). */
  bound: number;
  reason: string | null;
  updated_at: number;
}

/** A named piece of work one node does at a time, held until expires_at unless renewed (compare-and-set). */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface NodeTables {
  nodes: NodesTable;
  node_addresses: NodeAddressesTable;
  leases: LeasesTable;
}

export const nodeMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('nodes')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('instance', 'text', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('serve_cidrs', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('node_addresses')
      .addColumn('node_name', 'text', (c) => c.notNull().references('nodes.name').onDelete('cascade'))
      .addColumn('address_id', 'text', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('bound', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('node_addresses_pkey', ['node_name', 'address_id'])
      .execute();
    await db.schema.createIndex('node_addresses_address').on('node_addresses').columns(['address_id']).execute();
    await db.schema
      .createTable('leases')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
