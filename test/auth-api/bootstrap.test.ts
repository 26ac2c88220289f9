// Identities at start: users and access keys from the config (idempotent), the first-start access key, the secret key and its checks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { newSecretKey } from '../../src/auth/secret-box.ts';
import { loadConfig } from '../../src/config.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { SECRET_KEY_ID_SETTING, loadSecretKey } from '../../src/services/secret-key.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/types.ts';
import { createSystem, type System } from '../../src/system.ts';
import { TEST_AUTH, TEST_SCRYPT, TEST_SECRETS, loginBody } from '../helpers/auth-clients.ts';
import { signedInject } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'vpcdns-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROJECT = '0123456789abcdef0123456789abcdef';
const config = (project: Record<string, unknown>) => ({
  region: 'ap-southeast-1',
  quotas: { inboundEndpoints: 5, outboundEndpoints: 5, resolverRules: 5 },
  bodyLimit: 65536,
  sweepIntervalMs: 60_000,
  auth: TEST_AUTH,
  projects: project.id ? [{ name: 'demo', ...project } as { id: string; name: string }] : [],
  vpcs: [],
});

async function start(store: Store, cfg: ReturnType<typeof config>, clock = new ManualClock()): Promise<System> {
  return createSystem({ store, config: cfg, log: pino({ level: 'silent' }), clock, mode: 'manual', secrets: TEST_SECRETS, scrypt: TEST_SCRYPT });
}

const login = (sys: System, password: string) =>
  sys.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: loginBody({ user: 'alice', password }, { name: 'demo' }) });

describe('bootstrap of users and access keys from the config', () => {
  it('creates them once; a second start with the same or a changed config leaves them as they are', async () => {
    const file = join(dir, 'boot.sqlite');
    const identity = { id: PROJECT, users: [{ name: 'alice', password: 'first-password' }], access_keys: [{ access: 'AKCONFIG000000000001', secret: 'a-secret-of-40-characters-or-so-00000000' }] };
    let sys = await start(await openStore(file), config(identity));
    assert.equal((await login(sys, 'first-password')).statusCode, 201);
    await sys.close();
    const changed = { ...identity, users: [{ name: 'alice', password: 'second-password' }] };
    sys = await start(await openStore(file), config(changed));
    try {
      assert.equal((await sys.store.users.list(PROJECT)).length, 1);
      assert.equal((await sys.store.accessKeys.list(PROJECT)).length, 1);
      assert.equal((await login(sys, 'first-password')).statusCode, 201, 'the stored password stays');
      assert.equal((await login(sys, 'second-password')).statusCode, 401);
      const h = { sys, clock: new ManualClock() } as never;
      const signed = await signedInject(h, 'GET', '/v3/projects', { ak: 'AKCONFIG000000000001', sk: 'a-secret-of-40-characters-or-so-00000000' });
      assert.equal(signed.status, 200);
      assert.equal(signed.body.projects[0].id, PROJECT);
      const stored = await sys.store.accessKeys.get('AKCONFIG000000000001');
      assert.ok(stored && !stored.sealedSecret.includes('a-secret-of'), 'the SK is stored sealed');
    } finally {
      await sys.close();
    }
  });

  it('refuses an access key that belongs to another project, and bad identities', async () => {
    const taken = { access: 'AKTAKEN0000000000001', secret: 's'.repeat(20) };
    const store = await openStore(':memory:');
    const owner = await start(store, config({ id: 'f'.repeat(32), name: 'other', access_keys: [taken] }));
    await owner.app.close();
    await assert.rejects(start(store, config({ id: PROJECT, access_keys: [taken] })), /belongs to project f{32}/);
    await store.close();
    await assert.rejects(start(await openStore(':memory:'), config({ id: PROJECT, access_keys: [{ access: 'AK,BAD', secret: 's'.repeat(20) }] })), /access key/);
    await assert.rejects(start(await openStore(':memory:'), config({ id: PROJECT, users: [{ name: 'bad name', password: 'long-enough' }] })), /user name/);
  });

  it('on a first start with no identity at all, creates the default project with a token and a working access key', async () => {
    const sys = await start(await openStore(':memory:'), config({}));
    try {
      const demo = sys.bootstrapped.demo!;
      assert.match(demo.accessKey, /^[A-Z0-9]{20}$/);
      assert.match(demo.secretKey, /^[A-Za-z0-9]{40}$/);
      const h = { sys, clock: new ManualClock() } as never;
      const res = await signedInject(h, 'GET', '/v2.1/vpcs', { ak: demo.accessKey, sk: demo.secretKey, headers: { 'x-project-id': demo.projectId } });
      assert.equal(res.status, 200);
      assert.equal(res.body.vpcs.length, 0);
    } finally {
      await sys.close();
    }
  });
});

