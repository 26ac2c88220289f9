// Schema migrations, in order; the same definitions serve SQLite and PostgreSQL.
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { identityMigration } from './identity-migration.ts';
import { nodeMigration } from './node-migration.ts';
import { isPendingSql } from './schema.ts';
import { zoneMigration } from './zone-migration.ts';

const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('vpcs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('cidr', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vpcs_project').on('vpcs').columns(['project_id', 'created_at']).execute();
      await db.schema
        .createTable('subnets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('vpc_id', 'text', (c) => c.notNull().references('vpcs.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('cidr', 'text', (c) => c.notNull())
        .addColumn('gateway_ip', 'text', (c) => c.notNull())
        .addColumn('neutron_subnet_id', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('subnets_vpc').on('subnets').columns(['vpc_id']).execute();
      await db.schema.createIndex('subnets_project').on('subnets').columns(['project_id', 'created_at']).execute();
      await db.schema
        .createTable('endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('vpc_id', 'text', (c) => c.notNull().references('vpcs.id'))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('endpoints_project_name', ['project_id', 'name'])
        .execute();
      await db.schema.createIndex('endpoints_project_dir').on('endpoints').columns(['project_id', 'direction', 'created_at', 'id']).execute();
      await db.schema.createIndex('endpoints_vpc').on('endpoints').columns(['vpc_id']).execute();
      await db.schema
        .createIndex('endpoints_pending')
        .on('endpoints')
        .column('status')
        .where(isPendingSql)
        .execute();
      await db.schema
        .createTable('endpoint_addresses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('endpoint_id', 'text', (c) => c.notNull().references('endpoints.id'))
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('subnet_id', 'text', (c) => c.notNull().references('subnets.id'))
        .addColumn('vpc_id', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('ip_int', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_info', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        // The rule that makes "two binds of one address, one winner" hold under any concurrency.
        .addUniqueConstraint('endpoint_addresses_subnet_ip', ['subnet_id', 'ip'])
        .execute();
      await db.schema.createIndex('endpoint_addresses_endpoint').on('endpoint_addresses').columns(['endpoint_id', 'created_at']).execute();
      await db.schema.createIndex('endpoint_addresses_subnet_ip_int').on('endpoint_addresses').columns(['subnet_id', 'ip_int']).execute();
      await db.schema.createIndex('endpoint_addresses_vpc').on('endpoint_addresses').columns(['vpc_id']).execute();
      await db.schema
        .createIndex('endpoint_addresses_pending')
        .on('endpoint_addresses')
        .column('status')
        .where(isPendingSql)
        .execute();
    },
  },
};

/** Resolver rules, their targets and VPC associations, and query-logging configurations. */
const rulesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('resolver_rules')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('domain_name', 'text', (c) => c.notNull())
      .addColumn('domain_key', 'text', (c) => c.notNull())
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('endpoints.id'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      // One rule per (endpoint, domain): a second one would be ambiguous.
      .addUniqueConstraint('resolver_rules_endpoint_domain', ['endpoint_id', 'domain_key'])
      .execute();
    await db.schema.createIndex('resolver_rules_project').on('resolver_rules').columns(['project_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('resolver_rules_pending').on('resolver_rules').column('status').where(isPendingSql).execute();
    await db.schema
      .createTable('resolver_rule_targets')
      .addColumn('rule_id', 'text', (c) => c.notNull().references('resolver_rules.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('ip', 'text', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('resolver_rule_targets_pkey', ['rule_id', 'position'])
      .execute();
    await db.schema
      .createTable('resolver_rule_vpcs')
      .addColumn('rule_id', 'text', (c) => c.notNull().references('resolver_rules.id'))
      .addColumn('vpc_id', 'text', (c) => c.notNull().references('vpcs.id'))
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('domain_key', 'text', (c) => c.notNull())
      .addColumn('region', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('resolver_rule_vpcs_pkey', ['rule_id', 'vpc_id'])
      // A VPC may not be associated with two rules for the same domain, however the requests race.
      .addUniqueConstraint('resolver_rule_vpcs_vpc_domain', ['vpc_id', 'domain_key'])
      .execute();
    await db.schema.createIndex('resolver_rule_vpcs_pending').on('resolver_rule_vpcs').column('status').where(isPendingSql).execute();
    await db.schema
      .createTable('query_log_configs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('lts_group_id', 'text', (c) => c.notNull())
      .addColumn('lts_topic_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('query_log_configs_project').on('query_log_configs').columns(['project_id', 'created_at', 'id']).execute();
    await db.schema
      .createTable('query_log_config_vpcs')
      .addColumn('config_id', 'text', (c) => c.notNull().references('query_log_configs.id').onDelete('cascade'))
      .addColumn('vpc_id', 'text', (c) => c.notNull().references('vpcs.id'))
      .addPrimaryKeyConstraint('query_log_config_vpcs_pkey', ['config_id', 'vpc_id'])
      // One log destination per VPC.
      .addUniqueConstraint('query_log_config_vpcs_vpc', ['vpc_id'])
      .execute();
  },
};
migrations['0003_rules'] = rulesMigration;
// The nodes of a cluster (docs/deployment.md).
migrations['0004_nodes'] = nodeMigration;

migrations['0002_identity'] = identityMigration;
migrations['0005_zones'] = zoneMigration;

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
