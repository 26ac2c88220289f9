// Migration 0002_identity: users, access keys, server settings, and the user a token was issued to.
import type { Kysely, Migration } from 'kysely';

export const identityMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('users_project_name', ['project_id', 'name'])
      .execute();
    await db.schema
      .createTable('access_keys')
      .addColumn('access', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('sealed_secret', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('access_keys_project').on('access_keys').columns(['project_id', 'created_at']).execute();
    await db.schema
      .createTable('settings')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    // Tokens from a password login belong to a user and go when the user goes; config tokens have none.
    await db.schema
      .alterTable('api_tokens')
      .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
      .execute();
    await db.schema.createIndex('api_tokens_user').on('api_tokens').columns(['user_id', 'expires_at']).execute();
  },
};