describe('the secret key that seals SKs', () => {
  it('is created on first use as a 0600 file beside the database, then read back; the database records its id', async () => {
    const file = join(dir, 'keys', 'secret.key');
    const store = await openStore(':memory:');
    const first = await loadSecretKey({ secretKey: undefined, secretKeyFile: file }, store);
    assert.equal(first.created, file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, 'utf8'), /^[0-9a-f]{64}\n$/);
    const again = await loadSecretKey({ secretKey: undefined, secretKeyFile: file }, store);
    assert.equal(again.created, undefined);
    assert.equal(again.box.keyId, first.box.keyId);
    assert.equal(await store.settings.get(SECRET_KEY_ID_SETTING), first.box.keyId);
    await store.close();
  });

  it('warns when the key file can be read by others', async () => {
    const file = join(dir, 'loose.key');
    writeFileSync(file, newSecretKey().toString('hex'), { mode: 0o644 });
    const store = await openStore(':memory:');
    assert.match((await loadSecretKey({ secretKey: undefined, secretKeyFile: file }, store)).warning ?? '', /readable by others/);
    await store.close();
  });

  it('refuses another key, or a missing key file, once SKs are sealed with the recorded one', async () => {
    const store = await openStore(':memory:');
    const file = join(dir, 'sealed.key');
    const { box } = await loadSecretKey({ secretKey: undefined, secretKeyFile: file }, store);
    await store.projects.create({ id: PROJECT, name: 'p', createdAt: 1 });
    await store.accessKeys.create({ access: 'AKSEALED000000000001', projectId: PROJECT, sealedSecret: box.seal('s'.repeat(40), 'AKSEALED000000000001'), status: 'active', description: '', createdAt: 1 });
    const other = newSecretKey().toString('hex');
    await assert.rejects(loadSecretKey({ secretKey: other, secretKeyFile: file }, store), /not the one this database's access keys are sealed with/);
    await assert.rejects(loadSecretKey({ secretKey: undefined, secretKeyFile: join(dir, 'absent.key') }, store), /is missing/);
    assert.equal((await loadSecretKey({ secretKey: readFileSync(file, 'utf8'), secretKeyFile: null }, store)).box.keyId, box.keyId, 'the same key from VPCDNS_SECRET_KEY');
    await store.accessKeys.delete('AKSEALED000000000001');
    const replaced = await loadSecretKey({ secretKey: other, secretKeyFile: file }, store);
    assert.equal(await store.settings.get(SECRET_KEY_ID_SETTING), replaced.box.keyId, 'with no SK sealed, a new key is simply recorded');
    await store.close();
  });

  it('refuses a malformed VPCDNS_SECRET_KEY without echoing it', async () => {
    const store = await openStore(':memory:');
    await assert.rejects(loadSecretKey({ secretKey: 'not-a-key-value', secretKeyFile: null }, store), (e: Error) => /VPCDNS_SECRET_KEY/.test(e.message) && !e.message.includes('not-a-key-value'));
    await store.close();
  });
});

describe('auth settings in the config', () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads token lifetime, rate limits (0 = off) and the key file; VPCDNS_SECRET_KEY comes from the environment', () => {
    const path = write('auth.yaml', 'auth: { token_ttl_seconds: 3600, rate_limit: { requests_per_second: 0 }, login_rate_limit: { requests_per_second: 5 }, secret_key_file: /k/secret.key }\n');
    const c = loadConfig({ config: path, db: '/var/lib/vpcdns/db.sqlite' }, { VPCDNS_SECRET_KEY: 'k'.repeat(64) });
    assert.deepEqual(c.auth, { tokenTtlMs: 3_600_000, secretKey: 'k'.repeat(64), secretKeyFile: '/k/secret.key', rateLimit: null, loginRateLimit: { perSecond: 5, burst: 10 } });
  });

  it('keeps the key beside a SQLite file by default, in ./data for PostgreSQL, in memory for :memory:', () => {
    assert.equal(loadConfig({ db: '/var/lib/vpcdns/db.sqlite' }, {}).auth.secretKeyFile, '/var/lib/vpcdns/secret.key');
    assert.equal(loadConfig({ db: 'postgres://u@h/db' }, {}).auth.secretKeyFile, './data/secret.key');
    assert.equal(loadConfig({ db: ':memory:' }, {}).auth.secretKeyFile, null);
    assert.equal(loadConfig({ db: ':memory:' }, { VPCDNS_SECRET_KEY_FILE: '/run/key' }).auth.secretKeyFile, '/run/key');
    const d = loadConfig({ db: ':memory:' }, {}).auth;
    assert.equal(d.tokenTtlMs, 24 * 3600 * 1000);
    assert.deepEqual(d.rateLimit, { perSecond: 200, burst: 400 });
  });

  it('accepts users and access_keys under a project and refuses unknown project fields', () => {
    const ok = write('ids.yaml', `projects:\n  - id: ${PROJECT}\n    name: demo\n    users: [ { name: alice, password: "a-long-password" } ]\n    access_keys: [ { access: AKEXAMPLE0123456789, secret: "a-secret-of-40-characters-or-so" } ]\n`);
    assert.equal(loadConfig({ config: ok, db: ':memory:' }, {}).projects[0]!.users![0]!.name, 'alice');
    const bad = write('bad.yaml', `projects:\n  - id: ${PROJECT}\n    name: demo\n    user: [ { name: alice } ]\n`);
    assert.throws(() => loadConfig({ config: bad, db: ':memory:' }, {}), /config file/);
    const short = write('short.yaml', `projects:\n  - id: ${PROJECT}\n    name: demo\n    users: [ { name: alice, password: short } ]\n`);
    assert.throws(() => loadConfig({ config: short, db: ':memory:' }, {}), /password/);
  });
});
