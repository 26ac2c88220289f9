// Kysely repositories of users, access keys, settings and project deletion (SQLite and PostgreSQL alike).
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AccessKeyRecord, IdentityRepos, UserRecord } from './identity-types.ts';
import type { AccessKeysTable, Database, UsersTable } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;
/** Translates driver constraint errors to ConstraintViolation (sql-store's `guarded`). */
type Guard = <T>(p: Promise<T>) => Promise<T>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

const toUser = (r: Selectable<UsersTable>): UserRecord => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  passwordHash: r.password_hash,
  createdAt: num(r.created_at),
});

const toAccessKey = (r: Selectable<AccessKeysTable>): AccessKeyRecord => ({
  access: r.access,
  projectId: r.project_id,
  sealedSecret: r.sealed_secret,
  status: r.status,
  description: r.description,
  createdAt: num(r.created_at),
});

const deleted = (r: { numDeletedRows: bigint }): boolean => Number(r.numDeletedRows) > 0;

export function makeIdentityRepos(db: Db, guarded: Guard): IdentityRepos {
  return {
    users: {
      async create(u) {
        await guarded(
          db.insertInto('users').values({ id: u.id, project_id: u.projectId, name: u.name, password_hash: u.passwordHash, created_at: u.createdAt }).execute(),
        );
      },
      async get(id) {
        const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        return r && toUser(r);
      },
      async findByName(projectId, name) {
        const r = await db.selectFrom('users').selectAll().where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
        return r && toUser(r);
      },
      async list(projectId) {
        let q = db.selectFrom('users').selectAll();
        if (projectId !== undefined) q = q.where('project_id', '=', projectId);
        return (await q.orderBy('created_at').orderBy('name').execute()).map(toUser);
      },
      async delete(id) {
        // Tokens first: SQLite's cascade needs foreign keys on, and this way it does not matter.
        await db.deleteFrom('api_tokens').where('user_id', '=', id).execute();
        return deleted(await db.deleteFrom('users').where('id', '=', id).executeTakeFirst());
      },
    },

    accessKeys: {
      async create(k) {
        await guarded(
          db
            .insertInto('access_keys')
            .values({ access: k.access, project_id: k.projectId, sealed_secret: k.sealedSecret, status: k.status, description: k.description, created_at: k.createdAt })
            .execute(),
        );
      },
      async get(access) {
        const r = await db.selectFrom('access_keys').selectAll().where('access', '=', access).executeTakeFirst();
        return r && toAccessKey(r);
      },
      async list(projectId) {
        let q = db.selectFrom('access_keys').selectAll();
        if (projectId !== undefined) q = q.where('project_id', '=', projectId);
        return (await q.orderBy('created_at').orderBy('access').execute()).map(toAccessKey);
      },
      async count() {
        const r = await db.selectFrom('access_keys').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        return num(r.n);
      },
      async setStatus(access, status) {
        const r = await db.updateTable('access_keys').set({ status }).where('access', '=', access).executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      },
      async delete(access) {
        return deleted(await db.deleteFrom('access_keys').where('access', '=', access).executeTakeFirst());
      },
    },

    settings: {
      async get(name) {
        const r = await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
        return r?.value;
      },
      async set(name, value) {
        await db
          .insertInto('settings')
          .values({ name, value })
          .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
          .execute();
      },
    },

    projectAdmin: {
      async usage(projectId) {
        const count = async (table: 'vpcs' | 'endpoints') =>
          num((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow()).n);
        return { vpcs: await count('vpcs'), endpoints: await count('endpoints') };
      },
      async delete(projectId) {
        await db.deleteFrom('api_tokens').where('project_id', '=', projectId).execute();
        await db.deleteFrom('access_keys').where('project_id', '=', projectId).execute();
        await db.deleteFrom('users').where('project_id', '=', projectId).execute();
        return deleted(await guarded(db.deleteFrom('projects').where('id', '=', projectId).executeTakeFirst()));
      },
    },
  };
}
