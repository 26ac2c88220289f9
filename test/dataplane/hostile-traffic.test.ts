// 100,000 random and mutated packets at a live listener, forwarded to an upstream that answers like an attacker:
// no crash, memory bounded, and normal queries answered throughout and after (issue 17, DNS fuzzing).
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { readCorpus } from '../fuzz/engine.ts';
import { Random, mutate } from '../fuzz/mutate.ts';
import { querySeeds } from '../fuzz/seeds.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';
import { buildQuery, decode, tcpExchange, udpQuery } from './helpers.ts';
import { HostileUpstream } from './hostile-upstream.ts';

const NET = loopbackNet();
const IP = NET.ip(1);
const PORT = await freeDnsPort([IP]);
const PACKETS = Number(process.env.VPCDNS_HOSTILE_PACKETS ?? 100_000);
const BURST = 250;
const MiB = 1024 * 1024;

/** The i-th hostile packet: raw random bytes, a shape known to hurt parsers, or a mutant of a query from the corpus. */
function hostile(i: number, r: Random, queries: readonly Buffer[]): Buffer {
  const base = queries[i % queries.length]!;
  if (base.length < 14) return mutate(base, r, queries[r.below(queries.length)]!, 1024);
  switch (i % 10) {
    case 0:
      return r.bytes(r.below(600));
    case 1: // truncated header
      return base.subarray(0, r.below(12));
    case 2: {
      // huge counts
      const b = Buffer.from(base);
      for (const at of [4, 6, 8, 10]) if (r.below(2) === 0) b.writeUInt16BE(0xffff - r.below(3), at);
      return b;
    }
    case 3: {
      // a compression loop in the question
      const b = Buffer.from(base);
      b.writeUInt16BE(0xc00c, 12);
      return b;
    }
    case 4: // a response, sent to a listener
      return Buffer.concat([base.subarray(0, 2), Buffer.from([base[2]! | 0x80]), base.subarray(3)]);
    case 5: // well-formed: forwarded, for the upstream to answer with something hostile (one in a hundred too large for UDP)
    case 6:
      if (i % 1000 === 5) return tooLarge(i);
      return buildQuery(`q${i}.${r.below(1000)}.hostile.example`, { id: r.below(0x10000), edns: r.below(2) === 0 ? 1232 : undefined });
    default: // mutants (bad lengths, bad EDNS, pointers, records appended, splices)
      return mutate(base, r, queries[r.below(queries.length)]!, 1024);
  }
}

/** A well-formed query of 5,000 bytes (an additional record of a private type), over dns.udp_max_query_bytes. */
function tooLarge(i: number): Buffer {
  const q = buildQuery(`big${i}.hostile.example`);
  q.writeUInt16BE(1, 10);
  return Buffer.concat([q, Buffer.from([0, 0xff, 0, 0, 1, 0, 0, 0, 0, 0x13, 0x70]), Buffer.alloc(4976, 0x61)]);
}

function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / MiB) * 10) / 10;
}

// A full collection on demand (what --expose-gc gives), so that live memory can be told from garbage not yet collected.
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;

/** Heap and Buffer memory still reachable after a full collection, in MiB. */
function liveMiB(): number {
  collect();
  const m = process.memoryUsage();
  return Math.round(((m.heapUsed + m.arrayBuffers) / MiB) * 10) / 10;
}

