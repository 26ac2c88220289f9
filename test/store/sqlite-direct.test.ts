// SQLite runs precompiled queries on its connection directly: never inside another request's open transaction.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';

const hex = () => randomBytes(16).toString('hex');

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** Lets every pending promise job and I/O callback run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('SQLite store: precompiled queries beside open transactions', () => {
  let store: Store;
  const projectId = hex();
  const endpointId = hex();
  before(async () => {
    store = await openStore(':memory:');
    await store.projects.create({ id: projectId, name: 'p', createdAt: 1 });
    await store.vpcs.create({ id: 'vpc-1', projectId, name: 'v', cidr: '10.0.0.0/16', description: '', createdAt: 1 });
    await store.endpoints.create({ id: endpointId, projectId, name: 'e', direction: 'inbound', region: 'r', vpcId: 'vpc-1', status: 'ACTIVE', createdAt: 1, updatedAt: 1 });
  });
  after(() => store.close());

  it('a read outside waits for an open transaction and then sees its commit, never its uncommitted rows', async () => {
    const g = gate();
    const digest = hex();
    const tx = store.transaction(async (t) => {
      await t.tokens.create({ digest, projectId, expiresAt: null, createdAt: 1 });
      await g.opened;
    });
    await settle();
    let done = false;
    const reading = store.tokens.find(digest, 2).finally(() => (done = true));
    await settle();
    assert.equal(done, false, 'the read waits while the transaction is open');
    g.open();
    await tx;
    assert.equal((await reading)?.projectId, projectId, 'and sees the committed row');
  });

  it('a read outside never sees the rows of a transaction that rolls back', async () => {
    const g = gate();
    const digest = hex();
    const tx = store.transaction(async (t) => {
      await t.tokens.create({ digest, projectId, expiresAt: null, createdAt: 1 });
      await g.opened;
      throw new Error('roll back');
    });
    await settle();
    const reading = store.tokens.find(digest, 2);
    g.open();
    await assert.rejects(tx, /roll back/);
    assert.equal(await reading, undefined);
  });

  it('in a transaction, precompiled writes are seen by its own reads and roll back with it', async () => {
    await assert.rejects(
      store.transaction(async (t) => {
        await t.endpoints.update(endpointId, { status: 'PENDING_UPDATE', updatedAt: 5 });
        assert.equal((await t.endpoints.get(projectId, endpointId))?.status, 'PENDING_UPDATE');
        assert.deepEqual([...(await t.reconcile.transitionEach([{ id: endpointId, from: 'PENDING_UPDATE', to: 'ERROR' }], 6))], [endpointId]);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await store.endpoints.get(projectId, endpointId))?.status, 'ACTIVE');
  });

  it('a write outside while a transaction is open waits for it instead of joining it', async () => {
    const g = gate();
    const tx = store.transaction(async (t) => {
      await t.endpoints.update(endpointId, { status: 'PENDING_UPDATE', updatedAt: 7 });
      await g.opened;
      throw new Error('roll back');
    });
    await settle();
    const writing = store.endpoints.transition(endpointId, 'ACTIVE', 'ERROR', 8);
    g.open();
    await assert.rejects(tx, /roll back/);
    assert.equal(await writing, true, 'applied after the rollback, to the committed row');
    assert.equal((await store.endpoints.get(projectId, endpointId))?.status, 'ERROR');
    await store.endpoints.transition(endpointId, 'ERROR', 'ACTIVE', 9);
  });
});
