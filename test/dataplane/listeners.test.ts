// Listener tests: UDP and TCP answering, TCP pipelining, bind failures that leave nothing bound, idempotence, drain on unbind.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';
import { FakeUpstream, addresses, buildQuery, decode, tcpExchange, udpExchange, udpQuery, UDP_IOS } from './helpers.ts';

const NET = loopbackNet();
const IP = NET.ip(1);
const SQUATTED_UDP = NET.ip(2);
const SQUATTED_TCP = NET.ip(3);
const DRAINED = NET.ip(4);
const PORT = await freeDnsPort([IP, SQUATTED_UDP, SQUATTED_TCP, DRAINED]);
/** The message of a bind failure, as a RegExp. */
const bindError = (ip: string, rest: string) => new RegExp(`cannot bind ${ip.replaceAll('.', '\\.')}:${PORT}/${rest}`);

function canBindUdp(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind({ address: ip, port }, () => s.close(() => resolve(true)));
  });
}

function canListenTcp(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: ip, port }, () => s.close(() => resolve(true)));
  });
}

for (const { io, skip } of UDP_IOS) describe(`DataPlane listeners (${io} UDP sockets)`, { skip }, () => {
  let upstream: FakeUpstream;
  let dp: DataPlane;

  before(async () => {
    upstream = await FakeUpstream.start(NET.ip(100));
    dp = new DataPlane({ port: PORT, queryTimeoutMs: 300, udpIo: io });
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [], upstreams: [upstream.target] }]);
    await dp.bindListener(IP, 'vpc-1');
  });
  after(async () => {
    await dp.close();
    await upstream.close();
  });

  it('answers a UDP query at an inbound address', async () => {
    const reply = await udpQuery(IP, PORT, 'www.example.org');
    assert.equal(reply.rcode, 'NOERROR');
    assert.deepEqual(addresses(reply), ['192.0.2.10']);
    assert.equal(reply.id, 4242);
  });

  it('answers three pipelined queries on one TCP connection', async () => {
    upstream.delayMs = 0;
    const msgs = [1, 2, 3].map((id) => buildQuery(`host${id}.example.org`, { id }));
    const replies = (await tcpExchange(IP, PORT, msgs)).map((r) => decode(r));
    assert.deepEqual(replies.map((r) => r.id).sort(), [1, 2, 3]);
    for (const r of replies) assert.equal(r.questions?.[0]?.name, `host${r.id}.example.org`);
  });

  it('answers TCP queries out of order as they complete', async () => {
    upstream.delayMs = 150;
    const slow = buildQuery('slow.example.org', { id: 10 });
    upstream.delayMs = 0;
    // The first query is answered from cache after warming it; the second goes upstream.
    await udpQuery(IP, PORT, 'warm.example.org');
    upstream.delayMs = 150;
    const replies = await tcpExchange(IP, PORT, [slow, buildQuery('warm.example.org', { id: 11 })]);
    upstream.delayMs = 0;
    assert.deepEqual(replies.map((r) => decode(r).id), [11, 10]);
  });

  it('is idempotent for the same address and VPC', async () => {
    await dp.bindListener(IP, 'vpc-1');
    assert.equal(dp.stats().listeners, 1);
  });

  it('rejects the same address for another VPC', async () => {
    await assert.rejects(dp.bindListener(IP, 'vpc-2'), /already bound for VPC vpc-1/);
  });

  it('rejects an address the host lacks with a useful message and binds nothing', async () => {
    await assert.rejects(dp.bindListener('192.0.2.1', 'vpc-1'), {
      message: `cannot bind 192.0.2.1:${PORT}/udp: EADDRNOTAVAIL (address not on this host)`,
    });
    assert.equal(dp.stats().listeners, 1);
  });

  it('rejects when the UDP port is taken', async () => {
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind({ address: SQUATTED_UDP, port: PORT }, () => resolve()));
    try {
      await assert.rejects(dp.bindListener(SQUATTED_UDP, 'vpc-1'), bindError(SQUATTED_UDP, 'udp: EADDRINUSE \\(port in use\\)'));
      assert.ok(await canListenTcp(SQUATTED_UDP, PORT), 'TCP must stay unbound');
    } finally {
      squatter.close();
    }
  });

  it('rejects when the TCP port is taken and releases the UDP socket', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen({ host: SQUATTED_TCP, port: PORT }, () => resolve()));
    try {
      await assert.rejects(dp.bindListener(SQUATTED_TCP, 'vpc-1'), bindError(SQUATTED_TCP, 'tcp: EADDRINUSE \\(port in use\\)'));
      assert.ok(await canBindUdp(SQUATTED_TCP, PORT), 'UDP must have been released');
      assert.equal(dp.stats().listeners, 1);
    } finally {
      squatter.close();
    }
  });

  it('rejects something that is not an IP address', async () => {
    await assert.rejects(dp.bindListener('not-an-ip', 'vpc-1'), /not an IP address/);
  });

  it('unbinds both sockets, answering a query that was in flight', async () => {
    await dp.bindListener(DRAINED, 'vpc-1');
    upstream.delayMs = 100;
    const pending = udpExchange(DRAINED, PORT, buildQuery('inflight.example.org'));
    await until('the query to reach the upstream', () => upstream.received.some((q) => q.packet.questions?.[0]?.name === 'inflight.example.org'));
    await dp.unbindListener(DRAINED);
    upstream.delayMs = 0;
    const reply = await pending;
    assert.ok(reply, 'the in-flight query must be answered');
    assert.deepEqual(addresses(decode(reply)), ['192.0.2.10']);
    assert.ok(await canBindUdp(DRAINED, PORT));
    assert.ok(await canListenTcp(DRAINED, PORT));
  });

  it('lets an address be bound again after unbinding it', async () => {
    await dp.bindListener(DRAINED, 'vpc-1');
    assert.equal((await udpQuery(DRAINED, PORT, 'again.example.org')).rcode, 'NOERROR');
    await dp.unbindListener(DRAINED);
  });

  it('unbinding an address that is not bound is a no-op', async () => {
    await dp.unbindListener(NET.ip(99));
  });
});

describe('DataPlane.probeSource', () => {
  it('accepts an address of this host', async () => {
    const dp = new DataPlane({ port: PORT });
    await dp.probeSource(NET.ip(7));
    await dp.close();
  });

  it('rejects an address the host lacks', async () => {
    const dp = new DataPlane({ port: PORT });
    await assert.rejects(dp.probeSource('192.0.2.1'), /cannot use source address 192\.0\.2\.1:0\/udp: EADDRNOTAVAIL \(address not on this host\)/);
    await dp.close();
  });
});
