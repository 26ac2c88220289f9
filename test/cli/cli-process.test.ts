// The real `vpcdns` binary against a running server: create, bind with --wait, list as a table and as JSON, exit codes, profiles, AK/SK.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freeDnsPort, loopbackNet, unusedTcpPort } from '../helpers/loopback.ts';
import { BIN, startServer, type RunningServer } from '../helpers/serve-process.ts';

const PROJECT = '0123456789abcdef0123456789abcdef';
const TOKEN = 'cli-process-token-00001';
const AK = 'AKCLIPROCESS00000001';
const SK = 'SKcliProcessSecretKey0000000000000000001';
const SUBNET = '6f1c0e2a-0000-4000-8000-0000000000a1';
const NET = loopbackNet();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('vpcdns CLI (the real binary)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-cli-'));
  const profileFile = join(dir, 'home', 'profiles.json');
  let server: RunningServer;
  let env: NodeJS.ProcessEnv;

  /** Runs `vpcdns ...args` with stdin and stdout piped (not a terminal), in a clean environment plus `extra`. */
  function vpcdns(args: string[], extra: NodeJS.ProcessEnv = {}, stdin = ''): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(stdin);
    });
  }
  const withToken = { VPCDNS_URL: '', VPCDNS_TOKEN: TOKEN };

  before(async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'projects:',
        `  - { id: ${PROJECT}, name: cli, tokens: [ "${TOKEN}" ], access_keys: [ { access: ${AK}, secret: ${SK} } ] }`,
        'vpcs:',
        '  - id: 6f1c0e2a-0000-4000-8000-000000000001',
        `    project_id: ${PROJECT}`,
        '    name: vpc-cli',
        `    cidr: ${NET.cidr}`,
        '    subnets:',
        `      - { id: ${SUBNET}, name: sub-cli, cidr: ${NET.prefix}.0/25, gateway_ip: ${NET.ip(1)} }`,
      ].join('\n'),
    );
    server = await startServer({ dnsPort: await freeDnsPort([NET.ip(2), NET.ip(3), NET.ip(20), NET.ip(30)]), args: ['--db', ':memory:', '--config', config, '--log-level', 'warn'] });
    // Only what the test gives: no profile or credentials of the machine's user leak in.
    env = { PATH: process.env.PATH, HOME: join(dir, 'home'), VPCDNS_PROFILE_FILE: profileFile };
    withToken.VPCDNS_URL = server.url;
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
    rmSync(dir, { recursive: true, force: true });
  });

  let endpointId = '';

  it('endpoint create --wait prints the endpoint once ACTIVE, with no progress output when piped', async () => {
    const r = await vpcdns(['endpoint', 'create', 'ib-cli', '--direction', 'inbound', '--address', SUBNET, '--address', `${SUBNET}=${NET.ip(20)}`, '--wait'], withToken);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no spinner on a pipe');
    assert.match(r.stdout, /^status\s+ACTIVE$/m);
    assert.match(r.stdout, /^ipaddress_count\s+2$/m);
    endpointId = /^id\s+([0-9a-f]{32})$/m.exec(r.stdout)![1]!;
  });

  it('endpoint bind-ip --wait binds the address and waits for ACTIVE', async () => {
    const r = await vpcdns(['endpoint', 'bind-ip', endpointId, '--subnet', SUBNET, '--ip', NET.ip(30), '--wait', '--output', 'json'], withToken);
    assert.equal(r.code, 0, r.stderr);
    const ep = JSON.parse(r.stdout);
    assert.equal(ep.status, 'ACTIVE');
    assert.equal(ep.ipaddress_count, 3);
    const ips = await vpcdns(['endpoint', 'ips', endpointId], withToken);
    assert.match(ips.stdout, /^ID\s+IP\s+SUBNET\s+STATUS\s+ERROR$/m);
    assert.match(ips.stdout, new RegExp(`${NET.prefixPattern}\\.30\\s+\\S+\\s+ACTIVE`));
  });

  it('endpoint list prints a table for people and the wire objects as JSON for scripts', async () => {
    const table = await vpcdns(['endpoint', 'list'], withToken);
    assert.equal(table.code, 0, table.stderr);
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID\s+NAME\s+DIRECTION\s+STATUS\s+VPC\s+IPS\s+RULES\s+CREATED$/);
    assert.match(row!, new RegExp(`^${endpointId}\\s+ib-cli\\s+inbound\\s+ACTIVE\\s+6f1c0e2a-0000-4000-8000-000000000001\\s+3\\s+0\\s+`));
    assert.equal(rest.length, 0);
    const json = await vpcdns(['endpoint', 'list', '-o', 'json'], withToken);
    const list = JSON.parse(json.stdout);
    assert.deepEqual(list.map((e: any) => [e.id, e.name, e.status]), [[endpointId, 'ib-cli', 'ACTIVE']]);
  });

  it('an API error exits 1 and prints its code and message on stderr', async () => {
    const r = await vpcdns(['endpoint', 'bind-ip', endpointId, '--subnet', SUBNET, '--ip', '127.59.0.1'], withToken);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: DNS\.1505: Ip is not in this subnet\..*\(HTTP 400, request [0-9a-f]{32}\)\n$/);
  });

  it('a usage error exits 2', async () => {
    const missing = await vpcdns(['endpoint', 'create', 'x', '--address', SUBNET], withToken);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option '--direction <direction>' not specified/);
    const badAddress = await vpcdns(['endpoint', 'create', 'x', '--direction', 'inbound', '--address', 'a=b=c'], withToken);
    assert.equal(badAddress.code, 2);
    assert.match(badAddress.stderr, /--address must be SUBNET_ID or SUBNET_ID=IP/);
  });

  it('configure writes a 0600 profile; requests are then signed with its AK/SK', async () => {
    const r = await vpcdns(['configure', '--url', server.url, '--ak', AK, '--sk-stdin'], {}, `${SK}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(SK), 'the secret is not echoed');
    assert.equal(statSync(profileFile).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(profileFile, 'utf8')).profiles.default, { url: server.url, ak: AK, sk: SK });
    const vpcs = await vpcdns(['vpc', 'list', '-o', 'json']);
    assert.equal(vpcs.code, 0, vpcs.stderr);
    assert.deepEqual(JSON.parse(vpcs.stdout).map((v: any) => v.name), ['vpc-cli']);
  });

  it('the environment overrides the profile', async () => {
    const r = await vpcdns(['subnet', 'list'], { VPCDNS_TOKEN: 'not-a-valid-token-00000' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: APIGW\.0301: /);
    const closed = await unusedTcpPort();
    const elsewhere = await vpcdns(['vpc', 'list'], { VPCDNS_URL: `http://127.0.0.1:${closed}` });
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, new RegExp(`^error: cannot reach http://127\\.0\\.0\\.1:${closed}: ECONNREFUSED`));
  });

  it('endpoint delete --wait returns once the endpoint is gone', async () => {
    const r = await vpcdns(['endpoint', 'delete', endpointId, '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `endpoint ${endpointId} deleted\n`);
    const show = await vpcdns(['endpoint', 'show', endpointId]);
    assert.equal(show.code, 1);
    assert.match(show.stderr, /^error: DNS\.1510: /);
  });
});
