// The storage contract of identities: projects, API tokens, users, access keys, settings and project deletion, on every database.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ConstraintViolation, type Store } from '../../src/store/types.ts';
import { DATABASES } from '../helpers/harness.ts';
import { hex, useStore } from '../helpers/store-fixture.ts';
import { assertViolation } from './contract-fixture.ts';

for (const db of DATABASES) {
  describe(`identity storage contract on ${db}`, () => {
    const fixture = useStore(db);
    const { tick, project } = fixture;
    let store: Store;
    before(() => {
      store = fixture.store;
    });
    const user = (projectId: string, name = 'alice') => ({ id: hex(), projectId, name, passwordHash: 'scrypt$1024$8$1$c2FsdA==$aGFzaA==', createdAt: tick() });
    const key = (projectId: string, access = `AK${hex().slice(0, 18).toUpperCase()}`) => ({ access, projectId, sealedSecret: 'v1.sealed', status: 'active' as const, description: '', createdAt: tick() });

    it('users: create, get, find by (project, name), list; the name is unique per project only', async () => {
      const p = await project();
      const q = await project();
      const u = user(p.id);
      await store.users.create(u);
      assert.deepEqual(await store.users.get(u.id), u);
      assert.deepEqual(await store.users.findByName(p.id, 'alice'), u);
      assert.equal(await store.users.findByName(q.id, 'alice'), undefined);
      await assert.rejects(store.users.create(user(p.id)), (e) => e instanceof ConstraintViolation && e.kind === 'unique');
      await store.users.create(user(q.id));
      assert.deepEqual((await store.users.list(p.id)).map((x) => x.id), [u.id]);
      assert.ok((await store.users.list()).length >= 2);
    });

    it('access keys: create, get, list, disable, delete; an AK exists once', async () => {
      const p = await project();
      const k = key(p.id);
      await store.accessKeys.create(k);
      assert.deepEqual(await store.accessKeys.get(k.access), k);
      await assert.rejects(store.accessKeys.create(key(p.id, k.access)), (e) => e instanceof ConstraintViolation && e.kind === 'unique');
      assert.equal(await store.accessKeys.setStatus(k.access, 'disabled'), true);
      assert.equal((await store.accessKeys.get(k.access))?.status, 'disabled');
      assert.deepEqual((await store.accessKeys.list(p.id)).map((x) => x.access), [k.access]);
      const before = await store.accessKeys.count();
      assert.equal(await store.accessKeys.delete(k.access), true);
      assert.equal(await store.accessKeys.delete(k.access), false);
      assert.equal(await store.accessKeys.count(), before - 1);
      assert.equal(await store.accessKeys.setStatus(k.access, 'active'), false);
    });

    it('settings: get, set, overwrite', async () => {
      const name = `s-${hex()}`;
      assert.equal(await store.settings.get(name), undefined);
      await store.settings.set(name, 'one');
      await store.settings.set(name, 'two');
      assert.equal(await store.settings.get(name), 'two');
    });

    it('tokens: a user\'s token is found until it expires, revoked once, and expired ones are purged', async () => {
      const p = await project();
      const u = user(p.id);
      await store.users.create(u);
      const digest = hex() + hex();
      await store.tokens.create({ digest, projectId: p.id, userId: u.id, expiresAt: 2000, createdAt: 1000 });
      assert.deepEqual(await store.tokens.find(digest, 1999), { digest, projectId: p.id, userId: u.id, expiresAt: 2000, createdAt: 1000 });
      assert.equal(await store.tokens.find(digest, 2000), undefined);
      const live = hex() + hex();
      await store.tokens.create({ digest: live, projectId: p.id, userId: u.id, expiresAt: 9000, createdAt: 1000 });
      assert.equal(await store.tokens.deleteExpired(u.id, 5000), 1);
      assert.ok(await store.tokens.find(live, 5000));
      assert.equal(await store.tokens.delete(live), true);
      assert.equal(await store.tokens.delete(live), false);
      const config = hex() + hex();
      await store.tokens.create({ digest: config, projectId: p.id, expiresAt: null, createdAt: 1 });
      assert.equal((await store.tokens.find(config, Number.MAX_SAFE_INTEGER))?.userId, null);
    });

    it('deleting a user deletes its tokens', async () => {
      const p = await project();
      const u = user(p.id);
      await store.users.create(u);
      const digest = hex();
      await store.tokens.create({ digest, projectId: p.id, userId: u.id, expiresAt: null, createdAt: 1 });
      assert.equal(await store.users.delete(u.id), true);
      assert.equal(await store.tokens.find(digest, 0), undefined);
      assert.equal(await store.users.delete(u.id), false);
    });

    it('deleting a project takes its users, keys and tokens; usage counts what would block it', async () => {
      const p = await project();
      const u = user(p.id);
      await store.users.create(u);
      await store.accessKeys.create(key(p.id));
      await store.tokens.create({ digest: hex(), projectId: p.id, userId: u.id, expiresAt: null, createdAt: 1 });
      assert.deepEqual(await store.projectAdmin.usage(p.id), { vpcs: 0, endpoints: 0 });
      assert.equal(await store.transaction((tx) => tx.projectAdmin.delete(p.id)), true);
      assert.equal(await store.projects.get(p.id), undefined);
      assert.deepEqual(await store.users.list(p.id), []);
      assert.deepEqual(await store.accessKeys.list(p.id), []);
      assert.equal(await store.tokens.countForProject(p.id), 0);
    });

    it('refuses to delete a project that still has a VPC (foreign key), and rolls back', async () => {
      const p = await project();
      await store.users.create(user(p.id));
      await store.vpcs.create({ id: randomUUID(), projectId: p.id, name: 'v', cidr: '10.0.0.0/16', description: '', createdAt: tick() });
      assert.equal((await store.projectAdmin.usage(p.id)).vpcs, 1);
      await assert.rejects(store.transaction((tx) => tx.projectAdmin.delete(p.id)), (e) => e instanceof ConstraintViolation && e.kind === 'foreign_key');
      assert.equal((await store.users.list(p.id)).length, 1, 'the user deleted before the refusal is back');
    });

    describe('projects', () => {
      it('creates, gets, finds by name and lists', async () => {
        const p = await project();
        assert.deepEqual(await store.projects.get(p.id), p);
        assert.deepEqual(await store.projects.findByName(p.name), p);
        assert.ok((await store.projects.list()).some((x) => x.id === p.id));
        assert.equal(await store.projects.get(hex()), undefined);
        assert.equal(await store.projects.findByName('no-such-project'), undefined);
      });

      it('raises unique projects_name_key for a duplicate name', async () => {
        const p = await project();
        await assertViolation(store.projects.create({ id: hex(), name: p.name, createdAt: tick() }), 'unique', 'projects_name_key');
      });
    });

    describe('tokens', () => {
      it('finds the project of a digest until it expires, and never for an unknown digest', async () => {
        const p = await project();
        const expiring = hex();
        const forever = hex();
        await store.tokens.create({ digest: expiring, projectId: p.id, expiresAt: 5_000, createdAt: 1_000 });
        await store.tokens.create({ digest: forever, projectId: p.id, expiresAt: null, createdAt: 1_000 });
        assert.equal(await store.tokens.findProject(expiring, 4_999), p.id);
        assert.equal(await store.tokens.findProject(expiring, 5_000), undefined, 'a token is expired at its expiry instant');
        assert.equal(await store.tokens.findProject(expiring, 9_999_999), undefined);
        assert.equal(await store.tokens.findProject(forever, Number.MAX_SAFE_INTEGER - 1), p.id);
        assert.equal(await store.tokens.findProject(hex(), 0), undefined);
        assert.equal(await store.tokens.countForProject(p.id), 2);
        assert.equal(await store.tokens.countForProject(hex()), 0);
      });

      it('raises foreign_key for a token of an unknown project', async () => {
        await assertViolation(store.tokens.create({ digest: hex(), projectId: hex(), expiresAt: null, createdAt: tick() }), 'foreign_key');
      });
    });
  });
}
