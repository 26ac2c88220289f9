// The real process: `vpcdns serve` starts, serves the API and DNS, bootstraps once, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeUpstream, addresses, udpQuery } from '../dataplane/helpers.ts';

const BIN = new URL('../../bin/vpcdns.js', import.meta.url).pathname;
const API_PORT = 18153;
const DNS_PORT = 15453;

interface Running {
  child: ChildProcess;
  output: () => string;
}

function start(args: string[]): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${API_PORT}`, '--dns-port', String(DNS_PORT), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('vpcdns is serving')) resolve({ child, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before serving:\n${out}`)));
  });
}

function stop(r: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    r.child.removeAllListeners('exit');
    r.child.once('exit', (code) => resolve(code));
    r.child.kill(signal);
  });
}

async function api(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${API_PORT}${path}`, {
    method,
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any, requestId: res.headers.get('x-request-id') };
}

describe('vpcdns serve (the real process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-serve-'));
  let upstream: FakeUpstream;
  before(async () => {
    upstream = await FakeUpstream.start('127.0.54.53');
  });
  after(async () => {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on first start creates the demo project and prints its token once; a restart does not', async () => {
    const db = join(dir, 'demo.sqlite');
    const first = await start(['--db', db]);
    const token = /export TOKEN=(\S+)/.exec(first.output())?.[1];
    assert.ok(token, first.output());
    const listed = await api('GET', '/v2.1/endpoints?direction=inbound', token);
    assert.equal(listed.status, 200);
    assert.match(listed.requestId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(await stop(first), 0);
    const second = await start(['--db', db]);
    assert.ok(!second.output().includes('export TOKEN='), 'the token is printed only once');
    assert.equal((await api('GET', '/v2.1/endpoints?direction=inbound', token)).status, 200, 'the token survives the restart');
    assert.equal(await stop(second, 'SIGINT'), 0);
  });

  it('serves DNS on an endpoint address and on the VPC resolver, and stops cleanly on SIGTERM', async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'projects:',
        '  - { id: 0123456789abcdef0123456789abcdef, name: demo, tokens: [ "process-test-token-0001" ] }',
        'dns:',
        `  upstreams: [ "${upstream.ip}:${upstream.port}" ]`,
        'vpcs:',
        '  - id: 6f1c0e2a-0000-4000-8000-000000000001',
        '    project_id: 0123456789abcdef0123456789abcdef',
        '    name: vpc-a',
        '    cidr: 127.54.0.0/16',
        '    resolver_ip: 127.54.0.2',
        '    subnets:',
        '      - { id: 6f1c0e2a-0000-4000-8000-0000000000a1, name: sub-a1, cidr: 127.54.10.0/24, gateway_ip: 127.54.10.1 }',
      ].join('\n'),
    );
    const running = await start(['--db', ':memory:', '--config', config]);
    try {
      const token = 'process-test-token-0001';
      const created = await api('POST', '/v2.1/endpoints', token, {
        name: 'ib',
        direction: 'inbound',
        region: 'ap-southeast-1',
        ipaddresses: [{ subnet_id: '6f1c0e2a-0000-4000-8000-0000000000a1', ip: '127.54.10.10' }, { subnet_id: '6f1c0e2a-0000-4000-8000-0000000000a1' }],
      });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      let status = created.body.endpoint.status;
      for (let i = 0; i < 100 && status !== 'ACTIVE'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await api('GET', `/v2.1/endpoints/${created.body.endpoint.id}`, token)).body.endpoint.status;
      }
      assert.equal(status, 'ACTIVE');
      const viaEndpoint = await udpQuery('127.54.10.10', DNS_PORT, 'www.example.com');
      assert.equal(viaEndpoint.rcode, 'NOERROR');
      assert.deepEqual(addresses(viaEndpoint), [upstream.answerIp]);
      const viaResolver = await udpQuery('127.54.0.2', DNS_PORT, 'mail.example.com');
      assert.deepEqual(addresses(viaResolver), [upstream.answerIp]);
    } finally {
      assert.equal(await stop(running), 0);
    }
  });

  it('exits 2 with a clear message for a bad setting', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--listen', 'nonsense'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 2);
    assert.match(err, /--listen must be HOST:PORT/);
  });
});
