// The client commands in-process against a listening server: rules, VPCs, subnets, --wait on a terminal, settings, parsers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import pino from 'pino';
import { clientCommands, usageExitCodes } from '../../src/cli/client-commands.ts';
import { parseAddress } from '../../src/cli/endpoint.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { renderTable } from '../../src/cli/output.ts';
import { resolveSettings } from '../../src/cli/profile.ts';
import { parseTarget } from '../../src/cli/rule.ts';
import { waitFor } from '../../src/cli/wait.ts';
import { createSystem, type System } from '../../src/system.ts';
import { TEST_SCRYPT, TEST_SECRETS } from '../helpers/auth-clients.ts';
import { IDS, openTestStore, testConfig } from '../helpers/harness.ts';

const ESC = String.fromCharCode(27);

class FakeIo implements CliIo {
  stdout = '';
  stderr = '';
  exitCode = 0;
  stdin = '';
  constructor(
    public env: NodeJS.ProcessEnv,
    public isTTY = false,
  ) {}
  out = (t: string) => void (this.stdout += t);
  err = (t: string) => void (this.stderr += t);
  readStdin = async () => this.stdin;
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.min(ms, 20)));
  setExitCode = (c: number) => void (this.exitCode = c);
}

describe('vpcdns client commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-cli-'));
  let sys: System;
  let url: string;

  /** Runs one command line; returns the io it wrote to. */
  async function run(args: string[], o: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<FakeIo> {
    const io = new FakeIo({ VPCDNS_URL: url, VPCDNS_TOKEN: IDS.A.token, VPCDNS_PROFILE_FILE: join(dir, 'profiles.json'), ...o.env }, o.tty);
    const program = new Command('vpcdns');
    for (const c of clientCommands(io)) program.addCommand(c);
    await program.parseAsync(args, { from: 'user' });
    return io;
  }

  before(async () => {
    sys = await createSystem({ store: await openTestStore('sqlite'), config: testConfig(), secrets: TEST_SECRETS, scrypt: TEST_SCRYPT, log: pino({ level: 'silent' }), mode: 'auto' });
    url = await sys.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await sys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('vpc and subnet: create, list, show, delete (the project comes from the token)', async () => {
    const vpc = JSON.parse((await run(['vpc', 'create', 'vpc-cli', '--cidr', '10.50.0.0/16', '-o', 'json'])).stdout);
    assert.equal(vpc.name, 'vpc-cli');
    const subnet = await run(['subnet', 'create', 'sub-cli', '--vpc', vpc.id, '--cidr', '10.50.1.0/24']);
    assert.equal(subnet.exitCode, 0, subnet.stderr);
    assert.match(subnet.stdout, /^gateway_ip\s+10\.50\.1\.1$/m);
    const subnetId = /^id\s+(\S+)$/m.exec(subnet.stdout)![1]!;
    const list = await run(['subnet', 'list', '--vpc', vpc.id]);
    assert.match(list.stdout, /^ID\s+NAME\s+CIDR\s+GATEWAY\s+VPC\s+NEUTRON SUBNET\s+STATUS$/m);
    assert.equal(list.stdout.trim().split('\n').length, 2);
    assert.match((await run(['vpc', 'show', vpc.id])).stdout, /^cidr\s+10\.50\.0\.0\/16$/m);
    const refused = await run(['vpc', 'delete', vpc.id]);
    assert.equal(refused.exitCode, 1, 'a VPC with a subnet cannot go');
    assert.match(refused.stderr, /^error: VPC\.\d{4}: /);
    assert.equal((await run(['subnet', 'delete', subnetId])).stdout, `subnet ${subnetId} deleted\n`);
    assert.equal((await run(['vpc', 'delete', vpc.id])).exitCode, 0);
    assert.doesNotMatch((await run(['vpc', 'list'])).stdout, /vpc-cli/);
  });

  it('rule: create, associate, update, show, list, disassociate, delete, each with --wait', async () => {
    const ep = JSON.parse((await run(['endpoint', 'create', 'ob-rules', '--direction', 'outbound', '--address', IDS.A.subnet, '--address', IDS.A.subnet, '--wait', '-o', 'json'])).stdout);
    assert.equal(ep.status, 'ACTIVE');
    const created = await run(['rule', 'create', 'corp', '--domain', 'corp.example', '--endpoint', ep.id, '--target', '10.0.1.53', '--target', '10.0.1.54:5353', '--wait', '-o', 'json']);
    assert.equal(created.exitCode, 0, created.stderr);
    const rule = JSON.parse(created.stdout);
    assert.equal(rule.status, 'ACTIVE');
    assert.deepEqual(rule.ipaddresses, [{ ip: '10.0.1.53' }, { ip: '10.0.1.54', port: 5353 }]);
    const associated = await run(['rule', 'associate', rule.id, '--vpc', IDS.A.vpc, '--wait']);
    assert.equal(associated.exitCode, 0, associated.stderr);
    assert.match(associated.stdout, /^status\s+ACTIVE$/m);
    const updated = await run(['rule', 'update', rule.id, '--name', 'corp-2', '--target', '10.0.1.55', '--wait']);
    assert.match(updated.stdout, /^name\s+corp-2$/m);
    assert.match(updated.stdout, /^targets\s+10\.0\.1\.55$/m);
    assert.match(updated.stdout, new RegExp(`^vpcs\\s+${IDS.A.vpc} \\(ACTIVE\\)$`, 'm'));
    const list = await run(['rule', 'list', '--endpoint', ep.id]);
    assert.match(list.stdout, new RegExp(`^${rule.id}\\s+corp-2\\s+corp\\.example\\s+${ep.id}\\s+ACTIVE\\s+1\\s+${IDS.A.vpc}$`, 'm'));
    const busy = await run(['rule', 'delete', rule.id]);
    assert.equal(busy.exitCode, 1, 'a rule with a VPC cannot go');
    assert.match(busy.stderr, /^error: DNS\.0608: /);
    assert.match((await run(['rule', 'disassociate', rule.id, '--vpc', IDS.A.vpc, '--wait'])).stdout, /^status\s+DELETED$/m);
    assert.equal((await run(['rule', 'delete', rule.id, '--wait'])).stdout, `rule ${rule.id} deleted\n`);
    assert.equal((await run(['rule', 'show', rule.id])).exitCode, 1);
    assert.equal((await run(['endpoint', 'delete', ep.id, '--wait'])).exitCode, 0);
  });

  it('endpoint rename and unbind-ip by IP address', async () => {
    const ep = JSON.parse((await run(['endpoint', 'create', 'ib-x', '--direction', 'inbound', '--address', IDS.A.subnet, '--address', IDS.A.subnet, '--address', `${IDS.A.subnet}=10.0.1.77`, '--wait', '-o', 'json'])).stdout);
    assert.match((await run(['endpoint', 'rename', ep.id, 'ib-y'])).stdout, /^name\s+ib-y$/m);
    const unbound = await run(['endpoint', 'unbind-ip', ep.id, '10.0.1.77', '--wait', '-o', 'json']);
    assert.equal(unbound.exitCode, 0, unbound.stderr);
    assert.equal(JSON.parse(unbound.stdout).ipaddress_count, 2);
    const missing = await run(['endpoint', 'unbind-ip', ep.id, '10.0.1.200']);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /has no address 10\.0\.1\.200/);
    await run(['endpoint', 'delete', ep.id, '--wait']);
  });

  it('--wait draws progress on a terminal, on stderr, and ends the line', async () => {
    const io = await run(['endpoint', 'create', 'ib-tty', '--direction', 'inbound', '--address', IDS.A.subnet, '--address', IDS.A.subnet, '--wait', '-o', 'json'], { tty: true });
    assert.equal(io.exitCode, 0, io.stderr);
    assert.equal(JSON.parse(io.stdout).status, 'ACTIVE', 'stdout stays pure JSON');
    const id = JSON.parse(io.stdout).id;
    const progress = new FakeIo({}, true);
    let n = 0;
    const status = await waitFor(progress, async () => (++n < 3 ? 'PENDING_CREATE' : 'ACTIVE'), { label: `endpoint ${id}`, until: 'settled', timeoutMs: 5000, intervalMs: 1 });
    assert.equal(status, 'ACTIVE');
    assert.ok(progress.stderr.startsWith(`\r${ESC}[2K| waiting for endpoint ${id}: PENDING_CREATE (`), JSON.stringify(progress.stderr));
    assert.match(progress.stderr, /PENDING_CREATE \(\d+\.\ds\)/);
    assert.ok(progress.stderr.endsWith(`endpoint ${id}: ACTIVE\n`));
    await run(['endpoint', 'delete', id, '--wait']);
  });

  it('--wait gives up after --wait-timeout (exit 1), and an ERROR end exits 1', async () => {
    const io = new FakeIo({}, false);
    await assert.rejects(waitFor(io, async () => 'PENDING_CREATE', { label: 'endpoint e', until: 'settled', timeoutMs: 30, intervalMs: 5 }), /endpoint e is still PENDING_CREATE after 0s/);
    assert.equal(io.stderr, '');
    assert.equal(await waitFor(io, async () => 'ERROR', { label: 'endpoint e', until: 'settled', timeoutMs: 30 }), 'ERROR');
  });

  it('without credentials: a usage error (exit 2) that says what to do', async () => {
    const io = await run(['endpoint', 'list'], { env: { VPCDNS_TOKEN: '' } });
    assert.equal(io.exitCode, 2);
    assert.match(io.stderr, /no credentials: run `vpcdns configure`/);
  });

  it('configure --show masks secrets; an unknown --profile is a usage error', async () => {
    const saved = await run(['configure', '--profile', 'ops', '--url', 'http://127.0.0.1:1', '--token', 'a-very-secret-token-1234']);
    assert.equal(saved.exitCode, 0, saved.stderr);
    const shown = await run(['configure', '--profile', 'ops', '--show']);
    assert.match(shown.stdout, /^token\s+\*\*\*\*1234$/m);
    assert.ok(!shown.stdout.includes('a-very-secret'));
    const unknown = await run(['vpc', 'list', '--profile', 'nope']);
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /no profile "nope"/);
    writeFileSync(join(dir, 'broken.json'), '{"profiles": ');
    const broken = await run(['vpc', 'list'], { env: { VPCDNS_PROFILE_FILE: join(dir, 'broken.json') } });
    assert.equal(broken.exitCode, 2);
    assert.match(broken.stderr, /broken\.json is not valid JSON/);
  });
});

