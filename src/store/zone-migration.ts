// Migration 0005_zones: private zones, their VPC associations and their record sets (issue 18).
import type { Kysely, Migration } from 'kysely';
import { isPendingSql } from './schema.ts';

export const zoneMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('private_zones')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('ttl', 'bigint', (c) => c.notNull())
      .addColumn('serial', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('proxy_pattern', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('enterprise_project_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint')
      .execute();
    await db.schema.createIndex('private_zones_project').on('private_zones').columns(['project_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('private_zones_pending').on('private_zones').column('status').where(isPendingSql).execute();
    await db.schema
      .createTable('private_zone_vpcs')
      .addColumn('zone_id', 'text', (c) => c.notNull().references('private_zones.id'))
      .addColumn('vpc_id', 'text', (c) => c.notNull().references('vpcs.id'))
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('zone_name', 'text', (c) => c.notNull())
      .addColumn('region', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('private_zone_vpcs_pkey', ['zone_id', 'vpc_id'])
      // One private zone of a name per VPC, however the requests race (spec Z1/Z6, DNS.0212).
      .addUniqueConstraint('private_zone_vpcs_vpc_name', ['vpc_id', 'zone_name'])
      .execute();
    await db.schema.createIndex('private_zone_vpcs_pending').on('private_zone_vpcs').column('status').where(isPendingSql).execute();
    await db.schema
      .createTable('record_sets')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('zone_id', 'text', (c) => c.notNull().references('private_zones.id'))
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('ttl', 'bigint', (c) => c.notNull())
      // JSON arrays: values are read and written as a whole, in the order the client sent them.
      .addColumn('records', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint')
      // One set per (zone, name, type), however the requests race (DNS.0312).
      .addUniqueConstraint('record_sets_zone_name_type', ['zone_id', 'name', 'type'])
      .execute();
    await db.schema.createIndex('record_sets_zone').on('record_sets').columns(['zone_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('record_sets_project').on('record_sets').columns(['project_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('record_sets_pending').on('record_sets').column('status').where(isPendingSql).execute();
  },
};
