// The real process: `vpcdns serve` starts, serves the API and DNS, bootstraps once, and stops cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeUpstream, addresses, udpQuery } from '../dataplane/helpers.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { BIN, startServer, type RunningServer } from '../helpers/serve-process.ts';
import { until } from '../helpers/wait.ts';

const NET = loopbackNet();
const RESOLVER = NET.ip(200);
const ENDPOINT_IP = NET.ip(10);

async function api(server: RunningServer, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
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
    upstream = await FakeUpstream.start(NET.ip(253));
  });
  after(async () => {
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on first start creates the demo project and prints its token once; a restart does not', async () => {
    const db = join(dir, 'demo.sqlite');
    const first = await startServer({ args: ['--db', db] });
    const token = /export TOKEN=(\S+)/.exec(first.output())?.[1];
    assert.ok(token, first.output());
    const listed = await api(first, 'GET', '/v2.1/endpoints?direction=inbound', token);
    assert.equal(listed.status, 200);
    assert.match(listed.requestId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(await first.stop(), 0);
    const second = await startServer({ args: ['--db', db] });
    assert.ok(!second.output().includes('export TOKEN='), 'the token is printed only once');
    assert.equal((await api(second, 'GET', '/v2.1/endpoints?direction=inbound', token)).status, 200, 'the token survives the restart');
    assert.equal(await second.stop('SIGINT'), 0);
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
        `    cidr: ${NET.cidr}`,
        `    resolver_ip: ${RESOLVER}`,
        '    subnets:',
        `      - { id: 6f1c0e2a-0000-4000-8000-0000000000a1, name: sub-a1, cidr: ${NET.prefix}.0/25, gateway_ip: ${NET.ip(1)} }`,
      ].join('\n'),
    );
    const dnsPort = await freeDnsPort([RESOLVER, ENDPOINT_IP, NET.ip(2), NET.ip(3)]);
    const running = await startServer({ dnsPort, args: ['--db', ':memory:', '--config', config] });
    try {
      const token = 'process-test-token-0001';
      const created = await api(running, 'POST', '/v2.1/endpoints', token, {
        name: 'ib',
        direction: 'inbound',
        region: 'ap-southeast-1',
        ipaddresses: [{ subnet_id: '6f1c0e2a-0000-4000-8000-0000000000a1', ip: ENDPOINT_IP }, { subnet_id: '6f1c0e2a-0000-4000-8000-0000000000a1' }],
      });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      const status = async () => (await api(running, 'GET', `/v2.1/endpoints/${created.body.endpoint.id}`, token)).body.endpoint.status;
      await until('the endpoint to be ACTIVE', async () => (await status()) === 'ACTIVE');
      assert.equal(await status(), 'ACTIVE');
      const viaEndpoint = await udpQuery(ENDPOINT_IP, dnsPort, 'www.example.com');
      assert.equal(viaEndpoint.rcode, 'NOERROR');
      assert.deepEqual(addresses(viaEndpoint), [upstream.answerIp]);
      const viaResolver = await udpQuery(RESOLVER, dnsPort, 'mail.example.com');
      assert.deepEqual(addresses(viaResolver), [upstream.answerIp]);
    } finally {
      assert.equal(await running.stop(), 0);
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
