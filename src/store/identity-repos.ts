// The repositories of identities: projects, API tokens, users, access keys, settings and project deletion.
import type { Selectable } from 'kysely';
import { guarded, num, type Db, type RepoContext } from './context.ts';
import type { AccessKeyRecord, IdentityRepos, UserRecord } from './identity-types.ts';
import { precompiled } from './precompiled.ts';
import type { AccessKeysTable, UsersTable } from './schema.ts';
import type { ProjectRepo, TokenRepo } from './types.ts';

/** The token of every request (token-cache.ts remembers it on SQLite). */
const tokenFind = precompiled((db, digest: string, now: number) =>
  db
    .selectFrom('api_tokens')
    .selectAll()
    .where('digest', '=', digest)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])),
);

export const projectMethods: ProjectRepo & ThisType<RepoContext> = {
  async create(p) {
    await guarded(this.db.insertInto('projects').values({ id: p.id, name: p.name, created_at: p.createdAt }).execute());
  },
  async get(id) {
    const r = await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: num(r.created_at) };
  },
  async findByName(name) {
    const r = await this.db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: num(r.created_at) };
  },
  async list() {
    const rows = await this.db.selectFrom('projects').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: num(r.created_at) }));
  },
  async lock(id) {
    await this.statements.lockProject(this.db, id);
  },
};

export const tokenMethods: TokenRepo & ThisType<RepoContext> = {
  async create(t) {
    await guarded(
      this.db
        .insertInto('api_tokens')
        .values({ digest: t.digest, project_id: t.projectId, user_id: t.userId ?? null, expires_at: t.expiresAt, created_at: t.createdAt })
        .execute(),
    );
  },
  async find(digest, now) {
    const r = (await tokenFind(this.db, this.dialect, digest, now)).rows[0];
    return r && { digest: r.digest, projectId: r.project_id, userId: r.user_id, expiresAt: r.expires_at === null ? null : num(r.expires_at), createdAt: num(r.created_at) };
  },
  async delete(digest) {
    const r = await this.db.deleteFrom('api_tokens').where('digest', '=', digest).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
  async deleteExpired(userId, now) {
    const r = await this.db.deleteFrom('api_tokens').where('user_id', '=', userId).where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
  async findProject(digest, now) {
    const r = await this.db
      .selectFrom('api_tokens')
      .select('project_id')
      .where('digest', '=', digest)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    return r?.project_id;
  },
  async countForProject(projectId) {
    const r = await this.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId).executeTakeFirstOrThrow();
    return num(r.n);
  },
};

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

/** Users, access keys, settings and project deletion, made on first use by a transaction (they are rarely used). */
export function makeIdentityRepos(db: Db): IdentityRepos {
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
