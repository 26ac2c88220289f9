// Unit tests of the route table: whole-label suffix matching, most specific rule first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RouteTable, routingFingerprint } from './route-table.ts';
import type { ForwardRule, VpcContext } from './types.ts';

function rule(id: string, domain: string): ForwardRule {
  return { id, domain, targets: [{ ip: '10.0.0.1', port: 53 }], sourceIps: ['10.0.1.1'], endpointId: 'ep-1' };
}

function ruleIdFor(table: RouteTable, qname: string): string | null {
  const route = table.lookup(qname);
  return route.kind === 'rule' ? route.rule.id : route.kind;
}

describe('RouteTable.lookup', () => {
  const table = new RouteTable({ vpcId: 'vpc-1', rules: [rule('r-corp', 'corp.example'), rule('r-a', 'a.corp.example'), rule('r-dot', 'Dotted.Example.')], upstreams: [{ ip: '10.9.9.9', port: 53 }] });

  const cases: [string, string | null][] = [
    ['corp.example', 'r-corp'],
    ['host.corp.example', 'r-corp'],
    ['a.corp.example', 'r-a'],
    ['deep.host.a.corp.example', 'r-a'],
    ['b.corp.example', 'r-corp'],
    ['notcorp.example', 'default'],
    ['example', 'default'],
    ['', 'default'],
    ['dotted.example', 'r-dot'],
    ['x.dotted.example', 'r-dot'],
  ];
  for (const [qname, expected] of cases) {
    it(`routes "${qname}" to ${expected}`, () => {
      assert.equal(ruleIdFor(table, qname), expected);
    });
  }

  it('returns none when nothing matches and the VPC has no upstreams', () => {
    const bare = new RouteTable({ vpcId: 'vpc-2', rules: [rule('r', 'corp.example')], upstreams: [] });
    assert.equal(bare.lookup('www.example.org').kind, 'none');
  });

  it('lets a root rule catch every name', () => {
    const all = new RouteTable({ vpcId: 'vpc-3', rules: [rule('r-root', '.'), rule('r-corp', 'corp.example')], upstreams: [] });
    assert.equal(ruleIdFor(all, 'www.example.org'), 'r-root');
    assert.equal(ruleIdFor(all, 'x.corp.example'), 'r-corp');
  });

  it('matches rules of several depths, skipping the suffixes no rule is as long or as short as', () => {
    const t = new RouteTable({
      vpcId: 'vpc-5',
      rules: [rule('r2', 'corp.example'), rule('r4', 'a.b.corp.example'), rule('r5', 'x.y.z.other.example')],
      upstreams: [{ ip: '10.9.9.9', port: 53 }],
    });
    const expected: [string, string][] = [
      ['q.w.e.r.t.a.b.corp.example', 'r4'],
      ['a.b.corp.example', 'r4'],
      ['b.corp.example', 'r2'],
      ['z.b.corp.example', 'r2'],
      ['m.a.c.corp.example', 'r2'],
      ['x.y.z.other.example', 'r5'],
      ['w.x.y.z.other.example', 'r5'],
      ['y.z.other.example', 'default'],
      ['example', 'default'],
      ['', 'default'],
    ];
    for (const [qname, id] of expected) assert.equal(ruleIdFor(t, qname), id, qname);
    const none = new RouteTable({ vpcId: 'vpc-6', rules: [], upstreams: [] });
    for (const qname of ['', 'a', 'a.b.c']) assert.equal(none.lookup(qname).kind, 'none', qname);
  });

  it('does not split a label with an escaped dot', () => {
    const t = new RouteTable({ vpcId: 'vpc-4', rules: [rule('r', 'example')], upstreams: [] });
    assert.equal(ruleIdFor(t, 'a\\046b.example'), 'r');
    assert.equal(ruleIdFor(t, 'a\\046example'), 'none');
  });
});

describe('routingFingerprint', () => {
  const vpc: VpcContext = { vpcId: 'v', rules: [rule('r1', 'a.example'), rule('r2', 'b.example')], upstreams: [] };
  it('ignores rule order and the query log', () => {
    const reordered: VpcContext = { ...vpc, rules: [...vpc.rules].reverse(), queryLog: { configId: 'q', file: '/tmp/x' } };
    assert.equal(routingFingerprint(reordered), routingFingerprint(vpc));
  });
  it('changes when a target changes', () => {
    const changed: VpcContext = { ...vpc, rules: [{ ...rule('r1', 'a.example'), targets: [{ ip: '10.0.0.2', port: 53 }] }, rule('r2', 'b.example')] };
    assert.notEqual(routingFingerprint(changed), routingFingerprint(vpc));
  });
});
