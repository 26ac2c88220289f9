// `vpcdns admin` against the database a running server uses: what it creates, disables and deletes takes effect at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { adminCommand, type AdminIo } from '../../src/cli/admin.ts';
import { loadConfig } from '../../src/config.ts';
import { ManualClock } from '../../src/domain/clock.ts';
import { loadSecretKey } from '../../src/services/secret-key.ts';
import { openStore } from '../../src/store/open.ts';
import { createSystem, type System } from '../../src/system.ts';
import { TEST_AUTH, loginBody } from '../helpers/auth-clients.ts';
import { signedInject } from './helpers.ts';

const PROJECT = 'c0ffee00c0ffee00c0ffee00c0ffee00';

describe('vpcdns admin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-admin-'));
  const db = join(dir, 'vpcdns.sqlite');
  const clock = new ManualClock(Date.now());
  let sys: System;
  let output: string[] = [];
  let stdin = '';
  const io: AdminIo = { out: (line) => void output.push(line), readStdin: async () => stdin, env: {} };

  /** Runs one admin command; returns what it printed. */
  async function admin(...args: string[]): Promise<string> {
    output = [];
    await adminCommand(io).parseAsync([...args, '--db', db], { from: 'user' });
    return output.join('\n');
  }
  const login = (user: string, password: string) =>
    sys.app.inject({ method: 'POST', url: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, payload: loginBody({ user, password }, { name: 'team' }) });
  const signed = (ak: string, sk: string) => signedInject({ sys, clock } as never, 'GET', '/v2.1/vpcs', { ak, sk, headers: { 'x-project-id': PROJECT } });

  before(async () => {
    await admin('project', 'create', '--name', 'team', '--id', PROJECT);
    // The server opens the same database with the same key (the file the admin command created beside it).
    const config = loadConfig({ db }, {});
    const store = await openStore(db);
    const { box } = await loadSecretKey(config.auth, store);
    sys = await createSystem({ store, config: { ...config, auth: TEST_AUTH }, log: pino({ level: 'silent' }), clock, mode: 'manual', secrets: box });
  });
  after(async () => {
    await sys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('project create and list; a second project with the same name is refused', async () => {
    assert.match(await admin('project', 'list'), new RegExp(`${PROJECT}\\s+team`));
    await assert.rejects(admin('project', 'create', '--name', 'team'), /already exists/);
    await assert.rejects(admin('project', 'create', '--name', 'x', '--id', 'not-hex'), /32 lowercase hex/);
    assert.deepEqual(JSON.parse(await admin('project', 'list', '--json')).map((p: any) => p.name), ['team']);
  });

  it('user create (password from stdin, or generated and printed once), list, delete (its tokens go with it)', async () => {
    stdin = 'carol-password-1\n';
    assert.match(await admin('user', 'create', '--project', 'team', '--name', 'carol', '--password-stdin'), /created user carol/);
    const generated = /password: (\S+)/.exec(await admin('user', 'create', '--project', PROJECT, '--name', 'dave'))![1]!;
    assert.equal((await login('dave', generated)).statusCode, 201);
    const carol = await login('carol', 'carol-password-1');
    assert.equal(carol.statusCode, 201);
    const token = String(carol.headers['x-subject-token']);
    assert.deepEqual(JSON.parse(await admin('user', 'list', '--project', 'team', '--json')).map((u: any) => u.name).sort(), ['carol', 'dave']);
    await assert.rejects(admin('user', 'create', '--project', 'team', '--name', 'carol', '--password-stdin'), /already has a user carol/);
    await admin('user', 'delete', '--project', 'team', '--name', 'carol');
    const after = await sys.app.inject({ method: 'GET', url: '/v2.1/vpcs', headers: { 'x-auth-token': token } });
    assert.equal(after.statusCode, 401, 'the deleted user\'s token no longer works');
    await assert.rejects(admin('user', 'delete', '--project', 'team', '--name', 'carol'), /no user carol/);
  });

  it('access-key create prints the SK once; list never shows it; disable, enable and delete take effect on the running server', async () => {
    const created = await admin('access-key', 'create', '--project', 'team', '--description', 'ci');
    const ak = /access key: (\S+)/.exec(created)![1]!;
    const sk = /secret key: (\S+)/.exec(created)![1]!;
    assert.match(created, new RegExp(`project id: ${PROJECT}`));
    assert.equal((await signed(ak, sk)).status, 200);
    const listed = await admin('access-key', 'list', '--project', 'team');
    assert.ok(listed.includes(ak) && listed.includes('active') && listed.includes('ci') && !listed.includes(sk));
    assert.ok(!(await admin('access-key', 'list', '--json')).includes(sk));
    await admin('access-key', 'disable', ak);
    assert.equal((await signed(ak, sk)).status, 401);
    assert.equal(JSON.parse(await admin('access-key', 'list', '--json'))[0].status, 'disabled');
    await admin('access-key', 'enable', ak);
    assert.equal((await signed(ak, sk)).status, 200);
    await admin('access-key', 'delete', ak);
    assert.equal((await signed(ak, sk)).status, 401);
    await assert.rejects(admin('access-key', 'delete', ak), /no access key/);
    await assert.rejects(admin('access-key', 'create', '--project', 'nope'), /no project nope/);
  });

  it('project delete refuses while the project has a VPC, then deletes it with its users and keys', async () => {
    const created = await admin('access-key', 'create', '--project', 'team');
    const [ak, sk] = [/access key: (\S+)/.exec(created)![1]!, /secret key: (\S+)/.exec(created)![1]!];
    const vpc = await signedInject({ sys, clock } as never, 'POST', `/v1/${PROJECT}/vpcs`, { ak, sk, body: JSON.stringify({ vpc: { name: 'v1', cidr: '10.1.0.0/16' } }) });
    assert.equal(vpc.status, 200, JSON.stringify(vpc.body));
    await assert.rejects(admin('project', 'delete', 'team'), /still has 0 endpoint\(s\) and 1 VPC\(s\)/);
    await sys.store.vpcs.delete(vpc.body.vpc.id);
    assert.match(await admin('project', 'delete', 'team'), /deleted project team/);
    assert.equal((await signed(ak, sk)).status, 401);
    assert.equal(await admin('user', 'list', '--json'), '[]');
    await assert.rejects(admin('project', 'delete', 'team'), /no project team/);
  });
});
