// The per-send address family check that replaced net.isIP on the data plane's sockets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { literalFamily } from './datagram.ts';

describe('literalFamily', () => {
  it('tells IPv4 and IPv6 literals from host names', () => {
    assert.equal(literalFamily('127.0.0.1'), 4);
    assert.equal(literalFamily('10.200.3.4'), 4);
    assert.equal(literalFamily('::1'), 6);
    assert.equal(literalFamily('fd00::53'), 6);
    assert.equal(literalFamily('::ffff:10.0.0.1'), 6);
    assert.equal(literalFamily('fe80::1%eth0'), 6);
    assert.equal(literalFamily('localhost'), 0);
    assert.equal(literalFamily('ns1.example'), 0);
    assert.equal(literalFamily('1.2.3.example'), 0);
    assert.equal(literalFamily(''), 0);
  });
});
