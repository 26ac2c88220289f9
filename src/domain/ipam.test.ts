// Table tests of the IPv4 math: address and CIDR parsing, containment, overlap, reserved addresses and allocation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allocateAddress,
  allocateAfter,
  broadcastAddress,
  cidrContains,
  cidrsOverlap,
  cidrWithin,
  intToIp,
  ipToInt,
  isIpv4,
  isNetworkOrBroadcast,
  networkAddress,
  parseCidr,
  type Cidr,
} from './ipam.ts';

const cidr = (text: string): Cidr => {
  const c = parseCidr(text);
  assert.ok(c, `${text} should parse`);
  return c;
};

const used = (...ips: string[]): Set<number> => new Set(ips.map(ipToInt));

describe('isIpv4', () => {
  const cases: Array<[unknown, boolean, string]> = [
    ['10.0.1.4', true, 'a plain address'],
    ['0.0.0.0', true, 'all zeros'],
    ['255.255.255.255', true, 'all ones'],
    ['1.2.3.4', true, 'single digits'],
    ['199.249.200.100', true, 'every hundreds branch'],
    ['10.0.01.4', false, 'a leading zero'],
    ['010.0.1.4', false, 'a leading zero in the first octet'],
    ['10.0.1.00', false, 'a doubled zero'],
    ['256.0.0.1', false, 'an octet over 255'],
    ['10.0.1.300', false, 'an octet of 300'],
    ['-1.0.0.1', false, 'a negative octet'],
    ['10.0.1', false, 'three octets (shorthand)'],
    ['10.1', false, 'two octets (shorthand)'],
    ['167772161', false, 'a bare integer'],
    ['0x0a.0.0.1', false, 'hex'],
    ['10.0.1.4.5', false, 'five octets'],
    ['10.0.1.', false, 'a trailing dot'],
    [' 10.0.1.4', false, 'a leading space'],
    ['10.0.1.4 ', false, 'a trailing space'],
    ['10.0.1.4\n', false, 'a trailing newline'],
    ['10. 0.1.4', false, 'an inner space'],
    ['10.0.1.4/32', false, 'a prefix'],
    ['::1', false, 'IPv6 loopback'],
    ['fe80::1', false, 'IPv6'],
    ['::ffff:10.0.1.4', false, 'IPv4-mapped IPv6'],
    ['', false, 'the empty string'],
    [167772161, false, 'a number'],
    [null, false, 'null'],
    [undefined, false, 'undefined'],
  ];
  for (const [input, expected, title] of cases) {
    it(`${expected ? 'accepts' : 'rejects'} ${title} (${JSON.stringify(input)})`, () => assert.equal(isIpv4(input), expected));
  }
});

describe('ipToInt / intToIp', () => {
  const cases: Array<[string, number]> = [
    ['0.0.0.0', 0],
    ['0.0.0.1', 1],
    ['10.0.1.4', 0x0a000104],
    ['128.0.0.0', 0x80000000],
    ['255.255.255.255', 0xffffffff],
  ];
  for (const [ip, n] of cases) {
    it(`maps ${ip} to ${n} (unsigned) and back`, () => {
      assert.equal(ipToInt(ip), n);
      assert.equal(intToIp(n), ip);
    });
  }
});

describe('parseCidr', () => {
  const valid: Array<[string, { text: string; base: number; prefix: number; size: number }]> = [
    ['10.0.0.0/16', { text: '10.0.0.0/16', base: 0x0a000000, prefix: 16, size: 65536 }],
    ['10.0.1.0/24', { text: '10.0.1.0/24', base: 0x0a000100, prefix: 24, size: 256 }],
    ['0.0.0.0/0', { text: '0.0.0.0/0', base: 0, prefix: 0, size: 2 ** 32 }],
    ['10.0.0.7/32', { text: '10.0.0.7/32', base: 0x0a000007, prefix: 32, size: 1 }],
    ['10.0.0.6/31', { text: '10.0.0.6/31', base: 0x0a000006, prefix: 31, size: 2 }],
    ['128.0.0.0/1', { text: '128.0.0.0/1', base: 0x80000000, prefix: 1, size: 2 ** 31 }],
    ['255.255.255.0/24', { text: '255.255.255.0/24', base: 0xffffff00, prefix: 24, size: 256 }],
  ];
  for (const [text, expected] of valid) {
    it(`parses ${text}`, () => assert.deepEqual({ ...parseCidr(text) }, expected));
  }

  const invalid: Array<[unknown, string]> = [
    ['10.0.1.1/24', 'host bits set'],
    ['10.0.0.0/8x', 'a non-numeric prefix'],
    ['10.0.1.0/15', 'host bits set for the prefix (10.0.1.0 is not a /15 network)'],
    ['10.0.0.1/0', 'host bits set with /0'],
    ['10.0.0.0/33', 'a prefix over 32'],
    ['10.0.0.0/100', 'a three-digit prefix'],
    ['10.0.0.0/-1', 'a negative prefix'],
    ['10.0.0.0/', 'an empty prefix'],
    ['10.0.0.0', 'no prefix'],
    ['/24', 'no address'],
    ['10.0.0.0/24/24', 'two prefixes'],
    ['10.0.0/24', 'a shorthand address'],
    ['010.0.0.0/8', 'a leading zero in the address'],
    [' 10.0.0.0/8', 'a leading space'],
    ['10.0.0.0/8 ', 'a trailing space'],
    ['10.0.0.0/ 8', 'a space in the prefix'],
    ['fd00::/8', 'IPv6'],
    ['', 'the empty string'],
    [24, 'a number'],
    [null, 'null'],
  ];
  for (const [text, title] of invalid) {
    it(`returns null for ${title} (${JSON.stringify(text)})`, () => assert.equal(parseCidr(text), null));
  }

  it('names the network and broadcast addresses', () => {
    assert.equal(networkAddress(cidr('10.0.1.0/24')), '10.0.1.0');
    assert.equal(broadcastAddress(cidr('10.0.1.0/24')), '10.0.1.255');
    assert.equal(broadcastAddress(cidr('0.0.0.0/0')), '255.255.255.255');
    assert.equal(broadcastAddress(cidr('10.0.0.7/32')), '10.0.0.7');
  });
});

