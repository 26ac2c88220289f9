// Loop tests: a rule pointing at our own listener, and two instances forwarding to each other, both end in SERVFAIL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import type { VpcContext } from '../../src/dataplane/types.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { udpQuery } from './helpers.ts';

const NET = loopbackNet();
const PORT = await freeDnsPort([71, 72, 73, 81, 82, 83].map((h) => NET.ip(h)));

function forwardAll(vpcId: string, to: string, source: string): VpcContext {
  return { vpcId, rules: [{ id: 'r-loop', domain: 'loop.example', targets: [{ ip: to, port: PORT }], sourceIps: [source], endpointId: 'ep' }], upstreams: [] };
}

describe('DataPlane loop detection', () => {
  it('answers SERVFAIL at once when a rule targets one of its own listeners', async () => {
    const dp = new DataPlane({ port: PORT, queryTimeoutMs: 1000 });
    try {
      dp.setVpcs([forwardAll('vpc-1', NET.ip(71), NET.ip(79))]);
      await dp.bindListener(NET.ip(71), 'vpc-1');
      const started = Date.now();
      const reply = await udpQuery(NET.ip(71), PORT, 'a.loop.example');
      assert.equal(reply.rcode, 'SERVFAIL');
      assert.ok(Date.now() - started < 500);
      assert.equal(dp.stats().loopsDetected, 1);
      assert.equal(dp.stats().upstreamQueries, 0);
    } finally {
      await dp.close();
    }
  });

  it('answers SERVFAIL when two instances forward to each other', async () => {
    const a = new DataPlane({ port: PORT, queryTimeoutMs: 1000 });
    const b = new DataPlane({ port: PORT, queryTimeoutMs: 1000 });
    try {
      a.setVpcs([forwardAll('vpc-a', NET.ip(73), NET.ip(74))]);
      b.setVpcs([forwardAll('vpc-b', NET.ip(72), NET.ip(75))]);
      await a.bindListener(NET.ip(72), 'vpc-a');
      await b.bindListener(NET.ip(73), 'vpc-b');
      const started = Date.now();
      const reply = await udpQuery(NET.ip(72), PORT, 'a.loop.example');
      assert.equal(reply.rcode, 'SERVFAIL');
      assert.ok(Date.now() - started < 500, 'detected on the second visit, not by timing out');
      assert.equal(a.stats().loopsDetected, 1);
      assert.equal(b.stats().upstreamQueries, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('answers SERVFAIL when a query has been through too many instances', async () => {
    const instances = Array.from({ length: 3 }, () => new DataPlane({ port: PORT, queryTimeoutMs: 1000, maxHops: 2 }));
    try {
      // .81 -> .82 -> .83 -> (would go on): with maxHops 2 the third instance stops it.
      for (let i = 0; i < 3; i++) {
        instances[i]!.setVpcs([forwardAll('vpc', NET.ip(82 + i), NET.ip(91 + i))]);
        await instances[i]!.bindListener(NET.ip(81 + i), 'vpc');
      }
      const reply = await udpQuery(NET.ip(81), PORT, 'a.loop.example');
      assert.equal(reply.rcode, 'SERVFAIL');
      assert.equal(instances[2]!.stats().loopsDetected, 1);
    } finally {
      await Promise.all(instances.map((i) => i.close()));
    }
  });
});
