// The real process with DNS worker processes (--dns-workers 2): an endpoint created through the API
// answers DNS in the workers, the counters add up across them, /readyz follows a killed worker, and
// SIGTERM stops every worker.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { udpQuery } from '../dataplane/helpers.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { startServer, type RunningServer } from '../helpers/serve-process.ts';
import { until } from '../helpers/wait.ts';

const TOKEN = 'dns-workers-test-token-01';
const PROJECT = '0123456789abcdef0123456789abcdef';
const SUBNET = '6f1c0e2a-0000-4000-8000-0000000000c1';
const NET = loopbackNet();

/** Pids of the server's child processes (its workers). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('vpcdns serve --dns-workers 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcdns-workers-'));
  let server: RunningServer;
  let endpointId: string;
  let ip: string;
  let dnsPort: number;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  before(async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      [
        'projects:',
        `  - { id: ${PROJECT}, name: w, tokens: [ "${TOKEN}" ] }`,
        'vpcs:',
        `  - id: 6f1c0e2a-0000-4000-8000-0000000000c0`,
        `    project_id: ${PROJECT}`,
        '    name: vpc-w',
        `    cidr: ${NET.cidr}`,
        `    subnets: [ { id: ${SUBNET}, name: s, cidr: ${NET.prefix}.0/25, gateway_ip: ${NET.ip(1)} } ]`,
        '',
      ].join('\n'),
    );
    dnsPort = await freeDnsPort([NET.ip(2), NET.ip(3), NET.ip(4)]);
    server = await startServer({ dnsPort, args: ['--db', ':memory:', '--config', config, '--log-level', 'warn', '--dns-workers', '2'] });
    const created = await api('POST', '/v2.1/endpoints', {
      name: 'in-w',
      direction: 'inbound',
      region: 'ap-southeast-1',
      ipaddresses: [{ subnet_id: SUBNET }, { subnet_id: SUBNET }],
    });
    assert.equal(created.status, 202);
    endpointId = created.json.endpoint.id;
    await until('the endpoint to be ACTIVE', async () => (await api('GET', `/v2.1/endpoints/${endpointId}`)).json.endpoint.status === 'ACTIVE', { timeoutMs: 15_000 });
    ip = (await api('GET', `/v2.1/endpoints/${endpointId}/ipaddresses`)).json.ipaddresses[0].ip;
  });
  after(async () => {
    if (server.child.exitCode === null) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs two worker processes', () => {
    assert.equal(childrenOf(server.child.pid!).length, 2);
  });

  it('answers at the endpoint address (REFUSED: no rule, no upstream) and counts it under the endpoint', async () => {
    const before = await (await fetch(`${server.url}/metrics`)).text();
    for (let i = 0; i < 10; i++) assert.equal((await udpQuery(ip, dnsPort, `q${i}.example.org`)).rcode, 'REFUSED');
    const after = await (await fetch(`${server.url}/metrics`)).text();
    const labels = `endpoint_id="${endpointId}",rcode="REFUSED"`;
    assert.equal(sample(after, 'vpcdns_dns_endpoint_answers_total', labels) - sample(before, 'vpcdns_dns_endpoint_answers_total', labels), 10);
    assert.match(after, /^vpcdns_dns_listeners 2$/m);
  });

  it('is not ready while a killed worker is being replaced, and ready again once it is', async () => {
    const [victim] = childrenOf(server.child.pid!);
    assert.ok(victim);
    process.kill(victim, 'SIGKILL');
    await until('/readyz to report the missing worker', async () => {
      const res = await fetch(`${server.url}/readyz`);
      const body = (await res.json()) as any;
      return res.status === 503 && /of 2 DNS workers running/.test(body.checks.listeners);
    }, { timeoutMs: 15_000 });
    await until('/readyz to be ready again', async () => (await fetch(`${server.url}/readyz`)).status === 200, { timeoutMs: 15_000 });
    const workers = childrenOf(server.child.pid!);
    assert.equal(workers.length, 2);
    assert.ok(!workers.includes(victim));
    assert.equal((await udpQuery(ip, dnsPort, 'again.example.org')).rcode, 'REFUSED');
  });

  it('stops its workers on SIGTERM', async () => {
    const pid = server.child.pid!;
    const workers = childrenOf(pid);
    assert.equal(await server.stop(), 0);
    const alive = workers.filter((w) => {
      try {
        process.kill(w, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, []);
  });
});