describe('cidrContains', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.1.0/24', '10.0.1.0', true],
    ['10.0.1.0/24', '10.0.1.4', true],
    ['10.0.1.0/24', '10.0.1.255', true],
    ['10.0.1.0/24', '10.0.0.255', false],
    ['10.0.1.0/24', '10.0.2.0', false],
    ['10.0.0.0/16', '10.0.255.255', true],
    ['10.0.0.0/16', '10.1.0.0', false],
    ['10.0.0.7/32', '10.0.0.7', true],
    ['10.0.0.7/32', '10.0.0.8', false],
    ['10.0.0.6/31', '10.0.0.7', true],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['0.0.0.0/0', '0.0.0.0', true],
    ['255.255.255.0/24', '255.255.255.255', true],
    ['128.0.0.0/1', '127.255.255.255', false],
  ];
  for (const [c, ip, expected] of cases) {
    it(`${c} ${expected ? 'contains' : 'does not contain'} ${ip}`, () => assert.equal(cidrContains(cidr(c), ip), expected));
  }
});

describe('cidrWithin', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.1.0/24', '10.0.0.0/16', true],
    ['10.0.0.0/16', '10.0.0.0/16', true],
    ['10.0.255.0/24', '10.0.0.0/16', true],
    ['10.1.0.0/24', '10.0.0.0/16', false],
    ['10.0.0.0/15', '10.0.0.0/16', false],
    ['10.0.0.0/16', '10.0.1.0/24', false],
    ['9.255.255.0/24', '10.0.0.0/16', false],
    ['10.0.0.0/8', '0.0.0.0/0', true],
    ['10.0.0.7/32', '10.0.0.0/29', true],
    ['10.0.0.8/32', '10.0.0.0/29', false],
  ];
  for (const [inner, outer, expected] of cases) {
    it(`${inner} is ${expected ? '' : 'not '}within ${outer}`, () => assert.equal(cidrWithin(cidr(inner), cidr(outer)), expected));
  }
});

describe('cidrsOverlap', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.1.0/24', '10.0.1.0/24', true],
    ['10.0.1.0/24', '10.0.1.128/25', true],
    ['10.0.0.0/16', '10.0.200.0/24', true],
    ['10.0.1.0/24', '10.0.2.0/24', false],
    ['10.0.1.0/25', '10.0.1.128/25', false],
    ['10.0.1.0/24', '10.0.0.0/24', false],
    ['10.0.0.0/8', '0.0.0.0/0', true],
    ['10.0.0.7/32', '10.0.0.0/29', true],
    ['10.0.0.8/32', '10.0.0.0/29', false],
  ];
  for (const [a, b, expected] of cases) {
    it(`${a} and ${b} ${expected ? 'overlap' : 'do not overlap'}, in either order`, () => {
      assert.equal(cidrsOverlap(cidr(a), cidr(b)), expected);
      assert.equal(cidrsOverlap(cidr(b), cidr(a)), expected);
    });
  }
});

describe('isNetworkOrBroadcast', () => {
  const cases: Array<[string, string, boolean]> = [
    ['10.0.1.0/24', '10.0.1.0', true],
    ['10.0.1.0/24', '10.0.1.255', true],
    ['10.0.1.0/24', '10.0.1.1', false],
    ['10.0.1.0/24', '10.0.1.254', false],
    ['10.0.2.0/29', '10.0.2.7', true],
    ['10.0.2.0/29', '10.0.2.6', false],
    ['10.0.3.0/30', '10.0.3.0', true],
    ['10.0.3.0/30', '10.0.3.3', true],
    ['10.0.3.0/30', '10.0.3.1', false],
    // RFC 3021: a /31 point-to-point link has no network or broadcast address.
    ['10.0.0.6/31', '10.0.0.6', false],
    ['10.0.0.6/31', '10.0.0.7', false],
    ['10.0.0.7/32', '10.0.0.7', false],
  ];
  for (const [c, ip, expected] of cases) {
    it(`${ip} is ${expected ? '' : 'not '}the network or broadcast address of ${c}`, () => assert.equal(isNetworkOrBroadcast(cidr(c), ip), expected));
  }
});

