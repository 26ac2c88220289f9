// TCP connection limits of a listener: output backpressure, queries in flight, slow clients (idle and frame timers), a full table.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DataPlane, type DataPlaneOptions } from '../../src/dataplane/data-plane.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';
import { FakeUpstream, buildQuery, decode, tcpExchange } from './helpers.ts';

const LOOPBACK = loopbackNet();
const NET = LOOPBACK.prefix;
const PORT = await freeDnsPort(Array.from({ length: 20 }, (_, i) => LOOPBACK.ip(1 + i)));

function frame(msg: Buffer): Buffer {
  return Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);
}

/** A client connection that has connected, and a promise of its close. */
async function connect(ip: string): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect({ host: ip, port: PORT });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {}); // a reset by the server is what some tests wait for
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed };
}

/** Sends one byte now and one more every intervalMs, as a slowloris client does; stops when the socket closes. */
function trickle(socket: net.Socket, bytes: Buffer, intervalMs: number): void {
  let i = 0;
  const send = () => {
    if (i < bytes.length && !socket.destroyed) socket.write(bytes.subarray(i, ++i));
  };
  send();
  const timer = setInterval(send, intervalMs);
  socket.once('close', () => clearInterval(timer));
}

describe('TCP connection limits', () => {
  let upstream: FakeUpstream;
  let next = 1;
  const planes: DataPlane[] = [];
  const sockets: net.Socket[] = [];

  /** A data plane with one listener on an address of its own. */
  async function listen(options: Omit<DataPlaneOptions, 'port'>): Promise<{ dp: DataPlane; ip: string }> {
    const ip = `${NET}.${next++}`;
    const dp = new DataPlane({ port: PORT, queryTimeoutMs: 300, ...options });
    planes.push(dp);
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [], upstreams: [upstream.target] }]);
    await dp.bindListener(ip, 'vpc-1');
    return { dp, ip };
  }

  async function client(ip: string) {
    const c = await connect(ip);
    sockets.push(c.socket);
    return c;
  }

  before(async () => {
    upstream = await FakeUpstream.start(`${NET}.100`);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(planes.map((dp) => dp.close()));
    await upstream.close();
  });

  it('stops reading a client that pipelines 10,000 queries and never reads, keeps its queued answers under the limit, then closes it', async () => {
    upstream.mode = 'big';
    const maxQueued = 256 * 1024;
    const { dp, ip } = await listen({ tcpIdleTimeoutMs: 1000, tcpMaxQueuedBytes: maxQueued });
    const query = buildQuery('big.example.org');
    const [warm] = await tcpExchange(ip, PORT, [query]); // cached from now on: every answer below is written at once
    assert.equal(decode(warm!).rcode, 'NOERROR');
    assert.ok(warm!.length > 1000, `a big answer (${warm!.length} bytes)`);
    const before = dp.stats();
    const { socket, closed } = await client(ip);
    socket.pause(); // never reads: its receive window fills and the server's output backs up
    socket.write(Buffer.concat(Array.from({ length: 10_000 }, () => frame(query))));
    await until('reading to pause', () => dp.stats().tcpReadPauses > before.tcpReadPauses);
    const paused = dp.stats();
    assert.ok(paused.tcpQueuedBytes <= maxQueued, `queued ${paused.tcpQueuedBytes} bytes`);
    assert.ok(paused.queries - before.queries < 10_000, `took ${paused.queries - before.queries} queries`);
    // Its answers did not drain within the idle timeout: the server closes it (a paused client sees that once it reads).
    await until('the server to close it', () => (dp.stats().tcpClosedByReason.backlog ?? 0) > (before.tcpClosedByReason.backlog ?? 0));
    socket.resume();
    await closed;
    const after = dp.stats();
    assert.equal((after.tcpClosedByReason.backlog ?? 0) - (before.tcpClosedByReason.backlog ?? 0), 1);
    assert.ok(after.queries - before.queries < 10_000, `took ${after.queries - before.queries} queries`);
    assert.equal(after.tcpQueuedBytes, 0);
    assert.equal(after.tcpConnections, 0);
    upstream.mode = 'answer';
  });

  it('has at most tcpMaxPipelined queries of one connection in flight, and answers them all', async () => {
    upstream.mode = 'silent'; // each query waits for its 300 ms deadline, then is answered SERVFAIL
    const { dp, ip } = await listen({ tcpMaxPipelined: 8, cacheSize: 0 });
    upstream.received.length = 0;
    const queries = Array.from({ length: 24 }, (_, id) => buildQuery(`p${id}.example.org`, { id }));
    const inFlight: number[] = [];
    const replies = tcpExchange(ip, PORT, queries);
    await until('the first queries upstream', () => upstream.received.length >= 8);
    inFlight.push(dp.stats().inFlight);
    const answered = await replies;
    assert.equal(answered.length, 24);
    assert.ok(answered.every((r) => decode(r).rcode === 'SERVFAIL'));
    assert.deepEqual(inFlight, [8]);
    assert.equal(upstream.received.length, 24);
    upstream.mode = 'answer';
  });

  it('evicts the oldest idle connection when the table is full, and the new client gets its answer', async () => {
    const { dp, ip } = await listen({ tcpMaxConnections: 4 });
    const slow = [];
    for (let i = 0; i < 4; i++) {
      const c = await client(ip);
      c.socket.write(Buffer.from([0])); // the first byte of a length, never finished
      slow.push(c);
    }
    await until('four connections', () => dp.stats().tcpConnections === 4);
    const [reply] = await tcpExchange(ip, PORT, [buildQuery('new.example.org')]);
    assert.equal(decode(reply!).rcode, 'NOERROR');
    await slow[0]!.closed;
    assert.equal(slow.slice(1).filter((c) => c.socket.destroyed).length, 0, 'the other slow clients keep their connections');
    assert.equal(dp.stats().tcpClosedByReason.evicted, 1);
  });

  it('refuses a new connection while every connection in a full table still owes answers', async () => {
    upstream.mode = 'silent';
    const { dp, ip } = await listen({ tcpMaxConnections: 2, queryTimeoutMs: 2000, maxAttempts: 1, cacheSize: 0 });
    upstream.received.length = 0;
    for (let i = 0; i < 2; i++) (await client(ip)).socket.write(frame(buildQuery(`owed${i}.example.org`)));
    await until('two queries upstream', () => upstream.received.length === 2);
    const refused = await client(ip);
    await refused.closed;
    assert.equal(dp.stats().tcpClosedByReason.refused, 1);
    upstream.mode = 'answer';
  });

  it('closes a connection that does not complete a frame within tcpFrameTimeoutMs, however often bytes arrive', async () => {
    const { dp, ip } = await listen({ tcpFrameTimeoutMs: 300, tcpIdleTimeoutMs: 60_000 });
    const { socket, closed } = await client(ip);
    const started = Date.now();
    trickle(socket, frame(buildQuery('slow.example.org')), 40); // a byte every 40 ms: about 1.5 s for the frame
    await closed;
    assert.ok(Date.now() - started < 1200, `closed after ${Date.now() - started} ms`);
    assert.equal(dp.stats().tcpClosedByReason.frame_timeout, 1);
  });

  it('closes a connection idle since its last complete query, even while partial bytes trickle in', async () => {
    const { dp, ip } = await listen({ tcpIdleTimeoutMs: 400, tcpFrameTimeoutMs: 60_000 });
    const { socket, closed } = await client(ip);
    const answer = new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.write(frame(buildQuery('first.example.org')));
    assert.equal(decode((await answer).subarray(2)).rcode, 'NOERROR');
    const started = Date.now();
    trickle(socket, frame(buildQuery('never-finished.example.org')), 40);
    await closed;
    assert.ok(Date.now() - started < 1500, `closed after ${Date.now() - started} ms`);
    assert.equal(dp.stats().tcpClosedByReason.idle, 1);
  });
});
