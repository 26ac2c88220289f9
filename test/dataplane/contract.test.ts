// The DnsDataPlane contract (src/dataplane/contract.ts): one suite, run against the in-process data plane and the worker cluster.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClusterDataPlane } from '../../src/dataplane/cluster.ts';
import type { DnsDataPlane, VpcContext } from '../../src/dataplane/contract.ts';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { FakeUpstream, addresses, buildQuery, decode, tcpExchange, udpExchange, udpQuery } from './helpers.ts';

const NETS = [loopbackNet(), loopbackNet()];
const PORT = await freeDnsPort(NETS.flatMap((n) => [n.ip(1), n.ip(2)]));

function tcpRefused(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

const IMPLEMENTATIONS: readonly { name: string; net: string; start: () => Promise<DnsDataPlane> }[] = [
  { name: 'DataPlane (in process)', net: NETS[0]!.prefix, start: async () => new DataPlane({ port: PORT, queryTimeoutMs: 300 }) },
  {
    name: 'ClusterDataPlane (2 worker processes)',
    net: NETS[1]!.prefix,
    start: () => ClusterDataPlane.start({ workers: 2, init: { options: { port: PORT, queryTimeoutMs: 300 }, logLevel: 'silent' } }),
  },
];

for (const impl of IMPLEMENTATIONS) describe(`DnsDataPlane contract: ${impl.name}`, () => {
  const ip = `${impl.net}.1`;
  const other = `${impl.net}.2`;
  let upstream: FakeUpstream;
  let dp: DnsDataPlane;
  const vpcs = (): VpcContext[] => [
    { vpcId: 'vpc-1', rules: [{ id: 'rule-1', domain: 'corp.example', targets: [upstream.target], sourceIps: [`${impl.net}.50`], endpointId: 'ep-out' }], upstreams: [upstream.target] },
    { vpcId: 'vpc-2', rules: [], upstreams: [] },
  ];

  before(async () => {
    upstream = await FakeUpstream.start(`${impl.net}.100`);
    dp = await impl.start();
    await dp.setVpcs(vpcs());
  });
  after(async () => {
    await dp.close();
    await upstream.close();
  });

  it('serves a bound address over UDP and TCP in its VPC, and lists it', async () => {
    await dp.bindListener(ip, 'vpc-1', 'ep-in');
    assert.deepEqual(dp.boundAddresses(), [ip]);
    assert.equal(dp.unavailable(), null);
    const reply = await udpQuery(ip, PORT, 'www.example.org');
    assert.equal(reply.rcode, 'NOERROR');
    assert.deepEqual(addresses(reply), ['192.0.2.10']);
    const [tcp] = await tcpExchange(ip, PORT, [buildQuery('tcp.example.org')]);
    assert.equal(decode(tcp!).rcode, 'NOERROR');
    const ruled = await udpQuery(ip, PORT, 'db.corp.example');
    assert.equal(ruled.rcode, 'NOERROR');
    assert.equal(upstream.received.find((q) => q.packet.questions?.[0]?.name === 'db.corp.example')?.address, `${impl.net}.50`);
  });

  it('accepts the same bind again and rejects the address for another VPC', async () => {
    await dp.bindListener(ip, 'vpc-1', 'ep-in');
    await assert.rejects(dp.bindListener(ip, 'vpc-2', 'ep-other'), /already bound for VPC vpc-1/);
    assert.deepEqual(dp.boundAddresses(), [ip]);
  });

  it('rejects, per address, one the host lacks or that is no IP address, and serves the others still', async () => {
    const results = await Promise.allSettled([dp.bindListener('192.0.2.77', 'vpc-1', 'ep-x'), dp.bindListener('not-an-ip', 'vpc-1', 'ep-x'), dp.bindListener(other, 'vpc-2', 'ep-2')]);
    assert.match(String((results[0] as PromiseRejectedResult).reason), new RegExp(`cannot bind 192\\.0\\.2\\.77:${PORT}/udp: EADDRNOTAVAIL`));
    assert.match(String((results[1] as PromiseRejectedResult).reason), /cannot bind not-an-ip: not an IP address/);
    assert.equal(results[2].status, 'fulfilled');
    assert.deepEqual(dp.boundAddresses().sort(), [ip, other]);
    assert.equal((await udpQuery(other, PORT, 'www.example.org')).rcode, 'REFUSED', 'vpc-2 has no upstreams');
  });

  it('tells whether an address can be a source of forwarded queries', async () => {
    await dp.probeSource(`${impl.net}.51`);
    await assert.rejects(dp.probeSource('192.0.2.78'), /cannot use source address 192\.0\.2\.78:0\/udp: EADDRNOTAVAIL/);
  });

  it('replaces the routing of every VPC at once', async () => {
    await dp.setVpcs([{ vpcId: 'vpc-1', rules: [], upstreams: [] }, { vpcId: 'vpc-2', rules: [], upstreams: [upstream.target] }]);
    assert.equal((await udpQuery(ip, PORT, 'after.example.org')).rcode, 'REFUSED');
    assert.equal((await udpQuery(other, PORT, 'after.example.org')).rcode, 'NOERROR');
    await dp.setVpcs(vpcs());
  });

  it('counts queries and answers by endpoint in its stats snapshot', async () => {
    const before = await dp.stats();
    for (let i = 0; i < 3; i++) assert.equal((await udpQuery(ip, PORT, `count${i}.example.org`)).rcode, 'NOERROR');
    const after = await dp.stats();
    assert.equal(after.queries - before.queries, 3);
    assert.equal((after.answersByEndpoint['ep-in']?.NOERROR ?? 0) - (before.answersByEndpoint['ep-in']?.NOERROR ?? 0), 3);
    assert.equal(after.listeners, 2);
  });

  it('unbinds an address (again: nothing to do), which then answers nothing', async () => {
    await dp.unbindListener(other);
    await dp.unbindListener(other);
    assert.deepEqual(dp.boundAddresses(), [ip]);
    assert.equal(await udpExchange(other, PORT, buildQuery('gone.example.org'), 300), null);
    assert.equal(await tcpRefused(other, PORT), true);
  });

  it('closes every listener, then refuses binds and says it is unavailable', async () => {
    await dp.close();
    assert.equal(await tcpRefused(ip, PORT), true);
    await assert.rejects(dp.bindListener(ip, 'vpc-1', 'ep-in'), /the data plane is closed/);
    assert.notEqual(dp.unavailable(), null);
  });
});