describe('allocateAddress', () => {
  const cases: Array<[string, string, string | null, Set<number>, string | null]> = [
    ['the first address after .1-.3 of a /24', '10.0.1.0/24', '10.0.1.1', used(), '10.0.1.4'],
    ['the first address after .1-.3 without a gateway', '10.0.1.0/24', null, used(), '10.0.1.4'],
    ['past a used address', '10.0.1.0/24', '10.0.1.1', used('10.0.1.4'), '10.0.1.5'],
    ['into a hole between used addresses', '10.0.1.0/24', '10.0.1.1', used('10.0.1.4', '10.0.1.6'), '10.0.1.5'],
    ['past a gateway that is not .1', '10.0.1.0/24', '10.0.1.4', used(), '10.0.1.5'],
    ['past a gateway and used addresses', '10.0.1.0/24', '10.0.1.5', used('10.0.1.4', '10.0.1.6'), '10.0.1.7'],
    ['the last host, never the broadcast', '10.0.2.0/29', '10.0.2.1', used('10.0.2.4', '10.0.2.5'), '10.0.2.6'],
    ['null when the /29 is full (.4-.6 used)', '10.0.2.0/29', '10.0.2.1', used('10.0.2.4', '10.0.2.5', '10.0.2.6'), null],
    ['null when only the gateway is left', '10.0.2.0/29', '10.0.2.6', used('10.0.2.4', '10.0.2.5'), null],
    ['ignores used addresses outside the subnet', '10.0.1.0/24', '10.0.1.1', used('10.0.2.4', '10.0.0.4'), '10.0.1.4'],
    // A /30 has .0 network, .1-.3 reserved (incl. .3 broadcast): nothing is ever allocated automatically.
    ['null for a /30', '10.0.3.0/30', '10.0.3.1', used(), null],
    ['null for a /30 without a gateway', '10.0.3.0/30', null, used(), null],
    // A /31 has no network, broadcast or .1-.3 reservation (RFC 3021): both addresses but the gateway are usable.
    ['the first address of a /31', '10.0.0.6/31', null, used(), '10.0.0.6'],
    ['the other address of a /31 whose first is the gateway', '10.0.0.6/31', '10.0.0.6', used(), '10.0.0.7'],
    ['null for a /31 with the gateway and the other address used', '10.0.0.6/31', '10.0.0.6', used('10.0.0.7'), null],
    ['the only address of a /32', '10.0.0.7/32', null, used(), '10.0.0.7'],
    ['null for a /32 that is the gateway', '10.0.0.7/32', '10.0.0.7', used(), null],
    ['at the top of the address space', '255.255.255.0/24', '255.255.255.1', used(), '255.255.255.4'],
    ['the last host at the top of the address space', '255.255.255.248/29', '255.255.255.249', used('255.255.255.252', '255.255.255.253'), '255.255.255.254'],
  ];
  for (const [title, c, gateway, inUse, expected] of cases) {
    it(`returns ${title}`, () => assert.equal(allocateAddress(cidr(c), gateway, inUse), expected));
  }

  it('never hands out the network, .1-.3, the gateway or the broadcast address while filling a /28', () => {
    const c = cidr('10.0.4.0/28');
    const taken = new Set<number>();
    const got: string[] = [];
    for (;;) {
      const ip = allocateAddress(c, '10.0.4.9', taken);
      if (ip === null) break;
      got.push(ip);
      taken.add(ipToInt(ip));
    }
    assert.deepEqual(got, ['10.0.4.4', '10.0.4.5', '10.0.4.6', '10.0.4.7', '10.0.4.8', '10.0.4.10', '10.0.4.11', '10.0.4.12', '10.0.4.13', '10.0.4.14']);
  });
});

describe('allocateAfter (next-fit)', () => {
  const c = parseCidr('10.0.5.0/24')!;
  const none = () => false;
  it('starts at the first unreserved host address of an empty subnet', () => assert.equal(allocateAfter(c, '10.0.5.1', null, none), '10.0.5.4'));
  it('takes the address after the highest in use', () => assert.equal(allocateAfter(c, '10.0.5.1', ipToInt('10.0.5.20'), none), '10.0.5.21'));
  it('skips addresses the same request took and the gateway', () =>
    assert.equal(allocateAfter(c, '10.0.5.22', ipToInt('10.0.5.20'), (n) => n === ipToInt('10.0.5.21')), '10.0.5.23'));
  it('returns null at the top (the broadcast address is never handed out), so the caller searches the gaps', () =>
    assert.equal(allocateAfter(c, '10.0.5.1', ipToInt('10.0.5.254'), none), null));
});
