// IPv4 address math for subnets: parsing, containment, reserved addresses and free-address allocation.
import ipaddr from 'ipaddr.js';

export interface Cidr {
  readonly text: string; // canonical "a.b.c.d/n"
  readonly base: number; // network address as an unsigned 32-bit integer
  readonly prefix: number;
  readonly size: number; // number of addresses
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Strict dotted quad (no leading zeros, no shorthand), as a JSON-schema pattern. */
export const IPV4_PATTERN = `^${OCTET}(\\.${OCTET}){3}$`;
/** A dotted quad a DNS server can have: not 0.0.0.0/8, multicast (224/4) or reserved/broadcast (240/4). */
export const UNICAST_IPV4_PATTERN = `^(22[0-3]|2[01]\\d|1\\d\\d|[1-9]\\d?)(\\.${OCTET}){3}$`;
const IPV4 = new RegExp(IPV4_PATTERN);

/** Strict dotted-quad IPv4 (no leading zeros, no shorthand). */
export function isIpv4(text: unknown): text is string {
  return typeof text === 'string' && IPV4.test(text);
}

export function ipToInt(ip: string): number {
  const o = ipaddr.IPv4.parse(ip).octets;
  return ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses "a.b.c.d/n"; the address must be the network address itself (no host bits). Null when invalid. */
export function parseCidr(text: unknown): Cidr | null {
  if (typeof text !== 'string') return null;
  const [addr, len, ...rest] = text.split('/');
  if (rest.length > 0 || addr === undefined || len === undefined || !isIpv4(addr) || !/^(0|[1-9]\d?)$/.test(len)) return null;
  const prefix = Number(len);
  if (prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  const ip = ipToInt(addr);
  const base = prefix === 0 ? 0 : (ip & ((0xffffffff << (32 - prefix)) >>> 0)) >>> 0;
  if (base !== ip) return null;
  return { text: `${addr}/${prefix}`, base, prefix, size };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= cidr.base && n < cidr.base + cidr.size;
}

export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

export const networkAddress = (c: Cidr): string => intToIp(c.base);
export const broadcastAddress = (c: Cidr): string => intToIp(c.base + c.size - 1);

/** True for the network and broadcast addresses (a /31 or /32 has neither, per RFC 3021). */
export function isNetworkOrBroadcast(c: Cidr, ip: string): boolean {
  if (c.prefix >= 31) return false;
  const n = ipToInt(ip);
  return n === c.base || n === c.base + c.size - 1;
}

/**
 * Addresses never handed out by the allocator: network, gateway, broadcast, and (like most clouds)
 * the first three host addresses after the network (.1 to .3 of a /24), reserved for gateway and
 * platform services. A caller may still ask for .2 or .3 explicitly; only network, broadcast and
 * the gateway are refused then (docs/ipam.md).
 */
function makeReservedCheck(c: Cidr, gatewayIp: string | null): (n: number) => boolean {
  const gateway = gatewayIp === null ? -1 : ipToInt(gatewayIp);
  const last = c.base + c.size - 1;
  if (c.prefix >= 31) return (n) => n === gateway;
  return (n) => n === gateway || n <= c.base + 3 || n === last;
}

/**
 * The lowest free address of the subnet that is not reserved and not in `used`, or null when full.
 * Walks from the first host address; `used` holds integers. Cost is O(used) for dense subnets.
 */
export function allocateAddress(c: Cidr, gatewayIp: string | null, used: ReadonlySet<number>): string | null {
  return firstFree(c, gatewayIp, c.base, (n) => used.has(n));
}

/**
 * Next-fit: the first free address above `highestUsed` (everything above it is free, but for `taken`),
 * or null when the top of the subnet is exhausted and the caller must search the gaps below.
 */
export function allocateAfter(c: Cidr, gatewayIp: string | null, highestUsed: number | null, taken: (n: number) => boolean): string | null {
  return firstFree(c, gatewayIp, highestUsed === null ? c.base : highestUsed + 1, taken);
}

function firstFree(c: Cidr, gatewayIp: string | null, from: number, taken: (n: number) => boolean): string | null {
  const reserved = makeReservedCheck(c, gatewayIp);
  const end = c.base + c.size;
  for (let n = Math.max(from, c.base); n < end; n++) {
    if (reserved(n) || taken(n)) continue;
    return intToIp(n);
  }
  return null;
}
