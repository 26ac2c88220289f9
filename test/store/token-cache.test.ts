// The SQLite store's token lookup is cached, and a cached token is never used after a write could have changed it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { openStore } from '../../src/store/open.ts';
import { cachedTokenFind, type TokenStamp } from '../../src/store/token-cache.ts';
import type { Store, TokenRecord } from '../../src/store/types.ts';

const PROJECT = 'ab'.repeat(16);
const dir = mkdtempSync(join(tmpdir(), 'vpcdns-token-cache-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('cachedTokenFind', () => {
  const token: TokenRecord = { digest: 'd1', projectId: PROJECT, expiresAt: 1000, createdAt: 0 };
  let reads = 0;
  let stamp: TokenStamp = { local: 0, others: 0 };
  const find = cachedTokenFind(
    async (digest) => {
      reads++;
      return digest === 'd1' ? token : undefined;
    },
    () => stamp,
    2,
  );

  it('reads once while the stamp stands, again when either half moves; unknown tokens are read each time', async () => {
    assert.equal(await find('d1', 0), token);
    assert.equal(await find('d1', 0), token);
    assert.equal(reads, 1);
    stamp = { local: 1, others: 0 };
    assert.equal(await find('d1', 0), token);
    stamp = { local: 1, others: 1 };
    assert.equal(await find('d1', 0), token);
    assert.equal(reads, 3);
    assert.equal(await find('nope', 0), undefined);
    assert.equal(await find('nope', 0), undefined);
    assert.equal(reads, 5);
  });

  it('applies the expiry to a cached token', async () => {
    const before = reads;
    assert.equal(await find('d1', 999), token);
    assert.equal(await find('d1', 1000), undefined);
    assert.equal(reads, before);
  });
});

describe('token lookups of a SQLite store', () => {
  let path: string;
  let store: Store;
  let n = 0;
  const add = (digest: string, expiresAt: number | null = null, userId: string | null = null) =>
    store.tokens.create({ digest, projectId: PROJECT, userId, expiresAt, createdAt: 0 });

  beforeEach(async () => {
    path = join(dir, `db-${n++}.sqlite`);
    store = await openStore(path);
    await store.projects.create({ id: PROJECT, name: 'p', createdAt: 0 });
  });
  afterEach(() => store.close());

  it('sees a token revoked by another connection (vpcdns admin in another process) at once', async () => {
    await add('d1');
    assert.equal((await store.tokens.find('d1', 0))?.projectId, PROJECT);
    const other = await openStore(path);
    assert.equal(await other.tokens.delete('d1'), true);
    await other.close();
    assert.equal(await store.tokens.find('d1', 0), undefined);
  });

  it('sees its own revocations and a user deletion, which takes the user\'s tokens', async () => {
    await add('d1');
    await store.users.create({ id: 'u1', projectId: PROJECT, name: 'u', passwordHash: 'x', createdAt: 0 });
    await add('d2', null, 'u1');
    assert.ok(await store.tokens.find('d1', 0));
    assert.ok(await store.tokens.find('d2', 0));
    await store.tokens.delete('d1');
    assert.equal(await store.tokens.find('d1', 0), undefined);
    await store.users.delete('u1');
    assert.equal(await store.tokens.find('d2', 0), undefined);
  });

  it('sees a revocation that is committed while the lookup waits, and not one rolled back', async () => {
    await add('d1');
    assert.ok(await store.tokens.find('d1', 0));
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.tokens.delete('d1');
        assert.equal(await tx.tokens.find('d1', 0), undefined);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.ok(await store.tokens.find('d1', 0));
    let release!: () => void;
    let deleted!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const done = new Promise<void>((r) => (deleted = r));
    const revoking = store.transaction(async (tx) => {
      await tx.tokens.delete('d1');
      deleted();
      await gate;
    });
    await done;
    const lookup = store.tokens.find('d1', 0); // the delete ran, uncommitted: the lookup waits for the transaction
    release();
    await revoking;
    assert.equal(await lookup, undefined);
  });

  it('applies expiry to a cached token', async () => {
    await add('d1', 100);
    assert.ok(await store.tokens.find('d1', 99));
    assert.equal(await store.tokens.find('d1', 100), undefined);
  });
});