describe('DataPlane under 100,000 hostile packets and a hostile upstream', () => {
  let up: HostileUpstream;
  let dp: DataPlane;

  before(async () => {
    up = await HostileUpstream.start(NET.ip(100));
    dp = new DataPlane({ port: PORT, queryTimeoutMs: 300, maxAttempts: 2 });
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [], upstreams: [up.target, up.target] }]);
    await dp.bindListener(IP, 'vpc-1');
  });
  after(async () => {
    await dp.close();
    await up.close();
  });

  it(`does not crash, keeps memory bounded and answers normal queries during and after ${PACKETS.toLocaleString('en')} packets`, async (t) => {
    const queries = [...querySeeds(), ...readCorpus(fileURLToPath(new URL('../fuzz/corpus/query', import.meta.url)))];
    const r = new Random(Number(process.env.VPCDNS_FUZZ_SEED ?? 0x600d));
    // Warm up (the first queries load code and fill pools), then measure.
    for (let i = 0; i < 200; i++) assert.equal((await udpQuery(IP, PORT, `warm${i}.ok.example`)).rcode, 'NOERROR');
    const liveBefore = liveMiB();
    const rssBefore = rssMiB();
    const queriesBefore = dp.stats().queries;
    const sender = dgram.createSocket('udp4');
    sender.on('message', () => {}); // answers to the hostile packets are read and thrown away
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', () => resolve()));
    t.after(() => sender.close());
    // TCP clients that misbehave alongside: random bytes, an oversized frame, a frame never finished.
    const tcpAbuse: Promise<void>[] = [];
    const abuse = (payload: Buffer, endIt: boolean): void => {
      tcpAbuse.push(
        new Promise<void>((resolve) => {
          const s = net.connect({ host: IP, port: PORT }, () => (endIt ? s.end(payload) : s.write(payload)));
          s.resume();
          s.on('close', () => resolve());
          s.on('error', () => resolve());
          if (!endIt) setImmediate(() => s.destroy());
        }),
      );
    };
    let sent = 0;
    let normal = 0;
    let peakRss = rssBefore;
    const started = performance.now();
    for (let burst = 0; sent < PACKETS; burst++) {
      for (let i = 0; i < BURST && sent < PACKETS; i++, sent++) sender.send(hostile(sent, r, queries), PORT, IP);
      if (burst % 40 === 0) {
        abuse(r.bytes(300), true);
        abuse(Buffer.from([0xff, 0xff, 1, 2, 3]), true);
        abuse(Buffer.from([0, 200, 1, 2]), false);
      }
      // A normal query after every burst, over UDP (and every tenth over TCP), must be answered.
      const name = `n${burst}.ok.example`;
      if (burst % 10 === 0) assert.equal(decode((await tcpExchange(IP, PORT, [buildQuery(name)], 1, 5000))[0]!).rcode, 'NOERROR', `TCP during burst ${burst}`);
      else assert.equal((await udpQuery(IP, PORT, name, { timeoutMs: 5000 })).rcode, 'NOERROR', `during burst ${burst}`);
      normal++;
      if (burst % 20 === 0) peakRss = Math.max(peakRss, rssMiB());
    }
    const firingMs = Math.round(performance.now() - started);
    await Promise.all(tcpAbuse);
    // Every packet counted, and the queries still waiting for the silent ones have timed out.
    await until('the listener to have read every packet', () => dp.stats().queries - queriesBefore >= sent + normal, { timeoutMs: 10_000 });
    await until('the forwarded queries to end', () => dp.stats().inFlight === 0, { timeoutMs: 10_000 });
    for (let i = 0; i < 20; i++) assert.equal((await udpQuery(IP, PORT, `after${i}.ok.example`)).rcode, 'NOERROR', 'after');
    assert.equal(decode((await tcpExchange(IP, PORT, [buildQuery('after.ok.example')]))[0]!).rcode, 'NOERROR');
    const liveAfter = liveMiB();
    const rssAfter = rssMiB();
    peakRss = Math.max(peakRss, rssAfter);
    const s = dp.stats();
    t.diagnostic(
      `${sent} hostile packets and ${normal} normal queries in ${firingMs} ms; RSS ${rssBefore} MiB before, ${peakRss} MiB at most, ${rssAfter} MiB after; ` +
        `live heap and buffers ${liveBefore} MiB before, ${liveAfter} MiB after; ` +
        `answers ${JSON.stringify(s.answersByRcode)}, dropped ${s.dropped}, too large ${s.queriesTooLarge}, upstream failures ${JSON.stringify(s.upstreamFailuresByReason)}, ` +
        `TCP retries ${s.tcpRetries}, TCP closed ${JSON.stringify(s.tcpClosedByReason)}, cache ${s.cacheEntries} entries / ${s.cacheBytes} bytes; upstream sent ${JSON.stringify(up.sent)}`,
    );
    assert.ok(s.queries - queriesBefore >= sent + normal);
    assert.ok((s.upstreamFailuresByReason.garbage ?? 0) > 0, 'hostile replies were rejected as garbage');
    assert.ok(s.tcpRetries > 0 && (s.tcpClosedByReason.oversize ?? 0) > 0 && s.queriesTooLarge > 0);
    // Bounded: the cache holds at most its bytes, and the process grew by far less than the traffic it took.
    assert.ok(s.cacheBytes <= 64 * MiB);
    assert.ok(peakRss - rssBefore < 150, `RSS grew from ${rssBefore} to ${peakRss} MiB`);
    assert.ok(liveAfter - liveBefore < 32, `live memory grew from ${liveBefore} to ${liveAfter} MiB`);
  });
});
