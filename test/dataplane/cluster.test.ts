// The data plane over worker processes: shared listeners, all-or-nothing binds, forwarding from the
// outbound address, counters added up, and a killed worker replaced with the listeners it should hold.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ClusterDataPlane, workerExecArgv } from '../../src/dataplane/cluster.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';
import { FakeUpstream, UDP_IOS, addresses, buildQuery, decode, tcpExchange, udpExchange, udpQuery } from './helpers.ts';

const NET = loopbackNet();
const IP = NET.ip(1);
const SECOND = NET.ip(2);
const SOURCE = NET.ip(50);
const PORT = await freeDnsPort([IP, SECOND]);

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

// native: each worker's UDP listener is its own socket in an SO_REUSEPORT group; node: one dgram socket shared by the primary.
for (const { io, skip } of UDP_IOS) describe(`ClusterDataPlane (2 worker processes, ${io} UDP sockets)`, { skip }, () => {
  let upstream: FakeUpstream;
  let dp: ClusterDataPlane;

  before(async () => {
    upstream = await FakeUpstream.start(NET.ip(100));
    dp = await ClusterDataPlane.start({ workers: 2, init: { options: { port: PORT, queryTimeoutMs: 300, udpIo: io }, logLevel: 'silent' } });
    await dp.setVpcs([
      {
        vpcId: 'vpc-1',
        rules: [{ id: 'rule-1', domain: 'corp.example', targets: [upstream.target], sourceIps: [SOURCE], endpointId: 'ep-out' }],
        upstreams: [upstream.target],
      },
    ]);
    await dp.bindListener(IP, 'vpc-1', 'ep-in');
  });
  after(async () => {
    await dp.close();
    await upstream.close();
  });

  it('runs two workers and binds the address in both', () => {
    assert.equal(dp.workerCount, 2);
    assert.equal(new Set(dp.workerPids()).size, 2);
    assert.deepEqual(dp.boundAddresses(), [IP]);
    assert.equal(dp.unavailable(), null);
  });

  it('answers over UDP and TCP, and counts every answer once across the workers', async () => {
    const before = await dp.stats();
    for (let i = 0; i < 20; i++) {
      const reply = await udpQuery(IP, PORT, `host${i}.example.org`);
      assert.equal(reply.rcode, 'NOERROR');
      assert.deepEqual(addresses(reply), ['192.0.2.10']);
    }
    const tcp = await tcpExchange(IP, PORT, [buildQuery('a.example.org', { id: 1 }), buildQuery('b.example.org', { id: 2 })]);
    assert.deepEqual(tcp.map((b) => decode(b).rcode), ['NOERROR', 'NOERROR']);
    const after = await dp.stats();
    assert.equal(after.queries - before.queries, 22);
    assert.equal((after.answersByEndpoint['ep-in']?.NOERROR ?? 0) - (before.answersByEndpoint['ep-in']?.NOERROR ?? 0), 22);
    assert.equal(after.listeners, 1);
  });

  // Native only: with one dgram socket shared by the workers, which worker reads a datagram is a race, not a spread.
  if (io === 'native') it('spreads UDP clients over the workers\' own sockets (each worker fetches a name once, then has it cached)', async () => {
    upstream.received.length = 0;
    // 32 client sockets: the kernel hashes each flow to one socket of the group; all 32 on one worker has odds of 2^-31.
    for (let i = 0; i < 32; i++) assert.equal((await udpQuery(IP, PORT, 'spread.example.org')).rcode, 'NOERROR');
    const fetched = upstream.received.filter((q) => q.packet.questions?.[0]?.name === 'spread.example.org').length;
    assert.equal(fetched, 2, 'fetched once by each worker');
  });

  it('forwards a rule\'s domain from the outbound address, with one instance id for the whole cluster', async () => {
    upstream.received.length = 0;
    const reply = await udpQuery(IP, PORT, 'db.corp.example');
    assert.equal(reply.rcode, 'NOERROR');
    const seen = upstream.received.find((q) => q.packet.questions?.[0]?.name === 'db.corp.example');
    assert.ok(seen, 'the upstream got the query');
    assert.equal(seen.address, SOURCE);
  });

  it('rejects an address the host lacks and leaves it bound in no worker', async () => {
    await assert.rejects(dp.bindListener('192.0.2.77', 'vpc-1', 'ep-x'), new RegExp(`cannot bind 192\\.0\\.2\\.77:${PORT}/udp: EADDRNOTAVAIL`));
    assert.deepEqual(dp.boundAddresses(), [IP]);
  });

  it('unbinds in every worker, and the address can be bound again', async () => {
    const second = SECOND;
    await dp.bindListener(second, 'vpc-1', 'ep-in');
    assert.equal((await udpQuery(second, PORT, 'x.example.org')).rcode, 'NOERROR');
    await dp.unbindListener(second);
    assert.equal(await udpExchange(second, PORT, buildQuery('y.example.org'), 300), null);
    assert.equal(await tcpRefused(second, PORT), true);
    await dp.bindListener(second, 'vpc-1', 'ep-in');
    assert.equal((await udpQuery(second, PORT, 'z.example.org')).rcode, 'NOERROR');
    await dp.unbindListener(second);
  });

  it('replaces a worker that dies, with the listeners and routing it should have, and keeps the totals', async () => {
    const statsBefore = await dp.stats();
    const [victim] = dp.workerPids();
    assert.ok(victim !== undefined && victim > 0);
    process.kill(victim, 'SIGKILL');
    await until('the dead worker to be noticed', () => dp.unavailable() !== null || !dp.workerPids().includes(victim));
    await until('a replacement worker', () => dp.workerCount === 2 && !dp.workerPids().includes(victim));
    assert.equal(dp.unavailable(), null);
    assert.deepEqual(dp.boundAddresses(), [IP]);
    // Both workers answer, and the new one routes rules too: ask enough times that both are reached.
    for (let i = 0; i < 20; i++) assert.equal((await udpQuery(IP, PORT, `n${i}.corp.example`)).rcode, 'NOERROR');
    const statsAfter = await dp.stats();
    assert.ok(statsAfter.queries >= statsBefore.queries + 20, `queries went from ${statsBefore.queries} to ${statsAfter.queries}`);
  });

  it('refuses a bind while no worker runs, and serves the wanted listeners again once they are back', async () => {
    for (const pid of dp.workerPids()) process.kill(pid, 'SIGKILL');
    await until('both workers to be gone', () => dp.workerCount === 0, { timeoutMs: 5000 });
    await assert.rejects(dp.bindListener(NET.ip(3), 'vpc-1', 'ep-in'), new RegExp(`cannot bind ${NET.prefixPattern}\\.3:${PORT}: no DNS worker is running`));
    await until('two workers again', () => dp.workerCount === 2, { timeoutMs: 20_000 });
    assert.deepEqual(dp.boundAddresses(), [IP]);
    assert.equal((await udpQuery(IP, PORT, 'back.example.org')).rcode, 'NOERROR');
  });
});

describe('workerExecArgv', () => {
  it('drops tsx loader flags and keeps the others', () => {
    assert.deepEqual(
      workerExecArgv(['--require', '/x/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///x/node_modules/tsx/dist/loader.mjs', '--cpu-prof', '--max-semi-space-size=64']),
      ['--cpu-prof', '--max-semi-space-size=64'],
    );
    assert.deepEqual(workerExecArgv(['--import', 'tsx', '--import=tsx', '--enable-source-maps']), ['--enable-source-maps']);
    assert.deepEqual(workerExecArgv(['--import', './my-hook.mjs']), ['--import', './my-hook.mjs']);
  });
});