describe('CLI helpers', () => {
  it('parseAddress takes SUBNET_ID or SUBNET_ID=IP', () => {
    assert.deepEqual(parseAddress('s-1'), { subnet_id: 's-1' });
    assert.deepEqual(parseAddress('s-1=10.0.0.5'), { subnet_id: 's-1', ip: '10.0.0.5' });
    for (const bad of ['', '=10.0.0.5', 's-1=', 's=1=2']) assert.throws(() => parseAddress(bad), /--address must be/, bad);
  });

  it('parseTarget takes IP or IP:PORT', () => {
    assert.deepEqual(parseTarget('10.0.0.53'), { ip: '10.0.0.53' });
    assert.deepEqual(parseTarget('10.0.0.53:5353'), { ip: '10.0.0.53', port: 5353 });
    assert.throws(() => parseTarget('10.0.0.53:x'), /--target must be/);
  });

  it('resolveSettings: the environment over the profile, credentials taken whole from one place', () => {
    const profile = { url: 'http://p:1', project_id: 'pp', ak: 'AK', sk: 'SK', region: 'r-p' };
    assert.deepEqual(resolveSettings({}, profile), { url: 'http://p:1', projectId: 'pp', region: 'r-p', credentials: { kind: 'aksk', ak: 'AK', sk: 'SK' } });
    const env = { VPCDNS_URL: 'http://e:2/', VPCDNS_TOKEN: 'tok', VPCDNS_PROJECT_ID: 'ee' };
    assert.deepEqual(resolveSettings(env, profile), { url: 'http://e:2', projectId: 'ee', region: 'r-p', credentials: { kind: 'token', token: 'tok' } });
    assert.deepEqual(resolveSettings({ VPCDNS_AK: 'A2', VPCDNS_SK: 'S2', VPCDNS_TOKEN: 'tok' }, {}).credentials, { kind: 'aksk', ak: 'A2', sk: 'S2' });
    assert.equal(resolveSettings({}, {}).credentials, null);
    assert.equal(resolveSettings({}, {}).url, 'http://127.0.0.1:8053');
    assert.throws(() => resolveSettings({ VPCDNS_AK: 'A2' }, {}), /VPCDNS_AK is set without VPCDNS_SK/);
  });

  it('renderTable aligns columns and shows empty cells as -', () => {
    const text = renderTable([{ header: 'ID', value: (r: any) => r.id }, { header: 'ERROR', value: (r: any) => r.e }], [{ id: 'a', e: null }, { id: 'bbbb', e: 'x' }]);
    assert.equal(text, 'ID    ERROR\na     -\nbbbb  x\n');
  });

  it('usageExitCodes: usage errors exit 2, help exits 0, in every subcommand', async () => {
    const codes: number[] = [];
    const program = new Command('vpcdns').configureOutput({ writeErr: () => {}, writeOut: () => {} });
    for (const c of clientCommands(new FakeIo({}))) program.addCommand(c.configureOutput({ writeErr: () => {}, writeOut: () => {} }));
    usageExitCodes(program, ((code: number) => {
      codes.push(code);
      throw new Error('exit');
    }) as (code: number) => never);
    for (const args of [['endpoint', 'create'], ['rule', 'associate', 'r'], ['vpc', 'frobnicate'], ['endpoint', 'list', '--output', 'xml'], ['endpoint', 'list', '--help']]) {
      await program.parseAsync(args, { from: 'user' }).catch(() => {});
    }
    assert.deepEqual(codes, [2, 2, 2, 2, 0]);
  });
});
