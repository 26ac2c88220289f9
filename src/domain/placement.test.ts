import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { covers, ERROR_INFO_MAX, place, placedStatus, type DnsNode } from './placement.ts';

const node = (name: string, cidrs: string[], live = true, silentMs = 0): DnsNode => ({ name, serveCidrs: cidrs, live, silentMs });

describe('placement', () => {
  it('a node covers the addresses of its CIDRs only', () => {
    const n = node('a', ['127.16.0.0/16', '10.1.2.3/32']);
    assert.ok(covers(n, '127.16.4.5'));
    assert.ok(covers(n, '10.1.2.3'));
    assert.ok(!covers(n, '10.1.2.4'));
    assert.ok(!covers(n, '127.17.0.1'));
    assert.ok(!covers(node('b', []), '127.16.0.1'));
  });

  it('an address is served by every live covering node that reports it bound', () => {
    const nodes = [node('b', ['127.16.0.0/16']), node('a', ['127.16.0.0/16']), node('c', ['10.0.0.0/8'])];
    const p = place('127.16.0.9', nodes, [
      { nodeName: 'a', bound: true, reason: null },
      { nodeName: 'b', bound: true, reason: null },
      { nodeName: 'c', bound: true, reason: null },
    ]);
    assert.deepEqual(p, { servedBy: ['a', 'b'], unreported: [], why: null });
  });

  it('one bound node is enough; the others\' failures do not make it ERROR', () => {
    const nodes = [node('a', ['127.16.0.0/16']), node('b', ['127.16.0.0/16'])];
    const p = place('127.16.0.9', nodes, [
      { nodeName: 'a', bound: false, reason: 'EADDRNOTAVAIL' },
      { nodeName: 'b', bound: true, reason: null },
    ]);
    assert.deepEqual(p.servedBy, ['b']);
    assert.deepEqual(placedStatus('ACTIVE', p), { status: 'ACTIVE', errorInfo: null });
  });

  it('no live covering node: ERROR saying so, and naming the dead covering nodes', () => {
    const nodes = [node('a', ['127.16.0.0/16'], false, 12_345), node('c', ['10.0.0.0/8'])];
    const p = place('127.16.0.9', nodes, [{ nodeName: 'a', bound: true, reason: null }]);
    assert.deepEqual(p.servedBy, []);
    assert.equal(p.why, 'no live DNS node covers 127.16.0.9; a: no heartbeat for 12.3 s');
    assert.deepEqual(placedStatus('PENDING_CREATE', p), { status: 'ERROR', errorInfo: p.why });
    assert.equal(place('192.0.2.1', [], []).why, 'no live DNS node covers 192.0.2.1');
  });

  it('every live covering node failing: ERROR naming each node\'s reason', () => {
    const nodes = [node('a', ['127.16.0.0/16']), node('b', ['127.0.0.0/8'])];
    const p = place('127.16.0.9', nodes, [
      { nodeName: 'b', bound: false, reason: 'cannot bind 127.16.0.9:53/udp: EACCES' },
      { nodeName: 'a', bound: false, reason: 'cannot bind 127.16.0.9:53/udp: EADDRINUSE' },
    ]);
    assert.equal(p.why, 'a: cannot bind 127.16.0.9:53/udp: EADDRINUSE; b: cannot bind 127.16.0.9:53/udp: EACCES');
    assert.deepEqual(placedStatus('ERROR', p), { status: 'ERROR', errorInfo: p.why });
  });

  it('a new address waits until every live covering node has reported', () => {
    const nodes = [node('a', ['127.16.0.0/16']), node('b', ['127.16.0.0/16'])];
    const p = place('127.16.0.9', nodes, [{ nodeName: 'a', bound: true, reason: null }]);
    assert.deepEqual(p.unreported, ['b']);
    assert.equal(placedStatus('PENDING_CREATE', p), null);
    const q = place('127.16.0.9', nodes, [
      { nodeName: 'a', bound: true, reason: null },
      { nodeName: 'b', bound: false, reason: 'x' },
    ]);
    assert.deepEqual(placedStatus('PENDING_CREATE', q), { status: 'ACTIVE', errorInfo: null });
  });

  it('a settled address follows what is served now, both ways', () => {
    const nodes = [node('a', ['127.16.0.0/16'])];
    const down = place('127.16.0.9', [node('a', ['127.16.0.0/16'], false, 11_000)], [{ nodeName: 'a', bound: true, reason: null }]);
    assert.equal(placedStatus('ACTIVE', down)?.status, 'ERROR');
    const up = place('127.16.0.9', nodes, [{ nodeName: 'a', bound: true, reason: null }]);
    assert.deepEqual(placedStatus('ERROR', up), { status: 'ACTIVE', errorInfo: null });
  });

  it('a settled address that only an unreported node covers is ERROR until it reports', () => {
    const p = place('127.16.0.9', [node('a', ['127.16.0.0/16'])], []);
    assert.deepEqual(placedStatus('ACTIVE', p), { status: 'ERROR', errorInfo: 'a: not reported yet' });
  });

  it('leaves addresses being deleted alone', () => {
    const p = place('127.16.0.9', [node('a', ['127.16.0.0/16'])], [{ nodeName: 'a', bound: true, reason: null }]);
    assert.equal(placedStatus('PENDING_DELETE', p), null);
  });

  it('caps error_info at 1024 characters, saying how many reasons were left out', () => {
    const nodes = Array.from({ length: 40 }, (_, i) => node(`node-${String(i).padStart(2, '0')}`, ['127.0.0.0/8']));
    const reports = nodes.map((n) => ({ nodeName: n.name, bound: false, reason: `cannot bind: ${'x'.repeat(60)}` }));
    const why = place('127.16.0.9', nodes, reports).why!;
    assert.ok(why.length <= ERROR_INFO_MAX, `${why.length}`);
    assert.match(why, /^node-00: cannot bind/);
    assert.match(why, /; and \d+ more$/);
  });
});
