// The data plane's UDP socket module, its pure parts: address families, the printed IPv4 sender cache, and
// which socket implementation a setting selects. The sockets themselves: test/dataplane/datagram.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipv4Text, literalFamily, nativeUdpStatus, resolveUdpIo } from './datagram.ts';

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

describe('ipv4Text', () => {
  it('prints addresses as dgram does, also when two share a cache slot', () => {
    const a = (0x7f << 24) | 1; // 127.0.0.1
    const b = a ^ 0x01010100; // another address, same slot of the cache (the slot hashes a ^ a>>>8 ^ a>>>16)
    for (let i = 0; i < 3; i++) {
      assert.equal(ipv4Text(a), '127.0.0.1');
      assert.equal(ipv4Text(b), '126.1.1.1');
    }
    assert.equal(ipv4Text(0), '0.0.0.0');
    assert.equal(ipv4Text(-1), '255.255.255.255');
    assert.equal(ipv4Text(0x0a090807), '10.9.8.7');
  });
});

const native = nativeUdpStatus();

describe('resolveUdpIo', () => {
  it('picks node when asked, native when the addon loaded, and refuses native without it', () => {
    assert.equal(resolveUdpIo('node'), 'node');
    if (native.available) {
      assert.equal(resolveUdpIo('auto'), 'native');
      assert.equal(resolveUdpIo('native'), 'native');
    } else {
      assert.equal(resolveUdpIo('auto'), 'node');
      assert.throws(() => resolveUdpIo('native'), /did not load/);
    }
  });
});
