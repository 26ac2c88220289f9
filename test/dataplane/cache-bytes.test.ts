// The cache's byte bounds on real sockets: a hostile upstream's 60 KB answers (over TCP, after TC=1) cannot grow it past dns.cache_bytes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataPlane, type DataPlaneOptions } from '../../src/dataplane/data-plane.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { FakeUpstream, buildQuery, decode, tcpExchange } from './helpers.ts';

const NET = loopbackNet();
const PORT = await freeDnsPort([NET.ip(1), NET.ip(2)]);

describe('DataPlane cache byte bound, against 60 KB upstream answers', () => {
  let up: FakeUpstream;
  const planes: DataPlane[] = [];

  async function start(ip: string, o: Partial<DataPlaneOptions>): Promise<DataPlane> {
    const dp = new DataPlane({ port: PORT, queryTimeoutMs: 2000, ...o });
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [], upstreams: [up.target] }]);
    await dp.bindListener(ip, 'vpc-1');
    planes.push(dp);
    return dp;
  }

  /** Asks over TCP (the client takes the whole answer) and returns the answer's size. */
  async function ask(ip: string, name: string): Promise<number> {
    const [wire] = await tcpExchange(ip, PORT, [buildQuery(name, { type: 'TXT' })], 1, 10_000);
    const reply = decode(wire!);
    assert.equal(reply.rcode, 'NOERROR');
    assert.equal(reply.answers?.length, Math.ceil(up.hugeBytes / 280));
    return wire!.length;
  }

  before(async () => {
    up = await FakeUpstream.start(NET.ip(100));
    up.mode = 'huge';
  });
  after(async () => {
    for (const dp of planes) await dp.close();
    await up.close();
  });

  it('holds at most cache_bytes: 200 answers of 60 KB (12 MB) into a 4 MiB cache, evictions counted as bytes', async () => {
    const cacheBytes = 4 * 1024 * 1024;
    const dp = await start(NET.ip(1), { cacheBytes, cacheMaxEntryBytes: 65_535 + 255 });
    let sent = 0;
    for (let i = 0; i < 200; i++) {
      sent += await ask(NET.ip(1), `h${i}.hostile.example`);
      assert.ok(dp.stats().cacheBytes <= cacheBytes, `${dp.stats().cacheBytes} bytes cached after ${i + 1} answers`);
    }
    assert.ok(sent > 12_000_000, `${sent} bytes of answers`);
    const s = dp.stats();
    assert.ok(s.cacheEntries >= 60 && s.cacheEntries <= 70, `${s.cacheEntries} entries of 60 KB in 4 MiB`);
    assert.equal(s.cacheEvictionsByReason.bytes, 200 - s.cacheEntries);
    assert.equal(s.cacheEvictionsByReason.entries, 0);
    assert.equal(s.tcpRetries, 200, 'every answer came over TCP after TC=1');
    // The most recent answers are served from the cache, whole.
    const upstreamBefore = up.received.length;
    await ask(NET.ip(1), 'h199.hostile.example');
    assert.equal(up.received.length, upstreamBefore);
    assert.equal(dp.stats().cacheHits, 1);
  });

  it('does not cache an answer over cache_max_entry_bytes (16 KiB by default), and counts it', async () => {
    const dp = await start(NET.ip(2), {});
    for (let i = 0; i < 20; i++) await ask(NET.ip(2), `t${i}.hostile.example`);
    await ask(NET.ip(2), 't0.hostile.example');
    const s = dp.stats();
    assert.deepEqual([s.cacheEntries, s.cacheBytes, s.cacheHits, s.cacheTooLarge], [0, 0, 0, 21]);
  });
});
