// End to end through the control plane: a rule and its VPC association make the data plane forward
// from the outbound endpoint's addresses; a query-log configuration makes it write JSON lines.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { checkListeners } from '../../src/readiness.ts';
import { openStore } from '../../src/store/open.ts';
import { createSystem, type System } from '../../src/system.ts';
import { FakeUpstream, addresses, udpQuery } from '../dataplane/helpers.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';

const NET = loopbackNet();
const TOKEN = 'forwarding-test-token-0001';
const PROJECT = 'cccccccccccccccccccccccccccccccc';
const VPC = '6f1c0e2a-0000-4000-8000-0000000000f0';
const SUBNET = '6f1c0e2a-0000-4000-8000-0000000000f1';

describe('rules in the data plane (control plane + real sockets)', () => {
  let sys: System;
  let dp: DataPlane;
  let upstream: FakeUpstream;
  let logDir: string;
  let inboundIp: string;
  let inboundId: string;
  let outboundIps: string[];
  let ruleId: string;
  let DNS_PORT: number;
  const req = async (method: string, url: string, body?: unknown) => {
    const res = await sys.app.inject({ method: method as 'GET', url, headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' }, ...(body ? { payload: JSON.stringify(body) } : {}) });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  /** What a client waits for: the reconciler's pass and the routing it pushes. */
  const settle = async () => {
    await sys.reconciler.runOnce();
    await sys.refreshRouting();
  };

  before(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'vpcdns-qlog-'));
    upstream = await FakeUpstream.start(NET.ip(199), '192.0.2.77');
    DNS_PORT = await freeDnsPort([2, 3, 4, 5, 6].map(NET.ip));
    dp = new DataPlane({ port: DNS_PORT, queryTimeoutMs: 300 });
    sys = await createSystem({
      store: await openStore(':memory:'),
      config: {
        region: 'ap-southeast-1',
        quotas: { inboundEndpoints: 10, outboundEndpoints: 10, resolverRules: 10 },
        bodyLimit: 65536,
        sweepIntervalMs: 60_000,
        projects: [{ id: PROJECT, name: 'fwd', tokens: [TOKEN] }],
        vpcs: [{ id: VPC, project_id: PROJECT, name: 'vpc-fwd', cidr: `${NET.prefix}.0/25`, subnets: [{ id: SUBNET, name: 's', cidr: `${NET.prefix}.0/26`, gateway_ip: NET.ip(1) }] }],
      },
      log: pino({ level: 'silent' }),
      mode: 'manual',
      dataPlane: dp,
      routing: { upstreams: [], vpcs: [], queryLogDir: logDir },
    });
    const ep = (direction: string, name: string) =>
      req('POST', '/v2.1/endpoints', { name, direction, region: 'ap-southeast-1', ipaddresses: [{ subnet_id: SUBNET }, { subnet_id: SUBNET }] });
    const inbound = (await ep('inbound', 'in')).body.endpoint.id;
    inboundId = inbound;
    const outbound = (await ep('outbound', 'out')).body.endpoint.id;
    await settle();
    inboundIp = (await req('GET', `/v2.1/endpoints/${inbound}/ipaddresses`)).body.ipaddresses[0].ip;
    outboundIps = (await req('GET', `/v2.1/endpoints/${outbound}/ipaddresses`)).body.ipaddresses.map((a: any) => a.ip);
    const rule = await req('POST', '/v2.1/resolverrules', {
      name: 'corp',
      domain_name: 'corp.example.',
      endpoint_id: outbound,
      ipaddresses: [{ ip: upstream.ip, port: upstream.port }],
    });
    ruleId = rule.body.resolver_rule.id;
    await settle();
  });
  after(async () => {
    await sys.close();
    await dp.close();
    await upstream.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('answers REFUSED while the rule is not associated with the VPC (no upstreams configured)', async () => {
    assert.equal((await udpQuery(inboundIp, DNS_PORT, 'host.corp.example')).rcode, 'REFUSED');
  });

  it('forwards a matching query from an outbound endpoint address once the association is ACTIVE', async () => {
    assert.equal((await req('POST', `/v2.1/resolverrules/${ruleId}/associaterouter`, { router: { router_id: VPC } })).status, 202);
    await settle();
    const before = upstream.received.length;
    const reply = await udpQuery(inboundIp, DNS_PORT, 'Host.Corp.Example');
    assert.equal(reply.rcode, 'NOERROR');
    assert.deepEqual(addresses(reply), ['192.0.2.77']);
    const seen = upstream.received.slice(before);
    assert.equal(seen.length, 1);
    assert.ok(outboundIps.includes(seen[0]!.address), `upstream saw ${seen[0]!.address}, expected one of ${outboundIps}`);
    assert.equal((await udpQuery(inboundIp, DNS_PORT, 'notcorp.example')).rcode, 'REFUSED', 'whole labels only');
  });

  it('follows a target update without a restart', async () => {
    const second = await FakeUpstream.start(NET.ip(198), '192.0.2.88');
    try {
      assert.equal((await req('PUT', `/v2.1/resolverrules/${ruleId}`, { ipaddresses: [{ ip: second.ip, port: second.port }] })).status, 202);
      await settle();
      assert.deepEqual(addresses(await udpQuery(inboundIp, DNS_PORT, 'new.corp.example')), ['192.0.2.88']);
    } finally {
      await second.close();
    }
  });

  it('writes query log lines for a VPC with a query-logging configuration', async () => {
    const created = await req('POST', '/v2/resolver/queryloggingconfig', { lts_group_id: 'grp-1', lts_topic_id: 'topic-1', vpc: { vpc_id: VPC } });
    assert.equal(created.status, 202);
    await sys.refreshRouting();
    await udpQuery(inboundIp, DNS_PORT, 'logged.corp.example');
    const file = join(logDir, 'grp-1', 'topic-1.jsonl');
    let lines: any[] = [];
    await until(`a line in ${file}`, () => {
      try {
        lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      } catch {
        lines = [];
      }
      return lines.length > 0;
    }, { everyMs: 10 });
    const line = lines.find((l) => String(l.qname ?? l.name).toLowerCase().startsWith('logged.corp.example'));
    assert.ok(line, `no line for the query in ${JSON.stringify(lines)}`);
    assert.equal(line.vpc_id, VPC);
    assert.equal(line.rule_id, ruleId);
  });

  it('stops forwarding once disassociated', async () => {
    assert.equal((await req('POST', `/v2.1/resolverrules/${ruleId}/disassociaterouter`, { router: { router_id: VPC } })).status, 202);
    await settle();
    assert.equal((await udpQuery(inboundIp, DNS_PORT, 'host.corp.example')).rcode, 'REFUSED');
  });

  it('counts answers by the inbound endpoint whose address received the query', async () => {
    const before = dp.stats().answersByEndpoint[inboundId] ?? {};
    assert.equal((await udpQuery(inboundIp, DNS_PORT, 'count.corp.example')).rcode, 'REFUSED');
    const after = dp.stats().answersByEndpoint[inboundId] ?? {};
    assert.equal((after.REFUSED ?? 0) - (before.REFUSED ?? 0), 1);
  });

  it('readiness fails while an ACTIVE inbound address has no listener, naming it, and recovers', async () => {
    await checkListeners(dp, sys.store);
    await dp.unbindListener(inboundIp); // behind the reconciler's back: the row stays ACTIVE
    await assert.rejects(checkListeners(dp, sys.store), new RegExp(`ACTIVE inbound addresses without a listener: ${inboundIp.replace(/\./g, '\\.')}`));
    await dp.bindListener(inboundIp, VPC, inboundId);
    await checkListeners(dp, sys.store);
  });
});
