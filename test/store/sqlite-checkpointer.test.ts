// SQLite WAL checkpoints on a worker thread: the worker copies the WAL into the database file; closing stops it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openStore } from '../../src/store/open.ts';
import { startCheckpointer } from '../../src/store/sqlite-checkpointer.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpcdns-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('startCheckpointer', () => {
  it('copies committed WAL frames into the database file from its own thread', async () => {
    const path = join(dir, 'raw.sqlite');
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (id integer primary key, v text)');
    const errors: string[] = [];
    const checkpointer = await startCheckpointer(path, (m) => errors.push(m), { intervalMs: 5, retryMs: 5 });
    const insert = db.prepare('insert into t (v) values (?)');
    for (let i = 0; i < 50; i++) insert.run('x'.repeat(500));
    for (let i = 0; i < 1000 && checkpointer.framesCopied === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(checkpointer.framesCopied > 0, 'the worker copied WAL frames within 5 s');
    await checkpointer.stop();
    await checkpointer.stop(); // twice is harmless
    // The server's connection now finds nothing left to copy.
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    assert.equal(r!.checkpointed, r!.log);
    db.close();
    assert.deepEqual(errors, []);
  });
});

describe('openStore on a SQLite file', () => {
  it('leaves checkpoints to the worker, and closes both connections (the WAL is removed, the data kept)', async () => {
    const path = join(dir, 'store.sqlite');
    const store = await openStore(path);
    await store.projects.create({ id: '0'.repeat(32), name: 'p', createdAt: 1 });
    await store.close();
    assert.equal(existsSync(`${path}-wal`), false);
    const again = await openStore(path);
    assert.equal((await again.projects.list()).length, 1);
    await again.close();
  });
});
