// The answer steps one by one on a real query packet, and the order the resolver runs them in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { ManualClock } from '../../domain/clock.ts';
import { PacketCache } from '../cache.ts';
import { ClientQuery, type ForwardCompletion, type VpcRouting } from '../client-query.ts';
import { Forwarder } from '../forwarder.ts';
import type { QueryClient } from '../listeners.ts';
import { QueryLogWriter } from '../query-log.ts';
import { Resolver } from '../resolver.ts';
import { RouteTable, routingFingerprint } from '../route-table.ts';
import { emptyStats } from '../contract.ts';
import { newAnswerCounter } from '../stats.ts';
import type { VpcContext } from '../types.ts';
import type { UdpUpstreamPool } from '../upstream-pool.ts';
import { TargetHealth } from '../health.ts';
import { parseQuery, rcodeOf } from '../wire.ts';
import { AdmitStep } from './admit.ts';
import { LoopGuardStep } from './loop-guard.ts';
import { RouteStep } from './route.ts';
import { ANSWERED, NEXT } from './step.ts';

const client: QueryClient = { address: '127.0.0.1', port: 5353, transport: 'udp', respond: () => {} };
const noCompletion: ForwardCompletion = { completeForward: () => assert.fail('not forwarded') };

function routingOf(vpc: VpcContext): VpcRouting {
  return { vpc, table: new RouteTable(vpc), fingerprint: routingFingerprint(vpc), epoch: 1 };
}

function queryFor(name: string, routing: VpcRouting | undefined): ClientQuery {
  const msg = dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
  const parsed = parseQuery(msg);
  assert.equal(parsed.kind, 'ok');
  return new ClientQuery(noCompletion, newAnswerCounter('vpc-1', null), msg, parsed.kind === 'ok' ? parsed.query : assert.fail(), client, routing, 0);
}

const rule = { id: 'rule-1', domain: 'corp.example', targets: [{ ip: '10.8.0.2', port: 53 }], sourceIps: ['10.1.0.5'], endpointId: 'ep-1' };

describe('RouteStep', () => {
  it('records the matched rule, its targets and source addresses, and hands the query on', () => {
    const q = queryFor('www.corp.example', routingOf({ vpcId: 'vpc-1', rules: [rule], upstreams: [] }));
    assert.equal(new RouteStep().run(q), NEXT);
    assert.deepEqual([q.ruleId, q.endpointId, q.targets, q.sourceIps], ['rule-1', 'ep-1', rule.targets, rule.sourceIps]);
  });

  it('falls back to the VPC upstreams with no rule and no source address', () => {
    const q = queryFor('www.other.example', routingOf({ vpcId: 'vpc-1', rules: [rule], upstreams: [{ ip: '10.9.0.1', port: 53 }] }));
    assert.equal(new RouteStep().run(q), NEXT);
    assert.deepEqual([q.ruleId, q.targets, q.sourceIps], [null, [{ ip: '10.9.0.1', port: 53 }], null]);
  });

  it('answers REFUSED with no routing, or no route for the name', () => {
    for (const q of [queryFor('www.corp.example', undefined), queryFor('www.other.example', routingOf({ vpcId: 'vpc-1', rules: [rule], upstreams: [] }))]) {
      assert.equal(new RouteStep().run(q), ANSWERED);
      assert.equal(rcodeOf(q.reply!), 5);
      assert.equal(q.answeredBy, null);
    }
  });

  it('answers SERVFAIL, with the rule id, when the rule has no source address', () => {
    const q = queryFor('www.corp.example', routingOf({ vpcId: 'vpc-1', rules: [{ ...rule, sourceIps: [] }], upstreams: [] }));
    assert.equal(new RouteStep().run(q), ANSWERED);
    assert.deepEqual([rcodeOf(q.reply!), q.ruleId], [2, 'rule-1']);
  });
});

describe('AdmitStep and LoopGuardStep', () => {
  it('admit answers SERVFAIL and counts an overflow only once maxInFlight queries wait', () => {
    const stats = emptyStats();
    const step = new AdmitStep(2, stats);
    stats.inFlight = 1;
    assert.equal(step.run(queryFor('a.example', undefined)), NEXT);
    stats.inFlight = 2;
    const q = queryFor('a.example', undefined);
    assert.equal(step.run(q), ANSWERED);
    assert.deepEqual([rcodeOf(q.reply!), stats.overflows], [2, 1]);
  });

  it('the loop guard hands on a query without EDNS (no via option to read)', () => {
    const stats = emptyStats();
    assert.equal(new LoopGuardStep('01020304', 4, stats).run(queryFor('a.example', undefined)), NEXT);
    assert.equal(stats.loopsDetected, 0);
  });
});

describe('Resolver steps', () => {
  const forwarder = new Forwarder(
    { timeoutMs: 100, maxAttempts: 1, upstreamUdpSize: 1232, forwardTcpOverTcp: false, passClientSubnet: false, instanceId: Buffer.alloc(4), isOwnListener: () => false },
    {} as UdpUpstreamPool,
    new TargetHealth({ failuresToMarkDown: 2, downBackoffMs: 1000, maxDownBackoffMs: 1000 }, () => 0),
    emptyStats(),
  );
  const opts = { clock: new ManualClock(0), maxInFlight: 10, maxHops: 4, instanceIdHex: '00000000', ttlLimits: { maxTtl: 60, maxNegativeTtl: 60 }, chaos: {}, passClientSubnet: false, udpMaxQueryBytes: 4096 };

  it('runs the protocol checks, loop guard, route, cache, admit and forward, in the order docs/dataplane.md gives', () => {
    const resolver = new Resolver(opts, emptyStats(), new PacketCache(10, opts.clock), forwarder, new QueryLogWriter(1024));
    assert.deepEqual(
      resolver.steps.map((s) => s.name),
      ['edns version', 'tsig', 'zone transfer', 'chaos', 'loop guard', 'route', 'cache', 'admit', 'forward'],
    );
  });

  it('leaves the cache step out when there is no cache', () => {
    const resolver = new Resolver(opts, emptyStats(), null, forwarder, new QueryLogWriter(1024));
    assert.deepEqual(
      resolver.steps.map((s) => s.name),
      ['edns version', 'tsig', 'zone transfer', 'chaos', 'loop guard', 'route', 'admit', 'forward'],
    );
  });
});
